#include "lethe/train/trainer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <string>

#include "lethe/train/llama_graph.hpp"
#include "lethe/train/model_init.hpp"
#include "lethe_test/paths.hpp"
#include "llama_cpp_reference.hpp"

namespace lethe::train {
namespace {

using ::testing::HasSubstr;

std::vector<SftRecord> toy_sft_records() {
  return {{"Tom had a red ball.", " Tom liked to play with the red ball."},
          {"Sue had a big dog.", " Sue liked to play with the big dog."},
          {"Ben had a blue car.", " Ben liked to play with the blue car."},
          {"Mia had a small cat.", " Mia liked to play with the small cat."}};
}

TrainOptions fast_options(float lr) {
  TrainOptions options;
  options.epochs = 6;
  options.batch_size = 2;
  options.adamw.learning_rate = lr;
  options.seed = 3;
  options.n_threads = 1;  // ggml's worker threads spin at barriers; on a shared 2-core CI box one thread is faster
  return options;
}

TEST(Trainer, SftLowersTheLossOnAToySet) {
  quiet_llama();
  Model model = Model::load(test::stories_model());
  const Tokenizer tokenizer(test::stories_model());
  const auto examples = sft_examples(tokenizer, toy_sft_records(), model);
  ASSERT_EQ(examples.size(), 4u);
  EXPECT_EQ(examples[0].tokens.back(), tokenizer.eos());
  EXPECT_EQ(examples[0].target.front(), 0);

  const float before = mean_sft_loss(model, examples);
  std::vector<Progress> seen;
  const auto report = train_sft(model, examples, fast_options(3e-3f), [&](const Progress& p) { seen.push_back(p); });
  const float after = mean_sft_loss(model, examples);
  EXPECT_LT(after, before - 0.3f) << "before " << before << " after " << after;
  ASSERT_EQ(seen.size(), 12u);
  EXPECT_EQ(seen.back().step, seen.back().total_steps);
  EXPECT_GT(seen.back().tokens_per_second, 0.0);
  EXPECT_EQ(report.step_losses.size(), 12u);
}

TEST(Trainer, SavedModelReloadsInLlamaCppWithTheTrainersLogits) {
  quiet_llama();
  Model model = Model::load(test::stories_model());
  const Tokenizer tokenizer(test::stories_model());
  const auto examples = sft_examples(tokenizer, toy_sft_records(), model);
  const std::vector<int32_t> probe = examples[0].tokens;
  const auto untrained = compute_logits(model, probe);
  TrainOptions options = fast_options(1e-2f);
  options.epochs = 1;
  train_sft(model, examples, options);
  const auto trained = compute_logits(model, probe);
  EXPECT_GT(max_abs_diff(trained, untrained), 1e-2f);  // training changed the model

  const auto path = (test::scratch_dir("trainer_save") / "trained.gguf").string();
  model.save(path);
  EXPECT_LE(max_abs_diff(llama_cpp_logits(path, probe), trained), 1e-4f);
  EXPECT_EQ(Tokenizer(path).tokenize("Tom had a red ball.", true), tokenizer.tokenize("Tom had a red ball.", true));
}

TEST(Trainer, DpoRaisesMarginAndImplicitRewardAccuracyOnHeldOutPairs) {
  quiet_llama();
  Model model = Model::load(test::stories_model());
  const Tokenizer tokenizer(test::stories_model());
  // Toy preference: the story should end happily.
  const std::vector<DpoRecord> train{{"Tom went to the park.", " He was happy.", " He was sad."},
                                     {"Sue ate a cake.", " She was happy.", " She was sad."},
                                     {"Ben found a toy.", " He was happy.", " He was sad."},
                                     {"Mia saw a bird.", " She was happy.", " She was sad."}};
  const std::vector<DpoRecord> held_out{{"Lily met a friend.", " She was happy.", " She was sad."},
                                        {"Max got a ball.", " He was happy.", " He was sad."},
                                        {"The cat played outside.", " It was happy.", " It was sad."}};
  const auto train_pairs = dpo_examples(tokenizer, train, model);
  const auto test_pairs = dpo_examples(tokenizer, held_out, model);
  ASSERT_EQ(test_pairs.size(), 6u);
  const auto reference = pair_margins(model, test_pairs);

  TrainOptions options = fast_options(2e-3f);
  options.dpo_beta = 0.5f;
  const auto report = train_dpo(model, train_pairs, options);
  EXPECT_LT(report.step_losses.back(), report.step_losses.front());

  const auto policy = pair_margins(model, test_pairs);
  int correct = 0;
  double reference_mean = 0, policy_mean = 0;
  for (size_t i = 0; i < policy.size(); ++i) {
    correct += policy[i] - reference[i] > 0;  // implicit reward of chosen > rejected
    reference_mean += reference[i];
    policy_mean += policy[i];
  }
  EXPECT_GT(policy_mean, reference_mean + 0.5);
  EXPECT_EQ(correct, 3);  // was 0 at the reference, where implicit rewards are all zero
}

// "... code 7 ... Code:" -> " 7", with a varying number of filler words before the code: only attention to the
// right earlier token answers it, so a trainer whose attention does not learn leaves the held-out loss near
// ln(10) / 3 (a uniform digit among the three completion tokens: space, digit, end).
std::vector<SftRecord> copy_records(int count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<SftRecord> records;
  for (int i = 0; i < count; ++i) {
    std::string prompt;
    for (auto filler = rng() % 4; filler > 0; --filler) prompt += "the cat sat. ";
    const auto code = std::to_string(rng() % 10);
    prompt += "The code is " + code + ". Then " + std::to_string(rng() % 10) + " dogs ran.\nCode:";
    records.push_back({prompt, " " + code});
  }
  return records;
}

TEST(Trainer, SftTeachesAFreshModelToCopyATokenFromThePrompt) {
  quiet_llama();
  ModelConfig config;
  config.n_layer = 2;
  config.n_embd = 64;
  config.n_head = config.n_head_kv = 4;
  config.seed = 5;
  Model model = init_model(config, test::stories_model());
  const Tokenizer tokenizer(test::stories_model());
  const auto train = sft_examples(tokenizer, copy_records(1200, 1), model);
  const auto heldout = sft_examples(tokenizer, copy_records(100, 2), model);
  TrainOptions options;
  options.batch_size = 8;
  options.adamw.learning_rate = 3e-3f;
  options.n_threads = 1;
  train_sft(model, train, options);
  EXPECT_LT(mean_sft_loss(model, heldout, 1), 0.1f);
}

TEST(Trainer, LearningRateScheduleWarmsUpThenDecaysToTheFloor) {
  TrainOptions options;
  options.adamw.learning_rate = 1.0f;
  EXPECT_FLOAT_EQ(scheduled_learning_rate(options, 7, 10), 1.0f);  // constant by default
  options.warmup_steps = 4;
  EXPECT_FLOAT_EQ(scheduled_learning_rate(options, 1, 10), 0.25f);
  EXPECT_FLOAT_EQ(scheduled_learning_rate(options, 4, 10), 1.0f);
  EXPECT_FLOAT_EQ(scheduled_learning_rate(options, 9, 10), 1.0f);
  options.cosine_decay = true;
  options.min_lr_ratio = 0.1f;
  EXPECT_FLOAT_EQ(scheduled_learning_rate(options, 4, 10), 1.0f);
  EXPECT_FLOAT_EQ(scheduled_learning_rate(options, 7, 10), 0.55f);  // halfway down
  EXPECT_FLOAT_EQ(scheduled_learning_rate(options, 10, 10), 0.1f);
  EXPECT_GT(scheduled_learning_rate(options, 6, 10), scheduled_learning_rate(options, 8, 10));
}

TEST(Trainer, MismatchedVocabularyIsAnError) {
  quiet_llama();
  const Tokenizer tokenizer(test::stories_model());
  ModelConfig config;
  config.n_embd = 16;
  const Model model = random_model(config, 100);
  try {
    sft_examples(tokenizer, toy_sft_records(), model);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("vocabulary has 512 tokens but the model has 100"));
  }
}

TEST(JsonlData, ReadsRecordsAndNamesTheMalformedLine) {
  const auto dir = test::scratch_dir("jsonl");
  const auto good = (dir / "good.jsonl").string();
  std::ofstream(good) << "{\"prompt\": \"a\", \"completion\": \"b\"}\n\n{\"prompt\": \"c\", \"completion\": \"d\"}\n";
  const auto records = read_sft_jsonl(good);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].completion, "d");

  const auto broken = (dir / "broken.jsonl").string();
  std::ofstream(broken) << "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"a\", \n";
  EXPECT_THROW(
      {
        try {
          read_sft_jsonl(broken);
        } catch (const Error& e) {
          EXPECT_THAT(e.what(), HasSubstr("broken.jsonl:2: invalid JSON"));
          throw;
        }
      },
      Error);

  const auto missing = (dir / "missing.jsonl").string();
  std::ofstream(missing) << "{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"r\"}\n"
                         << "{\"prompt\": \"p\", \"chosen\": \"c\"}\n";
  try {
    read_dpo_jsonl(missing);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("missing.jsonl:2: missing string field \"rejected\""));
  }
}

TEST(ModelInit, NewModelWithStoriesVocabularyLoadsInLlamaCpp) {
  quiet_llama();
  ModelConfig config;
  config.n_layer = 2;
  config.n_embd = 32;
  config.n_head = 4;
  config.n_head_kv = 2;
  config.n_ctx = 128;
  config.seed = 11;
  const Model model = init_model(config, test::stories_model());
  EXPECT_EQ(model.hparams().n_vocab, 512);
  EXPECT_EQ(model.hparams().n_ff, 96);
  const auto path = (test::scratch_dir("model_init") / "fresh.gguf").string();
  model.save(path);
  const Tokenizer tokenizer(path);
  const auto tokens = tokenizer.tokenize("Once upon a time", true);
  EXPECT_EQ(tokens, Tokenizer(test::stories_model()).tokenize("Once upon a time", true));
  EXPECT_LE(max_abs_diff(llama_cpp_logits(path, tokens), compute_logits(model, tokens)), 1e-4f);
  // Same seed, same weights.
  EXPECT_EQ(init_model(config, test::stories_model()).tensors()[3].data, model.tensors()[3].data);
}

}  // namespace
}  // namespace lethe::train
