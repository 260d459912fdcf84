// The HTTP backend against a real llama-server built from the same llama.cpp, serving the fixture model on a
// free loopback port (started and stopped by the test).
#include "lethe_test/llama_server.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "lethe/llm/factory.hpp"
#include "lethe/llm/json_schema.hpp"
#include "lethe_test/paths.hpp"

namespace lethe {
namespace {

class LlamaServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto log = test::scratch_dir("llama_server") / "server.log";
    server_ = std::make_unique<test::LlamaServer>(test::llama_server_binary(), test::stories_model(), log.string(),
                                                  std::vector<std::string>{"-c", "2048", "--parallel", "2"});
  }
  static void TearDownTestSuite() { server_.reset(); }

  static std::unique_ptr<llm::Llm> client() {
    llm::Options options;
    options.use_cache = false;
    options.read_timeout_s = 60;
    return llm::open("openai:" + server_->base_url() + "/v1#stories", options);
  }

  static llm::ChatRequest request(const std::string& text, int max_tokens) {
    llm::ChatRequest r;
    r.messages = {{llm::Role::User, text}};
    r.sampling.max_tokens = max_tokens;
    return r;
  }

  static std::unique_ptr<test::LlamaServer> server_;
};

std::unique_ptr<test::LlamaServer> LlamaServerTest::server_;

TEST_F(LlamaServerTest, CompletesWithUsage) {
  auto llm = client();
  const auto r = llm->complete(request("Once upon a time", 16));
  EXPECT_FALSE(r.text.empty());
  EXPECT_GT(r.prompt_tokens, 0);
  EXPECT_EQ(r.completion_tokens, 16);
  EXPECT_EQ(r.finish, llm::FinishReason::Length);
  const auto usage = llm->usage().snapshot();
  EXPECT_EQ(usage.calls, 1);
  EXPECT_EQ(usage.completion_tokens, 16);
}

TEST_F(LlamaServerTest, GreedyIsRepeatable) {
  auto llm = client();
  const auto a = llm->complete(request("The little dog", 20));
  const auto b = llm->complete(request("The little dog", 20));
  EXPECT_EQ(a.text, b.text);
}

TEST_F(LlamaServerTest, GrammarIsHonoured) {
  auto llm = client();
  auto r = request("Is it", 8);
  r.grammar = R"(root ::= ("yes" | "no") " " [0-9])";
  r.sampling.temperature = 1.0;
  const std::regex allowed("(yes|no) [0-9]");
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    r.sampling.seed = seed;
    const auto text = llm->complete(r).text;
    EXPECT_TRUE(std::regex_match(text, allowed)) << text;
  }
}

TEST_F(LlamaServerTest, JsonSchemaOutputValidates) {
  auto llm = client();
  auto r = request("Lily and her cat", 300);
  r.json_schema = nlohmann::json::parse(
      R"({"type":"object","properties":{"pet":{"enum":["cat","dog"]},"age":{"type":"integer"}},
          "required":["pet","age"]})");
  const auto out = llm->complete(r);
  const auto parsed = nlohmann::json::parse(out.text);
  EXPECT_EQ(llm::validate_json(*r.json_schema, parsed), std::nullopt) << out.text;
}

TEST_F(LlamaServerTest, SingleChoiceAnswersOneOfTheChoices) {
  auto llm = client();
  auto r = request("The cat sat on the", 4);
  r.choices = {"mat", "dog", "bed"};
  const auto out = llm->complete(r);
  EXPECT_TRUE(out.text == "mat" || out.text == "dog" || out.text == "bed") << out.text;
  EXPECT_EQ(out.finish, llm::FinishReason::Choice);
  if (!out.choice_probs.empty()) {
    double total = 0.0;
    for (double p : out.choice_probs) total += p;
    EXPECT_NEAR(total, 1.0, 1e-6);
  }
}

TEST_F(LlamaServerTest, ParallelBatchMatchesSequentialAnswers) {
  auto llm = client();
  std::vector<llm::ChatRequest> batch;
  for (const char* start : {"Tom had a", "The sun", "A bird", "Mom said"}) batch.push_back(request(start, 10));
  const auto together = llm->complete_batch(batch);
  for (std::size_t i = 0; i < batch.size(); ++i) EXPECT_EQ(together[i].text, llm->complete(batch[i]).text);
}

}  // namespace
}  // namespace lethe
