#include "lethe/train/adamw.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace lethe::train {
namespace {

TEST(AdamW, FirstStepMovesEachWeightByTheLearningRateAgainstItsGradient) {
  AdamWOptions options;
  options.learning_rate = 0.1f;
  options.clip_grad_norm = 0.0f;
  AdamW optimizer(options, {2});
  std::vector<float> w{1.0f, -2.0f};
  optimizer.step({w.data()}, {false}, {{0.5f, -3.0f}});
  // Bias-corrected first step: m_hat / sqrt(v_hat) = sign(g).
  EXPECT_NEAR(w[0], 0.9f, 1e-5f);
  EXPECT_NEAR(w[1], -1.9f, 1e-5f);
}

TEST(AdamW, DecaysOnlyMatricesAndClipsTheGlobalNorm) {
  AdamWOptions options;
  options.learning_rate = 0.1f;
  options.weight_decay = 0.5f;
  options.clip_grad_norm = 1.0f;
  AdamW optimizer(options, {1, 1});
  std::vector<float> matrix{2.0f}, norm{2.0f};
  const float grad_norm = optimizer.step({matrix.data(), norm.data()}, {true, false}, {{0.0f}, {0.0f}});
  EXPECT_FLOAT_EQ(grad_norm, 0.0f);
  EXPECT_NEAR(matrix[0], 2.0f * (1.0f - 0.1f * 0.5f), 1e-6f);
  EXPECT_FLOAT_EQ(norm[0], 2.0f);
  EXPECT_NEAR(optimizer.step({matrix.data(), norm.data()}, {true, false}, {{3.0f}, {4.0f}}), 5.0f, 1e-5f);
}

TEST(AdamW, RejectsMismatchedParameters) {
  AdamW optimizer(AdamWOptions{}, {2});
  std::vector<float> w{1.0f};
  EXPECT_THROW(optimizer.step({w.data()}, {false}, {{0.5f}}), std::runtime_error);
}

}  // namespace
}  // namespace lethe::train
