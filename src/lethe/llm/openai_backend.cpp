#include "lethe/llm/openai_backend.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <optional>
#include <semaphore>
#include <set>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "lethe/llm/json_schema.hpp"

namespace lethe::llm {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr int kTopLogprobs = 20;
constexpr std::size_t kMaxResponseBytes = 64u << 20;
constexpr std::size_t kMaxQuotedBytes = 300;  // of a server's error body or a wrong answer, in error messages

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && text.substr(0, prefix.size()) == prefix;
}

std::string strip_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// A quotable excerpt of text from a server: bounded, on one line, not cut inside a UTF-8 sequence.
std::string excerpt(std::string_view text) {
  std::string out(text.substr(0, kMaxQuotedBytes));
  if (text.size() > kMaxQuotedBytes) {
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
    out += "...";
  }
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return out;
}

// The message a server put in an error response: OpenAI's {"error":{"message":...}}, the {"error":"..."},
// {"message":...} and {"detail":...} variants other servers use, or else the body itself.
std::string server_message(const std::string& body) {
  const json parsed = json::parse(body, nullptr, false);
  if (parsed.is_object()) {
    if (auto it = parsed.find("error"); it != parsed.end()) {
      if (it->is_string()) return excerpt(it->get<std::string>());
      if (it->is_object()) {
        if (auto msg = it->find("message"); msg != it->end() && msg->is_string()) {
          return excerpt(msg->get<std::string>());
        }
      }
    }
    for (const char* key : {"message", "detail"}) {
      if (auto it = parsed.find(key); it != parsed.end() && it->is_string()) return excerpt(it->get<std::string>());
    }
  }
  if (body.empty()) return "(empty body)";
  return excerpt(body);
}

void init_curl_once() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) throw Error(std::string("cannot initialise libcurl: ") + curl_easy_strerror(result));
}

long to_ms(double seconds, const char* name) {
  if (!std::isfinite(seconds) || seconds <= 0.0) {
    throw Error(fmt::format("openai backend: {} must be a positive number of seconds (got {})", name, seconds));
  }
  constexpr double kLongestSeconds = 1e7;  // ~4 months: "no limit" in practice, far from overflowing
  return std::max(1L, static_cast<long>(std::llround(std::min(seconds, kLongestSeconds) * 1000.0)));
}

void validate_choices(const ChatRequest& request) {
  std::set<std::string> seen;
  for (const auto& choice : request.choices) {
    if (choice.empty()) throw Error("a single-choice request has an empty choice");
    if (!seen.insert(choice).second) throw Error("a single-choice request lists '" + choice + "' twice");
  }
  if (!request.grammar.empty() || request.json_schema) {
    throw Error("a single-choice request cannot also carry a grammar or a JSON schema");
  }
}

json request_body(const ChatRequest& request, const std::string& model) {
  if (request.messages.empty()) throw Error("a chat request needs at least one message");
  json messages = json::array();
  for (const auto& m : request.messages) messages.push_back({{"role", to_string(m.role)}, {"content", m.content}});
  const Sampling& s = request.sampling;
  json body = {{"model", model},
               {"messages", std::move(messages)},
               {"temperature", s.temperature},
               {"top_p", s.top_p},
               {"stream", false}};
  if (s.max_tokens > 0) body["max_tokens"] = s.max_tokens;
  if (s.top_k > 0) body["top_k"] = s.top_k;
  if (s.temperature > 0.0) body["seed"] = s.seed;  // a greedy answer does not depend on it
  if (!request.stop.empty()) body["stop"] = request.stop;
  if (!request.choices.empty()) {
    validate_choices(request);
    body["grammar"] = choice_grammar(request.choices);
    body["logprobs"] = true;
    body["top_logprobs"] = kTopLogprobs;
    return body;
  }
  if (!request.grammar.empty()) body["grammar"] = request.grammar;
  if (request.json_schema) {
    body["response_format"] = {
        {"type", "json_schema"},
        {"json_schema", {{"name", "output"}, {"schema", *request.json_schema}, {"strict", true}}}};
  }
  return body;
}

