// The in-process llama.cpp backend on the real fixture models from ../shared/models.
#include "lethe/llm/llama_backend.hpp"

#include <gtest/gtest.h>
#include <llama.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>

#include "lethe/llm/json_schema.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::llm {
namespace {

ChatRequest story_request(const std::string& text, int max_tokens = 24) {
  ChatRequest r;
  r.messages = {{Role::User, text}};
  r.sampling.max_tokens = max_tokens;
  return r;
}

Options options_with(int parallel) {
  Options o;
  o.parallel = parallel;
  o.threads = 2;
  return o;
}

TEST(LlamaBackend, GreedyOutputIsIdenticalAcrossRunsAndInstances) {
  LlamaBackend a(test::stories_model(), options_with(1));
  LlamaBackend b(test::stories_model(), options_with(4));
  const auto request = story_request("Once upon a time there was a little girl named Lily.", 40);
  const auto first = a.complete(request);
  EXPECT_FALSE(first.text.empty());
  EXPECT_EQ(first.text, a.complete(request).text);
  EXPECT_EQ(first.text, b.complete(request).text);
  EXPECT_EQ(first.completion_tokens, 40);
  EXPECT_EQ(first.finish, FinishReason::Length);
}

TEST(LlamaBackend, SameSeedGivesTheSameSampleAndSeedsDiffer) {
  LlamaBackend llm(test::stories_model(), options_with(1));
  auto request = story_request("The dog ran to the park and", 32);
  request.sampling.temperature = 1.0;
  request.sampling.seed = 42;
  const auto first = llm.complete(request).text;
  EXPECT_EQ(first, llm.complete(request).text);
  int different = 0;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    request.sampling.seed = seed;
    different += llm.complete(request).text != first ? 1 : 0;
  }
  EXPECT_GE(different, 4);
}

TEST(LlamaBackend, StopsBeforeAStopString) {
  LlamaBackend llm(test::stories_model(), options_with(1));
  auto request = story_request("Once upon a time", 60);
  const std::string full = llm.complete(request).text;
  ASSERT_GT(full.size(), 30u);
  const std::string stop = full.substr(20, 6);
  request.stop = {stop};
  const auto stopped = llm.complete(request);
  EXPECT_EQ(stopped.finish, FinishReason::Stop);
  EXPECT_EQ(stopped.text, full.substr(0, full.find(stop)));
}

TEST(LlamaBackend, GrammarIsHonouredInTwoHundredSamplesAtTemperatureOne) {
  LlamaBackend llm(test::stories_model(), options_with(8));
  ChatRequest request = story_request("The answer is", 12);
  request.grammar = R"(root ::= ("yes" | "no" | "maybe") " " [0-9] [0-9]?)";
  request.sampling.temperature = 1.0;
  std::vector<ChatRequest> batch;
  for (int i = 0; i < 200; ++i) {
    request.sampling.seed = static_cast<std::uint64_t>(i);
    batch.push_back(request);
  }
  const std::regex allowed("(yes|no|maybe) [0-9][0-9]?");
  std::set<std::string> seen;
  for (const auto& r : llm.complete_batch(batch)) {
    EXPECT_TRUE(std::regex_match(r.text, allowed)) << r.text;
    seen.insert(r.text);
  }
  EXPECT_GT(seen.size(), 5u);  // sampling really happened
}

TEST(LlamaBackend, JsonSchemaOutputParsesAndValidates) {
  LlamaBackend llm(test::stories_model(), options_with(4));
  ChatRequest request = story_request("Lily and her cat", 300);
  request.json_schema = nlohmann::json::parse(R"({
    "type": "object",
    "properties": {"name": {"type": "string", "maxLength": 12}, "age": {"type": "integer"},
                   "pet": {"enum": ["cat", "dog"]}},
    "required": ["name", "age", "pet"]})");
  request.sampling.temperature = 0.8;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    request.sampling.seed = seed;
    const auto r = llm.complete(request);
    nlohmann::json parsed;
    ASSERT_NO_THROW(parsed = nlohmann::json::parse(r.text)) << r.text;
    EXPECT_EQ(validate_json(*request.json_schema, parsed), std::nullopt) << r.text;
  }
}

