#include "lethe/train/objective.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "ggml.h"
#include "lethe/train/model_init.hpp"
#include "lethe/train/prefix_packing.hpp"

namespace lethe::train {
namespace {

Model tiny_model(bool tied_output = false) {
  ModelConfig config;
  config.n_layer = 2;
  config.n_embd = 16;
  config.n_head = 4;
  config.n_head_kv = 2;  // exercises grouped-query attention in the backward pass
  config.n_ff = 32;
  config.n_ctx = 32;
  config.init_std = 0.3f;
  config.seed = 7;
  Model model = random_model(config, 24);
  if (tied_output) {
    auto& tensors = model.tensors();
    tensors.erase(
        std::find_if(tensors.begin(), tensors.end(), [](const Tensor& t) { return t.name == "output.weight"; }));
  }
  return model;
}

std::vector<Example> toy_batch() {
  Example a{{1, 5, 9, 3, 17, 4, 2}, {0, 0, 0, 1, 1, 1, 1}};
  Example b{{1, 8, 20, 11}, {0, 0, 1, 1}};
  return {a, b};
}

// Compares ggml's gradient with a central finite difference at the entry of largest gradient of each named tensor.
void expect_gradients_match(const std::function<float(Objective&, bool)>& loss, bool tied_output = false) {
  Model model = tiny_model(tied_output);
  WeightTensors weights(model);
  Objective objective(model.hparams(), weights, 2);
  loss(objective, true);
  const auto gradients = objective.gradients();
  const auto& params = weights.parameters();
  ASSERT_EQ(gradients.size(), params.size());

  int checked = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string name = ggml_get_name(params[i]);
    if (name != "token_embd.weight" && name != "blk.0.attn_q.weight" && name != "blk.1.attn_k.weight" &&
        name != "blk.0.attn_v.weight" && name != "blk.1.ffn_down.weight" && name != "blk.0.attn_norm.weight" &&
        name != "output.weight" && name != "output_norm.weight") {
      continue;
    }
    size_t best = 0;
    for (size_t j = 0; j < gradients[i].size(); ++j) {
      if (std::fabs(gradients[i][j]) > std::fabs(gradients[i][best])) best = j;
    }
    auto* data = static_cast<float*>(params[i]->data);
    const float original = data[best];
    const float eps = 1e-2f;
    data[best] = original + eps;
    const float up = loss(objective, false);
    data[best] = original - eps;
    const float down = loss(objective, false);
    data[best] = original;
    const float numeric = (up - down) / (2 * eps);
    const float analytic = gradients[i][best];
    EXPECT_GT(std::fabs(analytic), 1e-3f) << name;
    EXPECT_NEAR(analytic, numeric, 2e-3f + 0.03f * std::fabs(numeric)) << name;
    ++checked;
  }
  EXPECT_EQ(checked, tied_output ? 7 : 8);
}

TEST(Objective, SftGradientsMatchFiniteDifferences) {
  const auto batch = toy_batch();
  expect_gradients_match([&](Objective& o, bool grads) { return o.sft(batch, grads); });
}

TEST(Objective, GradientsOfTiedEmbeddingSumBothUses) {
  ASSERT_TRUE(tiny_model(true).output_tied());
  const auto batch = toy_batch();
  expect_gradients_match([&](Objective& o, bool grads) { return o.sft(batch, grads); }, true);
}

TEST(Objective, DpoGradientsMatchFiniteDifferences) {
  const auto batch = toy_batch();  // chosen = a, rejected = b
  expect_gradients_match([&](Objective& o, bool grads) { return o.dpo(batch, {0.5f}, 0.8f, grads); });
}

// Every entry of every tensor, not only the largest: the gradient's component along a random direction in one
// tensor's space equals the loss's directional derivative. A wrong gradient for one head or one row shows here.
TEST(Objective, SftGradientsMatchDirectionalDerivativesOfEveryTensor) {
  Model model = tiny_model();
  WeightTensors weights(model);
  Objective objective(model.hparams(), weights, 2);
  const auto batch = toy_batch();
  objective.sft(batch, true);
  const auto gradients = objective.gradients();
  const auto& params = weights.parameters();
  std::mt19937_64 rng(3);
  std::normal_distribution<float> normal;
  for (size_t i = 0; i < params.size(); ++i) {
    auto* data = static_cast<float*>(params[i]->data);
    const std::vector<float> original(data, data + gradients[i].size());
    std::vector<float> direction(original.size());
    double along = 0.0;
    for (size_t j = 0; j < direction.size(); ++j) {
      direction[j] = normal(rng);
      along += static_cast<double>(direction[j]) * gradients[i][j];
    }
    const auto loss_at = [&](float step) {
      for (size_t j = 0; j < original.size(); ++j) data[j] = original[j] + step * direction[j];
      return objective.sft(batch, false);
    };
    const float eps = 2e-3f;
    const double numeric = (static_cast<double>(loss_at(eps)) - loss_at(-eps)) / (2 * eps);
    std::copy(original.begin(), original.end(), data);
    EXPECT_NEAR(along, numeric, 3e-3 + 0.03 * std::fabs(numeric)) << ggml_get_name(params[i]);
  }
}

TEST(Objective, SftLossIgnoresPromptTokens) {
  Model model = tiny_model();
  WeightTensors weights(model);
  Objective objective(model.hparams(), weights, 2);
  Example masked{{1, 5, 9, 3}, {0, 0, 0, 1}};
  Example other_prompt{{1, 6, 9, 3}, {0, 0, 0, 1}};
  Example full{{1, 5, 9, 3}, {0, 1, 1, 1}};
  const float a = objective.sft({masked}, false);
  EXPECT_NE(a, objective.sft({full}, false));
  // Same target token after a different prompt: differs only through the context, and the log-prob matches.
  const auto log_probs = objective.sequence_log_probs({masked, other_prompt});
  EXPECT_NEAR(-log_probs[0], a, 1e-5f);
  EXPECT_NE(log_probs[0], log_probs[1]);
}

TEST(Objective, PromptLossAddsTheWeightedLanguageModellingTerm) {
  Model model = tiny_model();
  WeightTensors weights(model);
  Objective objective(model.hparams(), weights, 2);
  const Example completion_only{{1, 5, 9, 3}, {0, 0, 0, 1}};
  const Example prompt_as_targets{{1, 5, 9, 3}, {0, 1, 1, 0}};
  const float expected = objective.sft({completion_only}, false) + 0.5f * objective.sft({prompt_as_targets}, false);
  EXPECT_NEAR(objective.sft({completion_only}, false, 0.5f), expected, 1e-5f);
}

TEST(Objective, PromptLossGradientsMatchFiniteDifferences) {
  const auto batch = toy_batch();
  expect_gradients_match([&](Objective& o, bool grads) { return o.sft(batch, grads, 0.3f); });
}

TEST(Objective, DpoLossAtReferenceIsLogTwo) {
  Model model = tiny_model();
  WeightTensors weights(model);
  Objective objective(model.hparams(), weights, 2);
  const auto batch = toy_batch();
  const auto log_probs = objective.sequence_log_probs(batch);
  std::vector<float> margins;
  const float loss = objective.dpo(batch, {log_probs[0] - log_probs[1]}, 0.1f, false, &margins);
  EXPECT_NEAR(loss, std::log(2.0f), 1e-5f);
  ASSERT_EQ(margins.size(), 1u);
  EXPECT_NEAR(margins[0], log_probs[0] - log_probs[1], 1e-4f);
}

// Three steps of one "episode" (shared prefix 1 5 9 3) and an unrelated example, packed into one sequence.
TEST(Objective, PackedExamplesGiveTheLossAndGradientsOfTheirMembers) {
  const std::vector<Example> members{{{1, 5, 9, 3, 17, 4, 2}, {0, 0, 0, 0, 0, 1, 1}},
                                     {{1, 5, 9, 3, 8, 20, 11, 2}, {0, 0, 0, 0, 0, 0, 1, 1}},
                                     {{1, 5, 9, 3, 12, 6}, {0, 0, 0, 0, 0, 1}},
                                     {{1, 7, 7, 13, 2}, {0, 0, 0, 1, 1}}};
  PackingStats stats;
  const auto packed = pack_shared_prefixes(members, {64, 3}, &stats);
  ASSERT_EQ(packed.size(), 1u);
  EXPECT_LT(stats.tokens_after, stats.tokens_before);

  Model model = tiny_model();
  WeightTensors weights(model);
  Objective objective(model.hparams(), weights, 2);
  const float unpacked_loss = objective.sft(members, true);
  const auto unpacked_gradients = objective.gradients();
  const float packed_loss = objective.sft(packed, true);
  const auto& packed_gradients = objective.gradients();
  EXPECT_NEAR(packed_loss, unpacked_loss, 1e-5f);
  ASSERT_EQ(packed_gradients.size(), unpacked_gradients.size());
  for (size_t i = 0; i < packed_gradients.size(); ++i) {
    for (size_t j = 0; j < packed_gradients[i].size(); ++j) {
      ASSERT_NEAR(packed_gradients[i][j], unpacked_gradients[i][j], 1e-5f + 1e-3f * std::fabs(unpacked_gradients[i][j]))
          << "tensor " << i << " entry " << j;
    }
  }
  // The same tokens under plain causal attention see the other members: a different loss.
  Example flat = packed.front();
  flat.positions.clear();
  flat.segment.clear();
  flat.segment_parent.clear();
  EXPECT_GT(std::fabs(objective.sft({flat}, false) - unpacked_loss), 1e-4f);
}

}  // namespace
}  // namespace lethe::train