// The text of one entry of top_logprobs: its exact bytes when the server gives them (a token may end inside a
// UTF-8 sequence), else its token string.
std::optional<std::string> token_text(const json& entry) {
  if (auto bytes = entry.find("bytes"); bytes != entry.end() && bytes->is_array()) {
    std::string text;
    for (const auto& b : *bytes) {
      if (!b.is_number_integer()) return std::nullopt;
      const auto value = b.get<long long>();
      if (value < 0 || value > 255) return std::nullopt;
      text += static_cast<char>(static_cast<unsigned char>(value));
    }
    return text;
  }
  if (auto token = entry.find("token"); token != entry.end() && token->is_string()) return token->get<std::string>();
  return std::nullopt;
}

// Probability of each choice from the first token's top log-probabilities. A listed token that is a prefix of a
// choice can only continue into that choice under the choice grammar, so each choice gets the mass of the tokens
// that begin it. Empty when that attribution is ambiguous (a token begins several choices) or incomplete (a choice
// has no listed token).
std::vector<double> choice_probs_from_logprobs(const json& choice, const std::vector<std::string>& choices) {
  const auto logprobs = choice.find("logprobs");
  if (logprobs == choice.end() || !logprobs->is_object()) return {};
  const auto content = logprobs->find("content");
  if (content == logprobs->end() || !content->is_array() || content->empty()) return {};
  const auto top = content->front().find("top_logprobs");
  if (top == content->front().end() || !top->is_array()) return {};

  std::vector<double> mass(choices.size(), 0.0);
  std::vector<bool> matched(choices.size(), false);
  for (const auto& entry : *top) {
    if (!entry.is_object()) return {};
    const auto text = token_text(entry);
    const auto logprob = entry.find("logprob");
    if (!text || logprob == entry.end() || !logprob->is_number()) return {};
    if (text->empty()) continue;
    std::optional<std::size_t> owner;
    for (std::size_t i = 0; i < choices.size(); ++i) {
      if (!starts_with(choices[i], *text)) continue;
      if (owner) return {};
      owner = i;
    }
    if (!owner) continue;
    matched[*owner] = true;
    mass[*owner] += std::exp(logprob->get<double>());
  }
  double total = 0.0;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (!matched[i]) return {};
    total += mass[i];
  }
  if (!(total > 0.0) || !std::isfinite(total)) return {};
  for (double& p : mass) p /= total;
  return mass;
}

std::int64_t integer_field(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return 0;
  return it->get<std::int64_t>();
}

// A response the server sent with a 2xx status that cannot be read as a chat completion. Retried: a proxy or an
// overloaded server may cut or garble a body once.
struct MalformedResponse {
  std::string what;
};

ChatResponse parse_completion(const std::string& body, const ChatRequest& request) {
  const json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) {
    throw MalformedResponse{"the body is not valid JSON (" + std::to_string(body.size()) + " bytes)"};
  }
  ChatResponse response;
  json choice;
  try {
    choice = parsed.at("choices").at(0);
    const json& content = choice.at("message").at("content");
    response.text = content.is_null() ? std::string() : content.get<std::string>();
  } catch (const json::exception&) {
    throw MalformedResponse{"the JSON has no choices[0].message.content string: " + excerpt(body)};
  }

  if (const auto usage = parsed.find("usage"); usage != parsed.end() && usage->is_object()) {
    response.prompt_tokens = integer_field(*usage, "prompt_tokens");
    response.completion_tokens = integer_field(*usage, "completion_tokens");
    response.prompt_tokens_evaluated = response.prompt_tokens;
    if (const auto details = usage->find("prompt_tokens_details"); details != usage->end() && details->is_object()) {
      const std::int64_t cached = integer_field(*details, "cached_tokens");
      response.prompt_tokens_evaluated = std::max<std::int64_t>(0, response.prompt_tokens - cached);
    }
  }

  if (!request.choices.empty()) {
    if (std::find(request.choices.begin(), request.choices.end(), response.text) == request.choices.end()) {
      throw Error(
          fmt::format("the server answered '{}', which is not one of the {} choices; does it honour the llama-server "
                      "'grammar' field?",
                      excerpt(response.text), request.choices.size()));
    }
    response.finish = FinishReason::Choice;
    response.choice_probs = choice_probs_from_logprobs(choice, request.choices);
    return response;
  }
  const auto finish = choice.find("finish_reason");
  response.finish = (finish != choice.end() && finish->is_string() && finish->get<std::string>() == "length")
                        ? FinishReason::Length
                        : FinishReason::Stop;
  return response;
}

