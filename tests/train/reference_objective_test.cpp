// The trainer against an independent implementation: PyTorch, in float64, on the same weights and batch
// (tests/train/data/reference_objective.json, written by bench/trainer_reference.py). Losses, every tensor's
// gradient and three AdamW steps must agree.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "lethe/train/objective.hpp"
#include "lethe/train/trainer.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::train {
namespace {

using nlohmann::json;

const json& reference() {
  static const json data = [] {
    const auto path = test::repository_root() / "tests/train/data/reference_objective.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("missing test data " + path.string());
    return json::parse(in);
  }();
  return data;
}

Model reference_model() {
  const auto& c = reference().at("hparams");
  HyperParams hp;
  hp.n_vocab = c.at("n_vocab");
  hp.n_embd = c.at("n_embd");
  hp.n_layer = c.at("n_layer");
  hp.n_head = c.at("n_head");
  hp.n_head_kv = c.at("n_head_kv");
  hp.n_ff = c.at("n_ff");
  hp.n_ctx = c.at("n_ctx");
  hp.n_rot = hp.n_embd / hp.n_head;
  hp.rope_freq_base = c.at("rope_freq_base");
  hp.rms_eps = c.at("rms_eps");
  std::vector<Tensor> tensors;
  for (const auto& t : reference().at("tensors")) {
    Tensor tensor;
    tensor.name = t.at("name");
    tensor.ne = {t.at("ne")[0], t.at("ne")[1], 1, 1};
    tensor.data = t.at("data").get<std::vector<float>>();
    tensors.push_back(std::move(tensor));
  }
  return Model(hp, std::move(tensors), nullptr);
}

std::vector<Example> reference_batch() {
  std::vector<Example> batch;
  for (const auto& ex : reference().at("batch")) {
    batch.push_back({ex.at("tokens").get<std::vector<int32_t>>(), ex.at("target").get<std::vector<uint8_t>>()});
  }
  return batch;
}

// |a - b| / |b| over the whole tensor: one number per tensor, blind to which entries happen to be near zero.
double relative_error(const std::vector<float>& actual, const std::vector<double>& expected) {
  double diff = 0.0, norm = 0.0;
  for (size_t i = 0; i < expected.size(); ++i) {
    diff += std::pow(static_cast<double>(actual[i]) - expected[i], 2);
    norm += expected[i] * expected[i];
  }
  return std::sqrt(diff) / std::max(std::sqrt(norm), 1e-30);
}

void expect_gradients_match(const Model& model, const std::vector<std::vector<float>>& gradients,
                            const json& expected) {
  ASSERT_EQ(gradients.size(), model.tensors().size());
  for (size_t i = 0; i < gradients.size(); ++i) {
    const auto& name = model.tensors()[i].name;
    const auto want = expected.at(name).get<std::vector<double>>();
    ASSERT_EQ(gradients[i].size(), want.size()) << name;
    EXPECT_LT(relative_error(gradients[i], want), 1e-4) << name;
  }
}

// `case_name` holds the loss and gradients with the prompt loss at `prompt_weight` (0: none).
void expect_sft_matches(const std::string& case_name, float prompt_weight) {
  const Model model = reference_model();
  WeightTensors weights(model);
  Objective objective(model.hparams(), weights, 1);
  const auto& want = reference().at(case_name);
  EXPECT_NEAR(objective.sft(reference_batch(), true, prompt_weight), want.at("loss").get<double>(), 1e-5);
  expect_gradients_match(model, objective.gradients(), want.at("gradients"));
}

TEST(ReferenceObjective, SftLossAndEveryGradientMatchPyTorch) { expect_sft_matches("sft", 0.0f); }

TEST(ReferenceObjective, SftWithPromptLossMatchesPyTorch) {
  expect_sft_matches("sft_prompt_loss", reference().at("sft_prompt_loss").at("prompt_weight").get<float>());
}

TEST(ReferenceObjective, DpoLossAndEveryGradientMatchPyTorch) {
  const Model model = reference_model();
  WeightTensors weights(model);
  Objective objective(model.hparams(), weights, 1);
  const auto& want = reference().at("dpo");
  EXPECT_NEAR(objective.dpo(reference_batch(), want.at("reference_margins").get<std::vector<float>>(),
                            want.at("beta").get<float>(), true),
              want.at("loss").get<double>(), 1e-6);
  expect_gradients_match(model, objective.gradients(), want.at("gradients"));
}

TEST(ReferenceObjective, AdamWStepsMatchPyTorch) {
  Model model = reference_model();
  const Model start = reference_model();
  const auto& want = reference().at("adamw");
  TrainOptions options;
  options.epochs = want.at("steps");
  options.batch_size = static_cast<int>(reference_batch().size());  // one step per epoch, on the whole batch
  options.adamw.learning_rate = want.at("learning_rate");
  options.adamw.beta1 = want.at("beta1");
  options.adamw.beta2 = want.at("beta2");
  options.adamw.epsilon = want.at("epsilon");
  options.adamw.clip_grad_norm = want.at("clip_grad_norm");
  options.n_threads = 1;
  const auto report = train_sft(model, reference_batch(), options);
  const auto losses = want.at("losses").get<std::vector<double>>();
  ASSERT_EQ(report.step_losses.size(), losses.size());
  for (size_t i = 0; i < losses.size(); ++i) EXPECT_NEAR(report.step_losses[i], losses[i], 1e-5) << "step " << i;
  // The updates, not the weights: an update is a few thousandths of a weight and would hide in the weight's size.
  for (size_t i = 0; i < model.tensors().size(); ++i) {
    const auto& name = model.tensors()[i].name;
    const auto after = want.at("weights").at(name).get<std::vector<double>>();
    std::vector<float> update;
    std::vector<double> want_update;
    for (size_t j = 0; j < after.size(); ++j) {
      update.push_back(model.tensors()[i].data[j] - start.tensors()[i].data[j]);
      want_update.push_back(after[j] - static_cast<double>(start.tensors()[i].data[j]));
    }
    EXPECT_LT(relative_error(update, want_update), 1e-3) << name;
  }
}

}  // namespace
}  // namespace lethe::train
