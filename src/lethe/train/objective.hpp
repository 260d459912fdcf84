// Evaluates a training objective (SFT or DPO) on a batch, and its gradients with respect to every weight.
#pragma once

#include <vector>

#include "lethe/train/cpu_compute.hpp"
#include "lethe/train/gguf_model.hpp"
#include "lethe/train/llama_graph.hpp"
#include "lethe/train/losses.hpp"

namespace lethe::train {

class Objective {
 public:
  // `weights` must outlive this object; its tensors are read at every evaluation.
  Objective(const HyperParams& hparams, const WeightTensors& weights, int n_threads);

  // Mean next-token cross-entropy over the target tokens of the batch, plus prompt_weight times the mean over the
  // prompt tokens (an auxiliary language-modelling term; 0: none).
  float sft(const std::vector<Example>& batch, bool with_gradients, float prompt_weight = 0.0f);

  // Batch holds pairs (chosen = 2i, rejected = 2i+1); reference_margins[i] is the reference model's
  // log p(chosen) - log p(rejected). policy_margins (optional out) receives the policy's.
  float dpo(const std::vector<Example>& pairs, const std::vector<float>& reference_margins, float beta,
            bool with_gradients, std::vector<float>* policy_margins = nullptr);

  // Sum of target-token log-probabilities of each sequence (no gradients).
  std::vector<float> sequence_log_probs(const std::vector<Example>& batch);

  // After an evaluation with gradients: one gradient per WeightTensors::parameters() entry.
  const std::vector<std::vector<float>>& gradients() const { return gradients_; }

 private:
  HyperParams hparams_;
  const WeightTensors& weights_;
  CpuCompute compute_;
  std::vector<std::vector<float>> gradients_;
};

}  // namespace lethe::train
