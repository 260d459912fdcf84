#include "lethe/llm/openai_backend.hpp"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "lethe/llm/json_schema.hpp"
#include "lethe_test/fake_openai_server.hpp"

namespace lethe::llm {
namespace {

using lethe::test::FakeOpenAiServer;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

using Clock = std::chrono::steady_clock;

Options fast_options() {
  Options options;
  options.connect_timeout_s = 2.0;
  options.read_timeout_s = 0.5;
  options.max_retries = 2;
  options.max_in_flight = 4;
  options.use_cache = false;
  return options;
}

RetryPolicy fast_retries(int max_retries) {
  RetryPolicy policy;
  policy.max_retries = max_retries;
  policy.base_delay = milliseconds{1};
  policy.max_delay = milliseconds{5};
  policy.max_retry_after = milliseconds{3000};
  return policy;
}

ChatRequest ask(const std::string& text) {
  ChatRequest request;
  request.messages = {{Role::User, text}};
  return request;
}

// Expects `call` to throw llm::Error and returns its message.
template <typename Call>
std::string error_of(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected llm::Error";
  return {};
}

// A loopback port nothing listens on: bound by the kernel's choice, then closed.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot pick a loopback port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

// Sets an environment variable for the lifetime of the object.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    ::setenv(name_.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name_.c_str()); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
};

FakeOpenAiServer::Handler reply(const std::string& body, int status = 200) {
  return [body, status](const httplib::Request&, httplib::Response& response, int) {
    response.status = status;
    response.set_content(body, "application/json");
  };
}

// --- spec, endpoint, options -------------------------------------------------------------------------------------

TEST(OpenAiEndpoint, AppendsTheChatCompletionsPathByRule) {
  EXPECT_EQ(chat_completions_url("http://127.0.0.1:8080/v1"), "http://127.0.0.1:8080/v1/chat/completions");
  EXPECT_EQ(chat_completions_url("http://127.0.0.1:8080/v1/"), "http://127.0.0.1:8080/v1/chat/completions");
  EXPECT_EQ(chat_completions_url("http://127.0.0.1:8080"), "http://127.0.0.1:8080/v1/chat/completions");
  EXPECT_EQ(chat_completions_url("http://127.0.0.1:8080/"), "http://127.0.0.1:8080/v1/chat/completions");
  EXPECT_EQ(chat_completions_url("https://host/openai"), "https://host/openai/v1/chat/completions");
  EXPECT_EQ(chat_completions_url("https://host/api/chat/completions"), "https://host/api/chat/completions");
}

TEST(OpenAiSpec, DescribesAndIdentifiesItself) {
  OpenAiBackend backend("http://127.0.0.1:8080/v1/#my-model", fast_options());
  EXPECT_EQ(backend.describe(), "openai:http://127.0.0.1:8080/v1#my-model");
  EXPECT_EQ(backend.identity(), "openai|http://127.0.0.1:8080/v1|my-model");
  EXPECT_EQ(backend.endpoint(), "http://127.0.0.1:8080/v1/chat/completions");
  EXPECT_EQ(backend.model(), "my-model");
  EXPECT_EQ(open_openai("http://h:1#m", fast_options())->describe(), "openai:http://h:1#m");
}

TEST(OpenAiSpec, RejectsMalformedSpecs) {
  EXPECT_THAT(error_of([] { OpenAiBackend("http://127.0.0.1:8080/v1", fast_options()); }), HasSubstr("no model"));
  EXPECT_THAT(error_of([] { OpenAiBackend("http://127.0.0.1:8080/v1#", fast_options()); }), HasSubstr("no model"));
  EXPECT_THAT(error_of([] { OpenAiBackend("ftp://127.0.0.1/v1#m", fast_options()); }), HasSubstr("http://"));
  EXPECT_THAT(error_of([] { OpenAiBackend("127.0.0.1:8080#m", fast_options()); }), HasSubstr("http://"));
  EXPECT_THAT(error_of([] { OpenAiBackend("http://#m", fast_options()); }), HasSubstr("no host"));
}

TEST(OpenAiSpec, RejectsBadOptions) {
  auto options = fast_options();
  options.max_in_flight = 0;
  EXPECT_THAT(error_of([&] { OpenAiBackend("http://h:1#m", options); }), HasSubstr("max_in_flight"));
  options = fast_options();
  options.read_timeout_s = 0.0;
  EXPECT_THAT(error_of([&] { OpenAiBackend("http://h:1#m", options); }), HasSubstr("read_timeout_s"));
  options = fast_options();
  options.max_retries = -1;
  EXPECT_THAT(error_of([&] { OpenAiBackend("http://h:1#m", options); }), HasSubstr("max_retries"));
}

TEST(OpenAiSpec, NamedApiKeyVariableMustBeSet) {
  auto options = fast_options();
  options.api_key_env = "LETHE_TEST_UNSET_API_KEY_VARIABLE";
  ::unsetenv(options.api_key_env.c_str());
  EXPECT_THAT(error_of([&] { OpenAiBackend("http://h:1#m", options); }), HasSubstr(options.api_key_env));
  ScopedEnv empty(options.api_key_env, "");
  EXPECT_THAT(error_of([&] { OpenAiBackend("http://h:1#m", options); }), HasSubstr("unset or empty"));
}

// --- successful exchanges ----------------------------------------------------------------------------------------

TEST(OpenAiBackend, ReturnsTextFinishAndUsage) {
  FakeOpenAiServer server(reply(FakeOpenAiServer::completion("Hello there.", "stop", 12, 3)));
  OpenAiBackend backend(server.url_and_model(), fast_options());
  const ChatResponse response = backend.complete(ask("Hi"));
  EXPECT_EQ(response.text, "Hello there.");
  EXPECT_EQ(response.finish, FinishReason::Stop);
  EXPECT_EQ(response.prompt_tokens, 12);
  EXPECT_EQ(response.prompt_tokens_evaluated, 12);
  EXPECT_EQ(response.completion_tokens, 3);
  EXPECT_GT(response.latency_ms, 0.0);
  EXPECT_TRUE(response.choice_probs.empty());
  EXPECT_FALSE(response.from_cache);
  const Usage usage = backend.usage().snapshot();
  EXPECT_EQ(usage.calls, 1);
  EXPECT_EQ(usage.prompt_tokens, 12);
  EXPECT_EQ(usage.completion_tokens, 3);
  EXPECT_EQ(server.requests(), 1);
  EXPECT_EQ(backend.retries(), 0);
}

TEST(OpenAiBackend, CachedPromptTokensAreNotCountedAsEvaluated) {
  nlohmann::json body = nlohmann::json::parse(FakeOpenAiServer::completion("ok", "stop", 100, 1));
  body["usage"]["prompt_tokens_details"] = {{"cached_tokens", 96}};
  FakeOpenAiServer server(reply(body.dump()));
  OpenAiBackend backend(server.url_and_model(), fast_options());
  const ChatResponse response = backend.complete(ask("Hi"));
  EXPECT_EQ(response.prompt_tokens, 100);
  EXPECT_EQ(response.prompt_tokens_evaluated, 4);
}

TEST(OpenAiBackend, LengthFinishIsReported) {
  FakeOpenAiServer server(reply(FakeOpenAiServer::completion("Once upon", "length", 5, 2)));
  OpenAiBackend backend(server.url_and_model(), fast_options());
  EXPECT_EQ(backend.complete(ask("Tell a story")).finish, FinishReason::Length);
}

TEST(OpenAiBackend, AcceptsABaseUrlWithoutV1) {
  FakeOpenAiServer server(reply(FakeOpenAiServer::completion("fine")));
  OpenAiBackend backend(server.base_url() + "#m", fast_options());
  EXPECT_EQ(backend.complete(ask("Hi")).text, "fine");
}

TEST(OpenAiBackend, SendsMessagesSamplingStopGrammarAndApiKey) {
  FakeOpenAiServer server(reply(FakeOpenAiServer::completion("yes")));
  ScopedEnv key("LETHE_TEST_OPENAI_KEY", "sk-test-123");
  auto options = fast_options();
  options.api_key_env = "LETHE_TEST_OPENAI_KEY";
  OpenAiBackend backend(server.url_and_model("tiny-model"), options);

  ChatRequest request;
  request.messages = {{Role::System, "You are terse."},
                      {Role::User, "Say yes."},
                      {Role::Assistant, "yes"},
                      {Role::User, "Again, with \"quotes\" and ünïcode."}};
  request.sampling.temperature = 0.7;
  request.sampling.top_p = 0.9;
  request.sampling.top_k = 40;
  request.sampling.seed = 1234;
  request.sampling.max_tokens = 64;
  request.stop = {"\n", "END"};
  request.grammar = "root ::= \"yes\" | \"no\"";
  backend.complete(request);

  ASSERT_EQ(server.requests(), 1);
  const auto received = server.received().front();
  EXPECT_EQ(received.header("Authorization"), "Bearer sk-test-123");
  EXPECT_THAT(received.header("Content-Type"), HasSubstr("application/json"));
  const nlohmann::json body = received.json();
  EXPECT_EQ(body.at("model"), "tiny-model");
  ASSERT_EQ(body.at("messages").size(), 4u);
  EXPECT_EQ(body.at("messages")[0], (nlohmann::json{{"role", "system"}, {"content", "You are terse."}}));
  EXPECT_EQ(body.at("messages")[2], (nlohmann::json{{"role", "assistant"}, {"content", "yes"}}));
  EXPECT_EQ(body.at("messages")[3].at("content"), "Again, with \"quotes\" and ünïcode.");
  EXPECT_DOUBLE_EQ(body.at("temperature").get<double>(), 0.7);
  EXPECT_DOUBLE_EQ(body.at("top_p").get<double>(), 0.9);
  EXPECT_EQ(body.at("top_k"), 40);
  EXPECT_EQ(body.at("seed"), 1234);
  EXPECT_EQ(body.at("max_tokens"), 64);
  EXPECT_EQ(body.at("stop"), (nlohmann::json{"\n", "END"}));
  EXPECT_EQ(body.at("grammar"), "root ::= \"yes\" | \"no\"");
  EXPECT_EQ(body.at("stream"), false);
  EXPECT_FALSE(body.contains("response_format"));
  EXPECT_FALSE(body.contains("logprobs"));
}

TEST(OpenAiBackend, GreedyRequestsLeaveOutSeedTopKStopAndKey) {
  FakeOpenAiServer server(reply(FakeOpenAiServer::completion("ok")));
  OpenAiBackend backend(server.url_and_model(), fast_options());
  ChatRequest request = ask("Hi");
  request.sampling.seed = 99;  // irrelevant when greedy
  backend.complete(request);
  const auto received = server.received().front();
  const nlohmann::json body = received.json();
  EXPECT_EQ(body.at("temperature"), 0.0);
  EXPECT_FALSE(body.contains("seed"));
  EXPECT_FALSE(body.contains("top_k"));
  EXPECT_FALSE(body.contains("stop"));
  EXPECT_FALSE(body.contains("grammar"));
  EXPECT_EQ(received.header("Authorization"), "");
}

TEST(OpenAiBackend, SendsJsonSchemaAsResponseFormat) {
  FakeOpenAiServer server(reply(FakeOpenAiServer::completion("{\"name\":\"Ada\"}")));
  OpenAiBackend backend(server.url_and_model(), fast_options());
  ChatRequest request = ask("Give a name as JSON.");
  const nlohmann::json schema = {
      {"type", "object"}, {"properties", {{"name", {{"type", "string"}}}}}, {"required", {"name"}}};
  request.json_schema = schema;
  EXPECT_EQ(backend.complete(request).text, "{\"name\":\"Ada\"}");
  const nlohmann::json body = server.received().front().json();
  const nlohmann::json expected = {{"type", "json_schema"},
                                   {"json_schema", {{"name", "output"}, {"schema", schema}, {"strict", true}}}};
  EXPECT_EQ(body.at("response_format"), expected);
  EXPECT_FALSE(body.contains("grammar"));
}

TEST(OpenAiBackend, RejectsARequestWithoutMessagesBeforeSending) {
  FakeOpenAiServer server(reply(FakeOpenAiServer::completion("ok")));
  OpenAiBackend backend(server.url_and_model(), fast_options());
  EXPECT_THAT(error_of([&] { backend.complete(ChatRequest{}); }), HasSubstr("at least one message"));
  EXPECT_EQ(server.requests(), 0);
}

// --- retries and failures ----------------------------------------------------------------------------------------

TEST(OpenAiBackend, HonoursRetryAfterOn429ThenSucceeds) {
  FakeOpenAiServer server([](const httplib::Request&, httplib::Response& response, int index) {
    if (index == 0) {
      response.status = 429;
      response.set_header("Retry-After", "1");
      response.set_content(FakeOpenAiServer::error_body("slow down"), "application/json");
      return;
    }
    response.set_content(FakeOpenAiServer::completion("after the wait"), "application/json");
  });
  OpenAiBackend backend(server.url_and_model(), fast_options(), fast_retries(3));
  const auto start = Clock::now();
  const ChatResponse response = backend.complete(ask("Hi"));
  const auto waited = Clock::now() - start;
  EXPECT_EQ(response.text, "after the wait");
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(backend.retries(), 1);
  // The backoff alone would wait at most 5 ms; only Retry-After explains a full second.
  EXPECT_GE(waited, milliseconds{1000});
}

TEST(OpenAiBackend, ServerErrorsAreRetriedABoundedNumberOfTimes) {
  FakeOpenAiServer server(reply(FakeOpenAiServer::error_body("the model exploded"), 500));
  OpenAiBackend backend(server.url_and_model(), fast_options(), fast_retries(3));
  const std::string message = error_of([&] { backend.complete(ask("Hi")); });
  EXPECT_EQ(server.requests(), 4);
  EXPECT_EQ(backend.retries(), 3);
  EXPECT_THAT(message, HasSubstr(backend.endpoint()));
  EXPECT_THAT(message, HasSubstr("HTTP 500"));
  EXPECT_THAT(message, HasSubstr("the model exploded"));
  EXPECT_THAT(message, HasSubstr("4 attempts"));
}

TEST(OpenAiBackend, ServerErrorThenSuccessRecovers) {
  FakeOpenAiServer server([](const httplib::Request&, httplib::Response& response, int index) {
    if (index < 2) {
      response.status = 503;
      response.set_content("overloaded", "text/plain");
      return;
    }
    response.set_content(FakeOpenAiServer::completion("recovered", "stop", 1, 1), "application/json");
  });
  OpenAiBackend backend(server.url_and_model(), fast_options(), fast_retries(3));
  EXPECT_EQ(backend.complete(ask("Hi")).text, "recovered");
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(backend.retries(), 2);
}

TEST(OpenAiBackend, ZeroRetriesMeansOneAttempt) {
  FakeOpenAiServer server(reply("busy", 503));
  OpenAiBackend backend(server.url_and_model(), fast_options(), fast_retries(0));
  EXPECT_THAT(error_of([&] { backend.complete(ask("Hi")); }), HasSubstr("1 attempt;"));
  EXPECT_EQ(server.requests(), 1);
}

TEST(OpenAiBackend, ClientErrorFailsAtOnceWithTheServerMessage) {
  FakeOpenAiServer server(reply(FakeOpenAiServer::error_body("'messages' must not be empty, friend"), 400));
  ScopedEnv key("LETHE_TEST_OPENAI_KEY", "sk-secret-456");
  auto options = fast_options();
  options.api_key_env = "LETHE_TEST_OPENAI_KEY";
  OpenAiBackend backend(server.url_and_model(), options, fast_retries(3));
  const std::string message = error_of([&] { backend.complete(ask("Hi")); });
  EXPECT_EQ(server.requests(), 1);
  EXPECT_EQ(backend.retries(), 0);
  EXPECT_THAT(message, HasSubstr("HTTP 400"));
  EXPECT_THAT(message, HasSubstr("'messages' must not be empty, friend"));
  EXPECT_THAT(message, HasSubstr(backend.endpoint()));
  EXPECT_THAT(message, Not(HasSubstr("sk-secret-456")));
}

TEST(OpenAiBackend, PlainTextErrorBodiesAreQuotedAndTruncated) {
  FakeOpenAiServer server([](const httplib::Request&, httplib::Response& response, int index) {
    response.status = index == 0 ? 404 : 401;
    response.set_content(index == 0 ? "no such route" : std::string(5000, 'x'), "text/plain");
  });
  OpenAiBackend backend(server.url_and_model(), fast_options(), fast_retries(3));
  const std::string not_found = error_of([&] { backend.complete(ask("Hi")); });
  EXPECT_THAT(not_found, HasSubstr("HTTP 404: no such route"));
  const std::string unauthorised = error_of([&] { backend.complete(ask("Hi")); });
  EXPECT_THAT(unauthorised, HasSubstr("HTTP 401: xxxx"));
  EXPECT_LT(unauthorised.size(), 1000u);
  EXPECT_EQ(server.requests(), 2);
}

TEST(OpenAiBackend, MalformedJsonIsRetriedThenReported) {
  FakeOpenAiServer server(reply("{\"choices\": [ {\"message\": "));
  OpenAiBackend backend(server.url_and_model(), fast_options(), fast_retries(2));
  const std::string message = error_of([&] { backend.complete(ask("Hi")); });
  EXPECT_EQ(server.requests(), 3);
  EXPECT_THAT(message, HasSubstr("malformed"));
  EXPECT_THAT(message, HasSubstr("not valid JSON"));
}

TEST(OpenAiBackend, JsonWithoutContentIsMalformed) {
  FakeOpenAiServer server(reply("{\"choices\": []}"));
  OpenAiBackend backend(server.url_and_model(), fast_options(), fast_retries(1));
  EXPECT_THAT(error_of([&] { backend.complete(ask("Hi")); }), HasSubstr("choices[0].message.content"));
  EXPECT_EQ(server.requests(), 2);
}

TEST(OpenAiBackend, MalformedJsonOnceThenSuccessRecovers) {
  FakeOpenAiServer server([](const httplib::Request&, httplib::Response& response, int index) {
    response.set_content(index == 0 ? "not json at all" : FakeOpenAiServer::completion("good"), "application/json");
  });
  OpenAiBackend backend(server.url_and_model(), fast_options(), fast_retries(2));
  EXPECT_EQ(backend.complete(ask("Hi")).text, "good");
  EXPECT_EQ(backend.retries(), 1);
}

// Announces a 1000-byte body, sends a part of it and closes the connection.
void send_truncated(httplib::Response& response) {
  const std::string partial = FakeOpenAiServer::completion("cut short").substr(0, 40);
  response.set_content_provider(1000, "application/json", [partial](size_t offset, size_t, httplib::DataSink& sink) {
    if (offset == 0) sink.write(partial.data(), partial.size());
    return false;
  });
}

TEST(OpenAiBackend, TruncatedBodyIsRetriedThenReported) {
  FakeOpenAiServer server([](const httplib::Request&, httplib::Response& response, int) { send_truncated(response); });
  OpenAiBackend backend(server.url_and_model(), fast_options(), fast_retries(2));
  const std::string message = error_of([&] { backend.complete(ask("Hi")); });
  EXPECT_EQ(server.requests(), 3);
  EXPECT_THAT(message, HasSubstr("3 attempts"));
  EXPECT_THAT(message, HasSubstr(backend.endpoint()));
}

TEST(OpenAiBackend, TruncatedBodyOnceThenSuccessRecovers) {
  FakeOpenAiServer server([](const httplib::Request&, httplib::Response& response, int index) {
    if (index == 0) {
      send_truncated(response);
    } else {
      response.set_content(FakeOpenAiServer::completion("whole"), "application/json");
    }
  });
  OpenAiBackend backend(server.url_and_model(), fast_options(), fast_retries(2));
  EXPECT_EQ(backend.complete(ask("Hi")).text, "whole");
  EXPECT_EQ(server.requests(), 2);
}

TEST(OpenAiBackend, ServerThatNeverAnswersTimesOut) {
  FakeOpenAiServer* self = nullptr;
  FakeOpenAiServer server([&self](const httplib::Request&, httplib::Response& response, int) {
    self->stall(milliseconds{10'000});  // far beyond the 0.5 s read timeout; woken when the server stops
    response.set_content(FakeOpenAiServer::completion("too late"), "application/json");
  });
  self = &server;
  OpenAiBackend backend(server.url_and_model(), fast_options(), fast_retries(1));
  const std::string message = error_of([&] { backend.complete(ask("Hi")); });
  EXPECT_THAT(message, HasSubstr("timeout"));
  EXPECT_THAT(message, HasSubstr("2 attempts"));
  EXPECT_EQ(server.requests(), 2);
}

TEST(OpenAiBackend, ServerThatStallsMidBodyTimesOut) {
  FakeOpenAiServer* self = nullptr;
  FakeOpenAiServer server([&self](const httplib::Request&, httplib::Response& response, int) {
    const std::string half = FakeOpenAiServer::completion("half").substr(0, 30);
    response.set_content_provider(500, "application/json",
                                  [half, &self](size_t offset, size_t, httplib::DataSink& sink) {
                                    if (offset == 0) sink.write(half.data(), half.size());
                                    self->stall(milliseconds{10'000});
                                    return false;
                                  });
  });
  self = &server;
  OpenAiBackend backend(server.url_and_model(), fast_options(), fast_retries(1));
  const std::string message = error_of([&] { backend.complete(ask("Hi")); });
  EXPECT_THAT(message, HasSubstr("timeout"));
  EXPECT_EQ(server.requests(), 2);
}

TEST(OpenAiBackend, UnreachableServerIsAClearError) {
  const std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/v1";
  OpenAiBackend backend(url + "#m", fast_options(), fast_retries(2));
  const std::string message = error_of([&] { backend.complete(ask("Hi")); });
  EXPECT_THAT(message, HasSubstr(url + "/chat/completions"));
  EXPECT_THAT(message, HasSubstr("connect"));
  EXPECT_THAT(message, HasSubstr("3 attempts"));
  EXPECT_EQ(backend.retries(), 2);
}

// --- concurrency -------------------------------------------------------------------------------------------------

// Answers "echo:<last user message>". Until `bound` requests have been in flight together, each waits for that to
// happen, so a correct client reaches the bound exactly; every request then lingers a little so that a client
// exceeding the bound is seen doing so.
FakeOpenAiServer::Handler echo_after_reaching(int bound, FakeOpenAiServer*& self) {
  return [bound, &self](const httplib::Request& request, httplib::Response& response, int) {
    if (self->max_concurrent() < bound) self->wait_for_concurrent(bound, milliseconds{5000});
    self->stall(milliseconds{20});
    const auto body = nlohmann::json::parse(request.body);
    const std::string text = body.at("messages").back().at("content").get<std::string>();
    response.set_content(FakeOpenAiServer::completion("echo:" + text), "application/json");
  };
}

TEST(OpenAiBackend, BatchAnswersInOrderWithinTheInFlightBound) {
  FakeOpenAiServer* self = nullptr;
  FakeOpenAiServer server(echo_after_reaching(3, self));
  self = &server;
  auto options = fast_options();
  options.read_timeout_s = 10.0;
  options.max_in_flight = 3;
  OpenAiBackend backend(server.url_and_model(), options, fast_retries(0));
  std::vector<ChatRequest> requests;
  for (int i = 0; i < 9; ++i) requests.push_back(ask(std::to_string(i)));
  const std::vector<ChatResponse> responses = backend.complete_batch(requests);
  ASSERT_EQ(responses.size(), 9u);
  for (int i = 0; i < 9; ++i) EXPECT_EQ(responses[i].text, "echo:" + std::to_string(i));
  EXPECT_EQ(server.requests(), 9);
  EXPECT_EQ(server.max_concurrent(), 3);
  EXPECT_EQ(backend.usage().snapshot().calls, 9);
}

TEST(OpenAiBackend, InFlightBoundHoldsAcrossCallingThreads) {
  FakeOpenAiServer* self = nullptr;
  FakeOpenAiServer server(echo_after_reaching(2, self));
  self = &server;
  auto options = fast_options();
  options.read_timeout_s = 10.0;
  options.max_in_flight = 2;
  OpenAiBackend backend(server.url_and_model(), options, fast_retries(0));
  std::vector<std::string> answers(6);
  {
    std::vector<std::jthread> callers;
    for (int i = 0; i < 6; ++i) {
      callers.emplace_back([&backend, &answers, i] { answers[i] = backend.complete(ask(std::to_string(i))).text; });
    }
  }
  for (int i = 0; i < 6; ++i) EXPECT_EQ(answers[i], "echo:" + std::to_string(i));
  EXPECT_EQ(server.max_concurrent(), 2);
}

TEST(OpenAiBackend, BatchSurfacesAFailure) {
  FakeOpenAiServer server([](const httplib::Request& request, httplib::Response& response, int) {
    const auto body = nlohmann::json::parse(request.body);
    if (body.at("messages").back().at("content") == "bad") {
      response.status = 400;
      response.set_content(FakeOpenAiServer::error_body("this one is bad"), "application/json");
      return;
    }
    response.set_content(FakeOpenAiServer::completion("fine"), "application/json");
  });
  OpenAiBackend backend(server.url_and_model(), fast_options(), fast_retries(0));
  const std::vector<ChatRequest> requests = {ask("a"), ask("bad"), ask("c")};
  EXPECT_THAT(error_of([&] { backend.complete_batch(requests); }), HasSubstr("this one is bad"));
}

TEST(OpenAiBackend, EmptyBatchSendsNothing) {
  FakeOpenAiServer server(reply(FakeOpenAiServer::completion("x")));
  OpenAiBackend backend(server.url_and_model(), fast_options());
  EXPECT_TRUE(backend.complete_batch({}).empty());
  EXPECT_EQ(server.requests(), 0);
}

// --- single-choice calls -----------------------------------------------------------------------------------------

std::string choice_completion(const std::string& content, const nlohmann::json& top_logprobs) {
  nlohmann::json body = nlohmann::json::parse(FakeOpenAiServer::completion(content, "stop", 20, 2));
  body["choices"][0]["logprobs"] = {
      {"content", {{{"token", top_logprobs.at(0).at("token")}, {"logprob", -0.1}, {"top_logprobs", top_logprobs}}}}};
  return body.dump();
}

nlohmann::json top(const std::string& token, double probability) {
  return {{"token", token}, {"logprob", std::log(probability)}};
}

TEST(OpenAiChoices, ProbabilitiesComeFromTheFirstTokensTopLogprobs) {
  const nlohmann::json top_logprobs = {top("nor", 0.5), top("south", 0.3), top(" the", 0.15), top("n", 0.05)};
  FakeOpenAiServer server(reply(choice_completion("north", top_logprobs)));
  OpenAiBackend backend(server.url_and_model(), fast_options());
  ChatRequest request = ask("Which way?");
  request.choices = {"north", "south"};
  const ChatResponse response = backend.complete(request);

  EXPECT_EQ(response.text, "north");
  EXPECT_EQ(response.finish, FinishReason::Choice);
  ASSERT_EQ(response.choice_probs.size(), 2u);
  EXPECT_NEAR(response.choice_probs[0], 0.55 / 0.85, 1e-9);
  EXPECT_NEAR(response.choice_probs[1], 0.30 / 0.85, 1e-9);

  const nlohmann::json body = server.received().front().json();
  EXPECT_EQ(body.at("grammar"), choice_grammar({"north", "south"}));
  EXPECT_THAT(body.at("grammar").get<std::string>(), HasSubstr(R"("north" | "south")"));
  EXPECT_EQ(body.at("logprobs"), true);
  EXPECT_EQ(body.at("top_logprobs"), 20);
  EXPECT_FALSE(body.contains("response_format"));
}

TEST(OpenAiChoices, TokenBytesWinOverTheTokenString) {
  // "é" is two bytes; a server may print a token that ends inside it as a replacement character.
  nlohmann::json first = top("caf\xEF\xBF\xBD", 0.6);
  first["bytes"] = {99, 97, 102, 0xC3};
  const nlohmann::json top_logprobs = {first, top("tea", 0.2)};
  FakeOpenAiServer server(reply(choice_completion("café", top_logprobs)));
  OpenAiBackend backend(server.url_and_model(), fast_options());
  ChatRequest request = ask("Drink?");
  request.choices = {"tea", "café"};
  const ChatResponse response = backend.complete(request);
  ASSERT_EQ(response.choice_probs.size(), 2u);
  EXPECT_NEAR(response.choice_probs[0], 0.25, 1e-9);
  EXPECT_NEAR(response.choice_probs[1], 0.75, 1e-9);
}

TEST(OpenAiChoices, AmbiguousFirstTokensGiveNoProbabilities) {
  const nlohmann::json top_logprobs = {top("nor", 0.7), top("south", 0.2)};
  FakeOpenAiServer server(reply(choice_completion("north", top_logprobs)));
  OpenAiBackend backend(server.url_and_model(), fast_options());
  ChatRequest request = ask("Which way?");
  request.choices = {"north", "northeast", "south"};
  const ChatResponse response = backend.complete(request);
  EXPECT_EQ(response.text, "north");
  EXPECT_EQ(response.finish, FinishReason::Choice);
  EXPECT_TRUE(response.choice_probs.empty());
}

TEST(OpenAiChoices, AChoiceMissingFromTheTopListGivesNoProbabilities) {
  const nlohmann::json top_logprobs = {top("nor", 0.7), top("south", 0.2)};
  FakeOpenAiServer server(reply(choice_completion("north", top_logprobs)));
  OpenAiBackend backend(server.url_and_model(), fast_options());
  ChatRequest request = ask("Which way?");
  request.choices = {"north", "south", "west"};
  EXPECT_TRUE(backend.complete(request).choice_probs.empty());
}

TEST(OpenAiChoices, ServerWithoutLogprobsGivesNoProbabilities) {
  FakeOpenAiServer server(reply(FakeOpenAiServer::completion("south")));
  OpenAiBackend backend(server.url_and_model(), fast_options());
  ChatRequest request = ask("Which way?");
  request.choices = {"north", "south"};
  const ChatResponse response = backend.complete(request);
  EXPECT_EQ(response.text, "south");
  EXPECT_TRUE(response.choice_probs.empty());
}

TEST(OpenAiChoices, AnAnswerOutsideTheChoicesIsAnError) {
  FakeOpenAiServer server(reply(FakeOpenAiServer::completion("I would go east")));
  OpenAiBackend backend(server.url_and_model(), fast_options(), fast_retries(3));
  ChatRequest request = ask("Which way?");
  request.choices = {"north", "south"};
  const std::string message = error_of([&] { backend.complete(request); });
  EXPECT_THAT(message, HasSubstr("I would go east"));
  EXPECT_THAT(message, HasSubstr("not one of the 2 choices"));
  EXPECT_EQ(server.requests(), 1);
}

TEST(OpenAiChoices, InvalidChoiceRequestsAreRejectedBeforeSending) {
  FakeOpenAiServer server(reply(FakeOpenAiServer::completion("a")));
  OpenAiBackend backend(server.url_and_model(), fast_options());
  ChatRequest duplicate = ask("?");
  duplicate.choices = {"a", "b", "a"};
  EXPECT_THAT(error_of([&] { backend.complete(duplicate); }), HasSubstr("twice"));
  ChatRequest empty = ask("?");
  empty.choices = {"a", ""};
  EXPECT_THAT(error_of([&] { backend.complete(empty); }), HasSubstr("empty choice"));
  ChatRequest with_grammar = ask("?");
  with_grammar.choices = {"a", "b"};
  with_grammar.grammar = "root ::= \"a\"";
  EXPECT_THAT(error_of([&] { backend.complete(with_grammar); }), HasSubstr("cannot also carry"));
  EXPECT_EQ(server.requests(), 0);
}

}  // namespace
}  // namespace lethe::llm
