// The micro agent recipe end to end on a tiny config: data, training, a GGUF llama.cpp loads, the evaluation.
#include <gtest/gtest.h>

#include <cstdlib>

#include "lethe/eval/compact_vocabulary.hpp"
#include "lethe/eval/micro_agent.hpp"
#include "lethe/llm/factory.hpp"
#include "lethe/train/tokenizer.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::eval {
namespace {

// The compact vocabulary, built once per test run under the build tree (not in the user's cache).
std::string compact_vocabulary() {
  static const std::string path = compact_vocabulary_gguf(test::scratch_dir("micro_agent_vocab")).string();
  return path;
}

MicroAgentConfig tiny() {
  auto config = tiny_micro_agent_config();
  config.vocab_gguf = compact_vocabulary();
  config.threads = 1;
  return config;
}

class MicroAgentTokens : public testing::TestWithParam<agent::PromptFormat> {};

TEST_P(MicroAgentTokens, CompletionTokensAreTheTokensTheChoiceScorerScores) {
  // The trainer tokenizes prompt + completion in context; the backend scores tokenize(action) after the prompt.
  const bool compact = GetParam() == agent::PromptFormat::compact;
  const train::Tokenizer tokenizer(compact ? compact_vocabulary() : test::stories_model());
  auto data = tiny().data;
  data.prompt_format = GetParam();
  const auto records = sft_records(micro_episodes(data, false), 1, {.max_records = 20});
  for (const auto& record : records) {
    const auto prompt = tokenizer.tokenize(record.prompt, true);
    const auto joined = tokenizer.tokenize(record.prompt + record.completion, true);
    ASSERT_GT(joined.size(), prompt.size());
    ASSERT_TRUE(std::equal(prompt.begin(), prompt.end(), joined.begin()));
    const std::vector<int32_t> tail(joined.begin() + static_cast<std::ptrdiff_t>(prompt.size()), joined.end());
    EXPECT_EQ(tail, tokenizer.tokenize(record.completion.substr(1), false)) << record.completion;
    if (compact) {
      EXPECT_EQ(tail.size(), 1u) << record.completion;  // an action is one word of the vocabulary
      std::size_t words = 0;
      for (std::size_t i = 0; i < record.prompt.size(); ++i) words += record.prompt[i] == ' ' ? 1 : 0;
      EXPECT_EQ(prompt.size(), words + 2) << record.prompt;  // <s> and one token a word
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, MicroAgentTokens,
                         testing::Values(agent::PromptFormat::text, agent::PromptFormat::compact),
                         [](const auto& param_info) { return agent::to_string(param_info.param); });

TEST(MicroAgent, ConfigHashNamesTheRecipeNotTheThreads) {
  auto a = tiny();
  auto b = tiny();
  b.threads = 2;
  EXPECT_EQ(config_hash(a), config_hash(b));
  b.examples += 1;
  EXPECT_NE(config_hash(a), config_hash(b));
  EXPECT_NE(config_hash(default_micro_agent_config()), config_hash(tiny_micro_agent_config()));
  auto c = a;
  c.data.drills += 1;
  EXPECT_NE(config_hash(a), config_hash(c));
  auto d = a;
  d.forbidden_questions = true;
  EXPECT_NE(config_hash(a), config_hash(d));
  auto e = d;
  e.questions_only = true;
  EXPECT_NE(config_hash(d), config_hash(e));
  auto f = a;
  f.data.reading_drills = 2;
  EXPECT_NE(config_hash(a), config_hash(f));
  auto g = a;
  g.data.prompt_format = agent::PromptFormat::text;
  EXPECT_NE(config_hash(a), config_hash(g));
  EXPECT_EQ(config_hash(a).size(), 16u);
  EXPECT_NE(cached_model_path(a).string().find("models/micro-agent-" + config_hash(a) + ".gguf"), std::string::npos);
}

TEST(MicroAgent, TinyRecipeTrainsAModelThatLlamaCppRunsAndEvaluates) {
  const auto dir = test::scratch_dir("micro_agent_tiny");
  auto config = tiny();
  config.forbidden_questions = true;
  config.data.reading_drills = 1;
  const auto out = dir / "micro.gguf";
  std::vector<float> losses;
  const auto result = train_micro_agent(config, out, [&](const train::Progress& p) { losses.push_back(p.loss); });
  ASSERT_TRUE(std::filesystem::exists(out));
  EXPECT_GT(result.examples, 0u);
  EXPECT_LE(result.examples, config.examples);
  EXPECT_GT(result.parameters, 0);
  EXPECT_LT(std::filesystem::file_size(out), 10u * 1024 * 1024);
  ASSERT_EQ(losses.size(), result.report.step_losses.size());
  ASSERT_GE(losses.size(), 2u);

  // Same config, same bytes.
  const auto again = dir / "again.gguf";
  train_micro_agent(config, again);
  EXPECT_EQ(std::filesystem::file_size(out), std::filesystem::file_size(again));

  // llama.cpp loads it and answers a single-choice call over the actions.
  llm::Options options;
  options.use_cache = false;
  options.threads = 1;
  auto model = llm::open("gguf:" + out.string(), options);
  llm::ChatRequest request;
  const auto records = sft_records(micro_episodes(config.data, true), 1, {.max_records = 1});
  request.messages = {{llm::Role::User, records.front().prompt}};
  request.choices = env::move_names();
  const auto response = model->complete(request);
  EXPECT_NE(std::find(request.choices.begin(), request.choices.end(), response.text), request.choices.end());
  ASSERT_EQ(response.choice_probs.size(), 4u);

  MicroEvalOptions eval_options;
  eval_options.layouts = 1;
  eval_options.threads = 1;
  const auto evaluation = evaluate_micro_agent(out, config, eval_options);
  EXPECT_GT(evaluation.at("action_accuracy_heldout").at("steps").get<int>(), 0);
  const double accuracy = evaluation.at("action_accuracy_heldout").at("accuracy").get<double>();
  EXPECT_GE(accuracy, 0.0);
  EXPECT_LE(accuracy, 1.0);
  EXPECT_TRUE(evaluation.at("memory").contains("collect_with_memory"));
  EXPECT_GT(evaluation.at("obedience").at("seen_phrasings").at("episodes").get<int>(), 0);
  EXPECT_GT(evaluation.at("obedience").at("held_out_phrasings").at("episodes").get<int>(), 0);
  // Drills: their first step scored against the expert, then one episode each in the phrasing drawn for it.
  const auto drill_kind = std::string(kDrillKind);
  const int drill_steps = evaluation.at("action_accuracy_heldout").at("by_kind").at(drill_kind).at("steps").get<int>();
  EXPECT_GT(drill_steps, 0);
  const auto& drill_episodes = evaluation.at("episodes").at("by_kind").at(drill_kind);
  EXPECT_EQ(drill_episodes.at("episodes").get<int>(), drill_steps);
  EXPECT_TRUE(drill_episodes.contains("obedience_rate"));
  // Forbidden-move questions: every drill forbids one move, so each drill's step is asked.
  const auto& asked = evaluation.at("forbidden_questions_heldout");
  EXPECT_EQ(asked.at("by_kind").at(drill_kind + ", one forbidden").at("steps").get<int>(), drill_steps);
  EXPECT_GE(asked.at("accuracy").get<double>(), 0.0);
  // Reading drills are scored by their question alone, not run as episodes.
  const auto reading = std::string(kReadingDrillKind);
  EXPECT_GT(evaluation.at("action_accuracy_heldout").at("by_kind").at(reading).at("steps").get<int>(), 0);
  EXPECT_FALSE(evaluation.at("episodes").at("by_kind").contains(reading));
  const auto report = micro_agent_report(evaluation);
  EXPECT_NE(report.find("Forbidden-move questions"), std::string::npos);
  EXPECT_NE(report.find("Action accuracy"), std::string::npos);
  EXPECT_NE(report.find("held-out phrasings"), std::string::npos);
}

TEST(MicroAgent, AQuestionsOnlyProbeIsScoredOnTheQuestionsAlone) {
  const auto dir = test::scratch_dir("micro_agent_probe");
  auto config = tiny();
  config.questions_only = true;
  const auto out = dir / "probe.gguf";
  const auto result = train_micro_agent(config, out);
  EXPECT_GT(result.examples, 0u);
  MicroEvalOptions eval_options;
  eval_options.layouts = 1;
  eval_options.threads = 1;
  const auto evaluation = evaluate_micro_agent(out, config, eval_options);
  EXPECT_GT(evaluation.at("forbidden_questions_heldout").at("steps").get<int>(), 0);
  EXPECT_FALSE(evaluation.contains("action_accuracy_heldout"));  // it never learned to act
  EXPECT_FALSE(evaluation.contains("episodes"));
  const auto report = micro_agent_report(evaluation);
  EXPECT_NE(report.find("Forbidden-move questions"), std::string::npos);
  EXPECT_EQ(report.find("Action accuracy"), std::string::npos);
}

}  // namespace
}  // namespace lethe::eval