// What one HTTP exchange produced.
struct Exchange {
  CURLcode code = CURLE_OK;
  std::string curl_detail;  // libcurl's error buffer
  bool stalled = false;     // aborted by us: the server stayed silent past the read timeout
  long status = 0;
  std::string body;
  std::optional<milliseconds> retry_after;
};

// State shared with libcurl's callbacks during one exchange.
struct Transfer {
  Exchange* exchange = nullptr;
  milliseconds read_timeout{0};
  std::optional<Clock::time_point> last_activity;  // unset until the request starts going out
  curl_off_t uploaded = 0;
  bool too_large = false;

  void touch() { last_activity = Clock::now(); }
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (transfer->exchange->body.size() + n > kMaxResponseBytes) {
    transfer->too_large = true;
    return 0;
  }
  transfer->exchange->body.append(data, n);
  transfer->touch();
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  transfer->touch();
  const std::string_view line(data, n);
  if (starts_with(line, "HTTP/")) {
    transfer->exchange->retry_after.reset();  // a new response (after a 1xx) starts
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (name != "retry-after") return n;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.remove_suffix(1);
  transfer->exchange->retry_after = parse_retry_after(value);
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t ulnow) {
  auto* transfer = static_cast<Transfer*>(user);
  if (ulnow != transfer->uploaded) {
    transfer->uploaded = ulnow;
    transfer->touch();
  }
  if (!transfer->last_activity) return 0;  // still connecting: the connect timeout applies
  if (Clock::now() - *transfer->last_activity > transfer->read_timeout) {
    transfer->exchange->stalled = true;
    return 1;
  }
  return 0;
}

bool is_transient_transport_error(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
      return true;
    default:
      return false;
  }
}

class CurlHandle {
 public:
  CurlHandle() : handle_(curl_easy_init()) {
    if (!handle_) throw Error("openai backend: libcurl could not create a handle");
  }
  ~CurlHandle() { curl_easy_cleanup(handle_); }
  CurlHandle(const CurlHandle&) = delete;
  CurlHandle& operator=(const CurlHandle&) = delete;
  CURL* get() const { return handle_; }

 private:
  CURL* handle_;
};

class HeaderList {
 public:
  HeaderList() = default;
  ~HeaderList() { curl_slist_free_all(list_); }
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  void add(const std::string& header) {
    curl_slist* grown = curl_slist_append(list_, header.c_str());
    if (!grown) throw Error("openai backend: out of memory building request headers");
    list_ = grown;
  }
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

// Holds one of the max_in_flight slots for as long as it lives.
template <typename Semaphore>
class SlotGuard {
 public:
  explicit SlotGuard(Semaphore& semaphore) : semaphore_(semaphore) { semaphore_.acquire(); }
  ~SlotGuard() { semaphore_.release(); }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;

 private:
  Semaphore& semaphore_;
};

struct SpecParts {
  std::string url;
  std::string model;
};

SpecParts parse_spec(const std::string& url_and_model) {
  const auto hash = url_and_model.find('#');
  if (hash == std::string::npos) {
    throw Error("openai spec '" + url_and_model + "' names no model (expected openai:URL#MODEL)");
  }
  const std::string url = url_and_model.substr(0, hash);
  SpecParts parts{strip_trailing_slashes(url), url_and_model.substr(hash + 1)};
  if (parts.model.empty()) {
    throw Error("openai spec '" + url_and_model + "' names no model (expected openai:URL#MODEL)");
  }
  if (!starts_with(url, "http://") && !starts_with(url, "https://")) {
    throw Error("openai spec '" + url_and_model + "': the URL must start with http:// or https://");
  }
  const std::string_view host = std::string_view(url).substr(url.find("://") + 3);
  if (host.empty() || host.front() == '/') {
    throw Error("openai spec '" + url_and_model + "': the URL names no host");
  }
  return parts;
}

RetryPolicy default_retry_policy(const Options& options) {
  RetryPolicy policy;
  policy.max_retries = options.max_retries;
  policy.base_delay = std::chrono::milliseconds(options.retry_base_ms);
  policy.max_delay = std::chrono::milliseconds(options.retry_max_ms);
  policy.max_retry_after = std::chrono::seconds(options.retry_after_max_s);
  return policy;
}

}  // namespace