// Logits of the model's next token after `tokens`, computed with llama.cpp directly (no Lethe code).
std::vector<float> reference_logits(const std::string& model_path, std::vector<llama_token> tokens) {
  auto mp = llama_model_default_params();
  llama_model* model = llama_model_load_from_file(model_path.c_str(), mp);
  auto cp = llama_context_default_params();
  cp.n_ctx = 512;
  cp.n_threads = 2;
  llama_context* ctx = llama_init_from_model(model, cp);
  EXPECT_EQ(llama_decode(ctx, llama_batch_get_one(tokens.data(), static_cast<int32_t>(tokens.size()))), 0);
  const float* row = llama_get_logits_ith(ctx, -1);
  std::vector<float> out(row, row + llama_vocab_n_tokens(llama_model_get_vocab(model)));
  llama_free(ctx);
  llama_model_free(model);
  return out;
}

TEST(LlamaBackend, SingleTokenChoiceProbabilitiesAreASoftmaxOverTheLogits) {
  LlamaBackend llm(test::stories_model(), options_with(1));
  ChatRequest request = story_request("Max was hungry. He ran to the kitchen and looked for his");
  request.choices = {"a", "b", "c", "d", "e"};
  const auto r = llm.complete(request);
  ASSERT_EQ(r.choice_probs.size(), 5u);
  EXPECT_EQ(r.finish, FinishReason::Choice);

  const auto prompt = llm.tokenize(llm.format_prompt(request.messages), true);
  const auto logits = reference_logits(test::stories_model(), prompt);
  std::vector<double> expected;
  double sum = 0.0;
  for (const auto& choice : request.choices) {
    const auto t = llm.tokenize(choice, false);
    ASSERT_EQ(t.size(), 1u) << choice;
    expected.push_back(std::exp(static_cast<double>(logits[static_cast<std::size_t>(t[0])])));
    sum += expected.back();
  }
  double total = 0.0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(r.choice_probs[i], expected[i] / sum, 1e-5) << request.choices[i];
    total += r.choice_probs[i];
  }
  EXPECT_NEAR(total, 1.0, 1e-9);
  const auto best = std::max_element(r.choice_probs.begin(), r.choice_probs.end()) - r.choice_probs.begin();
  EXPECT_EQ(r.text, request.choices[static_cast<std::size_t>(best)]);
}

TEST(LlamaBackend, MultiTokenChoiceProbabilitiesFollowTheTokenTrie) {
  LlamaBackend llm(test::stories_model(), options_with(1));
  ChatRequest request = story_request("Tom went to the");
  request.choices = {"park with his friends", "kitchen", "big red barn"};
  const auto r = llm.complete(request);
  ASSERT_EQ(r.choice_probs.size(), 3u);
  double total = 0.0;
  for (double p : r.choice_probs) total += p;
  EXPECT_NEAR(total, 1.0, 1e-9);

  // Recompute by hand: at each step, softmax over the next tokens of the options still possible.
  const auto prompt = llm.tokenize(llm.format_prompt(request.messages), true);
  std::vector<std::vector<llama_token>> options;
  for (const auto& c : request.choices) options.push_back(llm.tokenize(c, false));
  for (std::size_t i = 0; i < options.size(); ++i) {
    double p = 1.0;
    for (std::size_t depth = 0; depth < options[i].size(); ++depth) {
      std::set<llama_token> siblings;
      for (const auto& o : options) {
        if (o.size() > depth && std::equal(o.begin(), o.begin() + static_cast<long>(depth), options[i].begin())) {
          siblings.insert(o[depth]);
        }
      }
      if (siblings.size() < 2) continue;
      auto context = prompt;
      context.insert(context.end(), options[i].begin(), options[i].begin() + static_cast<long>(depth));
      const auto logits = reference_logits(test::stories_model(), context);
      double sum = 0.0;
      for (auto t : siblings) sum += std::exp(static_cast<double>(logits[static_cast<std::size_t>(t)]));
      p *= std::exp(static_cast<double>(logits[static_cast<std::size_t>(options[i][depth])])) / sum;
    }
    EXPECT_NEAR(r.choice_probs[i], p, 1e-5) << request.choices[i];
  }
}

