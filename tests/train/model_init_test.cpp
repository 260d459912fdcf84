#include "lethe/train/model_init.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace lethe::train {
namespace {

double standard_deviation(const Tensor& t) {
  double sum = 0, squares = 0;
  for (float x : t.data) {
    sum += x;
    squares += static_cast<double>(x) * x;
  }
  const double n = static_cast<double>(t.data.size());
  return std::sqrt(squares / n - (sum / n) * (sum / n));
}

ModelConfig config_of_width(int64_t width) {
  ModelConfig config;
  config.n_embd = width;
  config.n_ff = 3 * width;
  return config;
}

TEST(ModelInit, EachTensorStartsAtTheScaleOfItsRole) {
  const Model model = random_model(config_of_width(64), 200);
  EXPECT_NEAR(standard_deviation(model.tensor("token_embd.weight")), 1.0, 0.02);
  const double projection = 1.0 / std::sqrt(3.0 * 64);
  for (const char* name : {"output.weight", "blk.0.attn_q.weight", "blk.1.attn_k.weight", "blk.0.attn_v.weight",
                           "blk.1.attn_output.weight", "blk.0.ffn_gate.weight", "blk.1.ffn_up.weight"}) {
    EXPECT_NEAR(standard_deviation(model.tensor(name)), projection, 0.05 * projection) << name;
  }
  const double down = 1.0 / std::sqrt(3.0 * 192);  // its inputs are the feed-forward's 192 units
  EXPECT_NEAR(standard_deviation(model.tensor("blk.0.ffn_down.weight")), down, 0.05 * down);
  for (float x : model.tensor("blk.0.attn_norm.weight").data) EXPECT_EQ(x, 1.0f);
}

TEST(ModelInit, AnExplicitStandardDeviationAppliesToEveryMatrix) {
  auto config = config_of_width(64);
  config.init_std = 0.02f;
  const Model model = random_model(config, 200);
  for (const auto& t : model.tensors()) {
    if (t.ne[1] == 1) continue;  // norms
    EXPECT_NEAR(standard_deviation(t), 0.02, 0.001) << t.name;
  }
}

TEST(ModelInit, RejectsANegativeStandardDeviation) {
  auto config = config_of_width(64);
  config.init_std = -0.1f;
  EXPECT_THROW(random_model(config, 200), Error);
}

TEST(ModelInit, TheSameSeedGivesTheSameWeights) {
  const Model a = random_model(config_of_width(32), 50);
  const Model b = random_model(config_of_width(32), 50);
  for (size_t i = 0; i < a.tensors().size(); ++i) EXPECT_EQ(a.tensors()[i].data, b.tensors()[i].data);
}

}  // namespace
}  // namespace lethe::train