std::string chat_completions_url(const std::string& base_url) {
  const std::string url = strip_trailing_slashes(base_url);
  if (ends_with(url, "/chat/completions")) return url;
  if (ends_with(url, "/v1")) return url + "/chat/completions";
  return url + "/v1/chat/completions";
}

struct OpenAiBackend::Impl {
  // The outcome of one attempt; `response` is set on success, `transient` tells whether retrying may help.
  struct Attempt {
    std::optional<ChatResponse> response;
    bool transient = false;
    std::string failure;
    std::optional<milliseconds> retry_after;
  };

  std::string url;
  std::string model;
  std::string endpoint;
  std::string api_key;  // never logged, never part of an error message
  long connect_timeout_ms = 0;
  long read_timeout_ms = 0;
  RetryPolicy retry;
  std::counting_semaphore<> in_flight;
  std::atomic<std::int64_t> retries{0};
  int max_in_flight = 1;

  Impl(const std::string& url_and_model, const Options& options, const RetryPolicy& policy)
      : retry(policy), in_flight(options.max_in_flight > 0 ? options.max_in_flight : 1) {
    SpecParts parts = parse_spec(url_and_model);
    url = std::move(parts.url);
    model = std::move(parts.model);
    endpoint = chat_completions_url(url);
    connect_timeout_ms = to_ms(options.connect_timeout_s, "connect_timeout_s");
    read_timeout_ms = to_ms(options.read_timeout_s, "read_timeout_s");
    if (options.max_in_flight < 1) {
      throw Error(fmt::format("openai backend: max_in_flight must be at least 1 (got {})", options.max_in_flight));
    }
    max_in_flight = options.max_in_flight;
    if (retry.max_retries < 0) {
      throw Error(fmt::format("openai backend: max_retries must not be negative (got {})", retry.max_retries));
    }
    if (!options.api_key_env.empty()) {
      const char* value = std::getenv(options.api_key_env.c_str());
      if (value == nullptr || *value == '\0') {
        throw Error("openai backend: the environment variable " + options.api_key_env +
                    " (named as the API key variable) is unset or empty");
      }
      api_key = value;
    }
    init_curl_once();
  }