TEST(LlamaBackend, ChoiceThatIsAPrefixOfAnotherIsScoredWithAnEndToken) {
  LlamaBackend llm(test::stories_model(), options_with(1));
  ChatRequest request = story_request("The cat sat on the");
  request.choices = {"mat", "mat and slept"};
  const auto r = llm.complete(request);
  ASSERT_EQ(r.choice_probs.size(), 2u);
  EXPECT_NEAR(r.choice_probs[0] + r.choice_probs[1], 1.0, 1e-9);
  EXPECT_GT(r.choice_probs[0], 0.0);
  EXPECT_GT(r.choice_probs[1], 0.0);
}

TEST(LlamaBackend, SampledChoicesFollowTheirProbabilities) {
  LlamaBackend llm(test::stories_model(), options_with(8));
  ChatRequest request = story_request("Sue liked to eat");
  request.choices = {" apples", " cake", " soup"};
  request.sampling.temperature = 1.0;
  std::vector<ChatRequest> batch;
  for (int i = 0; i < 400; ++i) {
    request.sampling.seed = static_cast<std::uint64_t>(i) + 1000;
    batch.push_back(request);
  }
  const auto responses = llm.complete_batch(batch);
  std::map<std::string, int> counts;
  for (const auto& r : responses) counts[r.text]++;
  for (std::size_t i = 0; i < request.choices.size(); ++i) {
    const double expected = responses.front().choice_probs[i] * 400.0;
    EXPECT_NEAR(counts[request.choices[i]], expected, 4.0 * std::sqrt(expected + 1.0) + 2.0) << request.choices[i];
  }
}

TEST(LlamaBackend, PrefixReuseGivesTheSameGreedyOutputAsColdRuns) {
  LlamaBackend warm(test::stories_model(), options_with(2));
  std::string story = "Tom and Sue went to the park.";
  std::int64_t evaluated = 0, total = 0;
  for (int turn = 0; turn < 6; ++turn) {
    const auto request = story_request(story, 12);
    const auto reused = warm.complete(request);
    LlamaBackend cold(test::stories_model(), options_with(1));
    const auto fresh = cold.complete(request);
    EXPECT_EQ(reused.text, fresh.text) << "turn " << turn;
    EXPECT_EQ(fresh.prompt_tokens_evaluated, fresh.prompt_tokens);
    if (turn > 0) {
      EXPECT_LT(reused.prompt_tokens_evaluated, reused.prompt_tokens / 2) << "turn " << turn;
    }
    evaluated += reused.prompt_tokens_evaluated;
    total += reused.prompt_tokens;
    story += reused.text + " Then";
  }
  EXPECT_LT(evaluated * 2, total);
}

TEST(LlamaBackend, ParallelBatchGivesTheSameGreedyOutputsAsSequentialRuns) {
  const std::vector<std::string> starts = {"Once upon a time", "The sun was hot", "Lily had a red ball",
                                           "Ben liked to run", "The bird sang",   "Mom made a cake",
                                           "A big dog barked", "The little car",  "Tim was sad"};
  std::vector<ChatRequest> batch;
  for (const auto& s : starts) batch.push_back(story_request(s, 20));
  LlamaBackend parallel(test::stories_model(), options_with(4));  // 9 requests: three rounds through 4 slots
  const auto together = parallel.complete_batch(batch);
  ASSERT_EQ(together.size(), batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    LlamaBackend cold(test::stories_model(), options_with(1));
    EXPECT_EQ(together[i].text, cold.complete(batch[i]).text) << starts[i];
  }
}

