#include "lethe/train/llama_graph.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "lethe/train/gguf_model.hpp"
#include "lethe_test/paths.hpp"
#include "llama_cpp_reference.hpp"

namespace lethe::train {
namespace {

TEST(LlamaGraph, LogitsEqualLlamaCppInferenceOnStoriesModel) {
  const std::string path = test::stories_model();
  const Model model = Model::load(path);
  std::vector<int32_t> tokens;
  for (int i = 0; i < 40; ++i) tokens.push_back(1 + (i * 37 + 11) % 500);
  tokens[0] = 1;  // BOS

  const auto ours = compute_logits(model, tokens, 2);
  const auto reference = llama_cpp_logits(path, tokens);
  ASSERT_EQ(ours.size(), reference.size());
  ASSERT_EQ(ours.size(), tokens.size() * static_cast<size_t>(model.hparams().n_vocab));
  EXPECT_LE(max_abs_diff(ours, reference), 1e-4f);
}

TEST(LlamaGraph, F16ModelIsConvertedAndMatchesLlamaCpp) {
  const std::string path = test::tiny_random_model();  // F16 weights, 32000-token vocabulary
  const Model model = Model::load(path);
  const std::vector<int32_t> tokens{1, 50, 300, 20, 7, 31999};
  // llama.cpp multiplies with the F16 weights directly, we with their exact F32 conversion.
  EXPECT_LE(max_abs_diff(compute_logits(model, tokens, 2), llama_cpp_logits(path, tokens)), 1e-3f);
}

TEST(LlamaGraph, RejectsTokenOutsideTheVocabulary) {
  const Model model = Model::load(test::stories_model());
  EXPECT_THROW(compute_logits(model, {1, 512}), Error);
}

TEST(LlamaGraph, BatchedSequencesMatchSingleSequences) {
  const Model model = Model::load(test::stories_model());
  const std::vector<int32_t> a{1, 45, 300, 12, 99, 7}, b{1, 200, 3};
  const auto logits_a = compute_logits(model, a, 2);
  const auto logits_b = compute_logits(model, b, 2);
  const auto batched = compute_batch_logits(model, {a, b}, 2);  // padded to 6 tokens each
  const auto n_vocab = static_cast<size_t>(model.hparams().n_vocab);
  ASSERT_EQ(batched.size(), 2 * a.size() * n_vocab);
  std::vector<float> first(batched.begin(), batched.begin() + static_cast<long>(a.size() * n_vocab));
  std::vector<float> second(batched.begin() + static_cast<long>(a.size() * n_vocab),
                            batched.begin() + static_cast<long>((a.size() + b.size()) * n_vocab));
  EXPECT_LE(max_abs_diff(first, logits_a), 1e-5f);
  EXPECT_LE(max_abs_diff(second, logits_b), 1e-5f);
}

}  // namespace
}  // namespace lethe::train