  Exchange post(const std::string& body) const {
    Exchange exchange;
    Transfer transfer;
    transfer.exchange = &exchange;
    transfer.read_timeout = milliseconds{read_timeout_ms};

    CurlHandle curl;
    HeaderList headers;
    headers.add("Content-Type: application/json");
    headers.add("Accept: application/json");
    headers.add("Expect:");  // no 100-continue round trip
    if (!api_key.empty()) headers.add("Authorization: Bearer " + api_key);

    char error_buffer[CURL_ERROR_SIZE] = {};
    CURL* h = curl.get();
    curl_easy_setopt(h, CURLOPT_URL, endpoint.c_str());
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_USERAGENT, "lethe/" LETHE_VERSION);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // required with threads
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, connect_timeout_ms + 2 * read_timeout_ms);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &transfer);

    exchange.code = curl_easy_perform(h);
    exchange.curl_detail = error_buffer;
    if (transfer.too_large) {
      exchange.curl_detail = fmt::format("the response exceeds {} MiB", kMaxResponseBytes >> 20);
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &exchange.status);
    return exchange;
  }

  Attempt attempt(const std::string& body, const ChatRequest& request) {
    Exchange exchange;
    {
      SlotGuard slot(in_flight);
      exchange = post(body);
    }
    Attempt result;
    if (exchange.code != CURLE_OK) {
      if (exchange.stalled) {
        result.transient = true;
        result.failure = fmt::format("read timeout: no data from the server for {} ms", read_timeout_ms);
        return result;
      }
      result.transient = is_transient_transport_error(exchange.code);
      result.failure = curl_easy_strerror(exchange.code);
      if (!exchange.curl_detail.empty()) result.failure += " (" + exchange.curl_detail + ")";
      return result;
    }
    switch (classify_status(exchange.status)) {
      case StatusClass::Success:
        try {
          result.response = parse_completion(exchange.body, request);
        } catch (const MalformedResponse& malformed) {
          result.transient = true;
          result.failure = fmt::format("HTTP {} with a malformed response: {}", exchange.status, malformed.what);
        }
        return result;
      case StatusClass::Retryable:
        result.transient = true;
        result.retry_after = exchange.retry_after;
        break;
      case StatusClass::Fatal:
        result.transient = false;
        break;
    }
    result.failure = fmt::format("HTTP {}: {}", exchange.status, server_message(exchange.body));
    return result;
  }

  ChatResponse complete(const ChatRequest& request) {
    const auto start = Clock::now();
    // Invalid UTF-8 (say, a fragment of a model's earlier output) becomes U+FFFD: the body must be valid JSON.
    const std::string body = request_body(request, model).dump(-1, ' ', false, json::error_handler_t::replace);
    for (int attempt_number = 0;; ++attempt_number) {
      Attempt outcome = attempt(body, request);
      if (outcome.response) {
        outcome.response->latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        return *std::move(outcome.response);
      }
      if (!outcome.transient) throw Error(fmt::format("openai backend: POST {} failed: {}", endpoint, outcome.failure));
      if (attempt_number >= retry.max_retries) {
        throw Error(fmt::format("openai backend: POST {} failed after {} attempt{}; last error: {}", endpoint,
                                attempt_number + 1, attempt_number == 0 ? "" : "s", outcome.failure));
      }
      retries.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::sleep_for(retry_delay(retry, attempt_number, outcome.retry_after));
    }
  }
};

OpenAiBackend::OpenAiBackend(const std::string& url_and_model, const Options& options)
    : OpenAiBackend(url_and_model, options, default_retry_policy(options)) {}

OpenAiBackend::OpenAiBackend(const std::string& url_and_model, const Options& options, const RetryPolicy& retry)
    : impl_(std::make_unique<Impl>(url_and_model, options, retry)) {}

OpenAiBackend::~OpenAiBackend() = default;

std::string OpenAiBackend::describe() const { return "openai:" + impl_->url + "#" + impl_->model; }

std::string OpenAiBackend::identity() const { return "openai|" + impl_->url + "|" + impl_->model; }

const std::string& OpenAiBackend::endpoint() const { return impl_->endpoint; }

const std::string& OpenAiBackend::model() const { return impl_->model; }

std::int64_t OpenAiBackend::retries() const { return impl_->retries.load(std::memory_order_relaxed); }

ChatResponse OpenAiBackend::do_complete(const ChatRequest& request) { return impl_->complete(request); }

std::vector<ChatResponse> OpenAiBackend::do_complete_batch(const std::vector<ChatRequest>& requests) {
  std::vector<ChatResponse> responses(requests.size());
  if (requests.size() <= 1) {
    for (std::size_t i = 0; i < requests.size(); ++i) responses[i] = impl_->complete(requests[i]);
    return responses;
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  auto worker = [&] {
    while (!failed.load()) {
      const std::size_t i = next.fetch_add(1);
      if (i >= requests.size()) return;
      try {
        responses[i] = impl_->complete(requests[i]);
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        failed = true;
      }
    }
  };
  {
    const std::size_t workers = std::min(requests.size(), static_cast<std::size_t>(impl_->max_in_flight));
    std::vector<std::jthread> threads;
    threads.reserve(workers);
    try {
      for (std::size_t t = 0; t < workers; ++t) threads.emplace_back(worker);
    } catch (const std::system_error&) {
      if (threads.empty()) throw Error("openai backend: cannot start a thread for a batch");
      // Fewer workers than wanted still answer every request.
    }
  }  // joins
  if (failure) std::rethrow_exception(failure);
  return responses;
}

std::unique_ptr<Llm> open_openai(const std::string& url_and_model, const Options& options) {
  return std::make_unique<OpenAiBackend>(url_and_model, options);
}

}  // namespace lethe::llm