TEST(LlamaBackend, MixedBatchOfChoicesAndGenerations) {
  LlamaBackend llm(test::stories_model(), options_with(4));
  auto gen = story_request("The cat", 10);
  auto choice = story_request("The cat sat on the");
  choice.choices = {"mat", "bed", "dog"};
  const auto responses = llm.complete_batch({gen, choice, gen});
  EXPECT_EQ(responses[0].text, responses[2].text);
  EXPECT_EQ(responses[1].finish, FinishReason::Choice);
  LlamaBackend cold(test::stories_model(), options_with(1));
  EXPECT_EQ(responses[0].text, cold.complete(gen).text);
  const auto alone = cold.complete(choice);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(alone.choice_probs[i], responses[1].choice_probs[i], 1e-4);
}

TEST(LlamaBackend, LargeVocabularyModelLoadsTokenizesAndGenerates) {
  LlamaBackend llm(test::tiny_random_model(), options_with(1));
  EXPECT_EQ(llm.vocabulary_size(), 32000);
  const auto tokens = llm.tokenize("Hello world, this is Lethe.", true);
  EXPECT_GT(tokens.size(), 5u);
  const auto r = llm.complete(story_request("Hello", 8));
  EXPECT_EQ(r.completion_tokens + (r.finish == FinishReason::Stop ? 1 : 0) >= 1, true);
  EXPECT_GT(r.prompt_tokens, 0);
}

TEST(LlamaBackend, ChatTemplateIsAppliedWhenNamed) {
  Options o = options_with(1);
  o.chat_template = "chatml";
  LlamaBackend llm(test::stories_model(), o);
  const auto text = llm.format_prompt({{Role::System, "be kind"}, {Role::User, "hi"}});
  EXPECT_NE(text.find("<|im_start|>system\nbe kind<|im_end|>"), std::string::npos) << text;
  EXPECT_NE(text.find("<|im_start|>assistant"), std::string::npos) << text;
  EXPECT_NE(llm.describe().find("chatml"), std::string::npos);
}

TEST(LlamaBackend, FixtureWithoutTemplateUsesRawText) {
  LlamaBackend llm(test::stories_model(), options_with(1));
  EXPECT_EQ(llm.format_prompt({{Role::System, "a"}, {Role::User, "b"}}), "a\nb");
}

std::string write_file(const std::string& name, const std::string& bytes) {
  const auto path = test::scratch_dir("llama_backend_bad_input") / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path.string();
}

void expect_error_containing(const std::function<void()>& action, const std::string& fragment) {
  try {
    action();
    ADD_FAILURE() << "expected llm::Error containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(LlamaBackendBadInput, MissingTruncatedAndCorruptModelsGiveClearErrors) {
  expect_error_containing([] { LlamaBackend("/nonexistent/model.gguf", {}); }, "model file not found");
  expect_error_containing([] { LlamaBackend(write_file("text.gguf", "hello, not a model"), {}); }, "not a GGUF");
  std::ifstream in(test::stories_model(), std::ios::binary);
  std::string head(4096, '\0');
  in.read(head.data(), 4096);
  const auto truncated = write_file("truncated.gguf", head);
  expect_error_containing([&] { LlamaBackend(truncated, {}); }, "cannot load GGUF model");
  expect_error_containing([&] { LlamaBackend(write_file("garbage.gguf", "GGUF" + std::string(300, '\xff')), {}); },
                          "cannot load GGUF model");
}

TEST(LlamaBackendBadInput, InvalidGrammarAndOversizedPromptAreErrors) {
  LlamaBackend llm(test::stories_model(), options_with(1));
  auto request = story_request("hi");
  request.grammar = "root ::= (\"a\" | ";
  expect_error_containing([&] { llm.complete(request); }, "invalid grammar");
  std::string huge;
  for (int i = 0; i < 400; ++i) huge += "the big dog ran and ";
  expect_error_containing([&] { llm.complete(story_request(huge)); }, "does not fit the context");
  // The backend is still usable afterwards.
  EXPECT_FALSE(llm.complete(story_request("Once upon a time", 5)).text.empty());
}

TEST(LlamaBackendBadInput, UnknownChatTemplateIsAnError) {
  Options o;
  o.chat_template = "no-such-template";
  expect_error_containing([&] { LlamaBackend(test::stories_model(), o); }, "unknown chat template");
}

}  // namespace
}  // namespace lethe::llm
