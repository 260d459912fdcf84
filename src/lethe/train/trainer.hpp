// SFT and DPO training of a llama Model with AdamW over ggml gradients.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "lethe/train/adamw.hpp"
#include "lethe/train/gguf_model.hpp"
#include "lethe/train/jsonl_data.hpp"
#include "lethe/train/losses.hpp"
#include "lethe/train/tokenizer.hpp"

namespace lethe::train {

struct TrainOptions {
  int epochs = 1;
  int batch_size = 8;  // sequences per step (SFT) or pairs per step (DPO)
  AdamWOptions adamw;
  // Learning-rate schedule: linear warm-up over the first warmup_steps, then constant, or (cosine) decaying to
  // min_lr_ratio * adamw.learning_rate at the last step.
  int64_t warmup_steps = 0;
  bool cosine_decay = false;
  float min_lr_ratio = 0.1f;
  float dpo_beta = 0.1f;
  float prompt_loss_weight = 0.0f;  // SFT: weight of an auxiliary next-token loss on the prompt tokens
  uint64_t seed = 1;                // example order
  int n_threads = 2;
};

struct Progress {
  int epoch = 0;     // 1-based
  int64_t step = 0;  // 1-based, over all epochs
  int64_t total_steps = 0;
  float loss = 0.0f;               // this step's loss
  double tokens_per_second = 0.0;  // tokens through the model (forward + backward) per second so far
  double eta_seconds = 0.0;
};
using ProgressCallback = std::function<void(const Progress&)>;

struct TrainReport {
  std::vector<float> step_losses;
  int64_t tokens = 0;
  double seconds = 0.0;
  double tokens_per_second = 0.0;
};

// The learning rate of step `step` (1-based) of `total_steps` under the options' schedule.
float scheduled_learning_rate(const TrainOptions& options, int64_t step, int64_t total_steps);

// BOS + prompt (not trained on) followed by completion + EOS (trained on), cut to n_ctx tokens.
// Throws Error if the tokenizer's vocabulary size differs from n_vocab.
Example sft_example(const Tokenizer& tokenizer, const SftRecord& record, int64_t n_ctx, int64_t n_vocab);
std::vector<Example> sft_examples(const Tokenizer& tokenizer, const std::vector<SftRecord>& records,
                                  const Model& model);
// Two examples per record: prompt + chosen, then prompt + rejected.
std::vector<Example> dpo_examples(const Tokenizer& tokenizer, const std::vector<DpoRecord>& records,
                                  const Model& model);

TrainReport train_sft(Model& model, const std::vector<Example>& examples, const TrainOptions& options,
                      const ProgressCallback& progress = {});

// `pairs` alternates chosen, rejected. The reference policy is `model` as passed in (its log-probs are computed once).
TrainReport train_dpo(Model& model, const std::vector<Example>& pairs, const TrainOptions& options,
                      const ProgressCallback& progress = {});

// Mean SFT loss over the examples (no training).
float mean_sft_loss(const Model& model, const std::vector<Example>& examples, int n_threads = 2);

// log p(chosen) - log p(rejected) for each pair (completion tokens only).
std::vector<float> pair_margins(const Model& model, const std::vector<Example>& pairs, int n_threads = 2);

}  // namespace lethe::train
