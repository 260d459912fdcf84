#include "lethe/train/trainer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

#include "ggml.h"
#include "lethe/train/llama_graph.hpp"
#include "lethe/train/objective.hpp"

namespace lethe::train {
namespace {

void check_vocab(const Tokenizer& tokenizer, int64_t n_vocab) {
  if (tokenizer.n_vocab() != n_vocab) {
    throw Error(fmt::format("tokenizer vocabulary has {} tokens but the model has {}", tokenizer.n_vocab(), n_vocab));
  }
}

// The completion is tokenized in context (prompt + completion as one text), as the model will see it when it
// generates: tokenized alone it would start with a tokenizer's word-boundary marker that generation never
// produces. Tokens from the first one that differs from the prompt's own tokenization on are trained on.
Example prompt_and_completion(const Tokenizer& tokenizer, const std::string& prompt, const std::string& completion,
                              int64_t n_ctx) {
  Example ex;
  const auto prompt_only = tokenizer.tokenize(prompt, /*add_bos=*/true);
  ex.tokens = tokenizer.tokenize(prompt + completion, /*add_bos=*/true);
  size_t shared = 0;
  while (shared < prompt_only.size() && shared < ex.tokens.size() && prompt_only[shared] == ex.tokens[shared]) {
    ++shared;
  }
  ex.target.assign(ex.tokens.size(), 1);
  std::fill(ex.target.begin(), ex.target.begin() + static_cast<std::ptrdiff_t>(shared), 0);
  ex.tokens.push_back(tokenizer.eos());
  ex.target.push_back(1);
  if (static_cast<int64_t>(ex.tokens.size()) > n_ctx) {
    ex.tokens.resize(static_cast<size_t>(n_ctx));
    ex.target.resize(static_cast<size_t>(n_ctx));
  }
  return ex;
}

std::vector<size_t> shuffled(size_t n, std::mt19937_64& rng) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
  return order;
}

int64_t token_count(const std::vector<Example>& batch) {
  int64_t n = 0;
  for (const auto& ex : batch) n += static_cast<int64_t>(ex.tokens.size());
  return n;
}

// Runs the epoch/step loop over units (an example for SFT, a pair for DPO): `batch_of` gathers a step's examples and
// `step_loss` evaluates them with gradients, which it leaves in the objective for the optimizer.
TrainReport run_training(
    Model& model, size_t n_units, const TrainOptions& options, const ProgressCallback& progress,
    const std::function<std::vector<Example>(const std::vector<size_t>&)>& batch_of,
    const std::function<float(Objective&, const std::vector<size_t>&, const std::vector<Example>&)>& step_loss,
    WeightTensors& weights, Objective& objective) {
  if (n_units == 0) throw Error("no training examples");
  if (options.epochs <= 0 || options.batch_size <= 0) throw Error("epochs and batch size must be positive");
  const auto& params = weights.parameters();
  std::vector<int64_t> sizes;
  std::vector<float*> data;
  std::vector<bool> is_matrix;
  for (ggml_tensor* p : params) {
    sizes.push_back(ggml_nelements(p));
    data.push_back(static_cast<float*>(p->data));
    is_matrix.push_back(p->ne[1] > 1);
  }
  AdamW optimizer(options.adamw, sizes);
  std::mt19937_64 rng(options.seed);
  const auto batch_size = static_cast<size_t>(options.batch_size);
  const auto steps_per_epoch = static_cast<int64_t>((n_units + batch_size - 1) / batch_size);
  const int64_t total_steps = steps_per_epoch * options.epochs;

  TrainReport report;
  const auto start = std::chrono::steady_clock::now();
  int64_t step = 0;
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto order = shuffled(n_units, rng);
    for (size_t first = 0; first < n_units; first += batch_size) {
      std::vector<size_t> units(order.begin() + static_cast<std::ptrdiff_t>(first),
                                order.begin() + static_cast<std::ptrdiff_t>(std::min(n_units, first + batch_size)));
      const auto batch = batch_of(units);
      const float loss = step_loss(objective, units, batch);
      optimizer.set_learning_rate(scheduled_learning_rate(options, step + 1, total_steps));
      optimizer.step(data, is_matrix, objective.gradients());
      ++step;
      report.step_losses.push_back(loss);
      report.tokens += token_count(batch);
      report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      report.tokens_per_second = report.seconds > 0 ? static_cast<double>(report.tokens) / report.seconds : 0.0;
      if (progress) {
        Progress p;
        p.epoch = epoch;
        p.step = step;
        p.total_steps = total_steps;
        p.loss = loss;
        p.tokens_per_second = report.tokens_per_second;
        p.eta_seconds = report.seconds / static_cast<double>(step) * static_cast<double>(total_steps - step);
        progress(p);
      }
    }
  }
  weights.copy_to(model);
  return report;
}

}  // namespace

float scheduled_learning_rate(const TrainOptions& options, int64_t step, int64_t total_steps) {
  const float peak = options.adamw.learning_rate;
  if (options.warmup_steps > 0 && step <= options.warmup_steps) {
    return peak * static_cast<float>(step) / static_cast<float>(options.warmup_steps);
  }
  if (!options.cosine_decay) return peak;
  const int64_t decay_steps = std::max<int64_t>(1, total_steps - options.warmup_steps);
  const double progress =
      std::clamp(static_cast<double>(step - options.warmup_steps) / static_cast<double>(decay_steps), 0.0, 1.0);
  const double floor = static_cast<double>(options.min_lr_ratio);
  return static_cast<float>(peak * (floor + (1.0 - floor) * 0.5 * (1.0 + std::cos(M_PI * progress))));
}

Example sft_example(const Tokenizer& tokenizer, const SftRecord& record, int64_t n_ctx, int64_t n_vocab) {
  check_vocab(tokenizer, n_vocab);
  return prompt_and_completion(tokenizer, record.prompt, record.completion, n_ctx);
}

std::vector<Example> sft_examples(const Tokenizer& tokenizer, const std::vector<SftRecord>& records,
                                  const Model& model) {
  check_vocab(tokenizer, model.hparams().n_vocab);
  std::vector<Example> out;
  for (const auto& r : records) {
    Example ex = prompt_and_completion(tokenizer, r.prompt, r.completion, model.hparams().n_ctx);
    if (count_targets(ex) > 0) out.push_back(std::move(ex));  // a prompt that fills the context teaches nothing
  }
  return out;
}

std::vector<Example> dpo_examples(const Tokenizer& tokenizer, const std::vector<DpoRecord>& records,
                                  const Model& model) {
  check_vocab(tokenizer, model.hparams().n_vocab);
  std::vector<Example> out;
  for (const auto& r : records) {
    Example chosen = prompt_and_completion(tokenizer, r.prompt, r.chosen, model.hparams().n_ctx);
    Example rejected = prompt_and_completion(tokenizer, r.prompt, r.rejected, model.hparams().n_ctx);
    if (count_targets(chosen) == 0 || count_targets(rejected) == 0) continue;
    out.push_back(std::move(chosen));
    out.push_back(std::move(rejected));
  }
  return out;
}

TrainReport train_sft(Model& model, const std::vector<Example>& examples, const TrainOptions& options,
                      const ProgressCallback& progress) {
  WeightTensors weights(model);
  Objective objective(model.hparams(), weights, options.n_threads);
  auto batch_of = [&](const std::vector<size_t>& units) {
    std::vector<Example> batch;
    for (size_t i : units) batch.push_back(examples[i]);
    return batch;
  };
  auto step_loss = [&](Objective& o, const std::vector<size_t>&, const std::vector<Example>& batch) {
    return o.sft(batch, true, options.prompt_loss_weight);
  };
  return run_training(model, examples.size(), options, progress, batch_of, step_loss, weights, objective);
}

TrainReport train_dpo(Model& model, const std::vector<Example>& pairs, const TrainOptions& options,
                      const ProgressCallback& progress) {
  if (pairs.size() % 2 != 0) throw Error("DPO data must alternate chosen and rejected examples");
  const auto reference = pair_margins(model, pairs, options.n_threads);
  WeightTensors weights(model);
  Objective objective(model.hparams(), weights, options.n_threads);
  auto batch_of = [&](const std::vector<size_t>& units) {
    std::vector<Example> batch;
    for (size_t i : units) {
      batch.push_back(pairs[2 * i]);
      batch.push_back(pairs[2 * i + 1]);
    }
    return batch;
  };
  auto step_loss = [&](Objective& o, const std::vector<size_t>& units, const std::vector<Example>& batch) {
    std::vector<float> margins;
    for (size_t i : units) margins.push_back(reference[i]);
    return o.dpo(batch, margins, options.dpo_beta, true);
  };
  return run_training(model, pairs.size() / 2, options, progress, batch_of, step_loss, weights, objective);
}

float mean_sft_loss(const Model& model, const std::vector<Example>& examples, int n_threads) {
  if (examples.empty()) throw Error("no examples");
  WeightTensors weights(model);
  Objective objective(model.hparams(), weights, n_threads);
  double total = 0.0;
  int64_t targets = 0;
  for (const auto& ex : examples) {
    const int64_t n = count_targets(ex);
    if (n == 0) continue;
    total += static_cast<double>(objective.sft({ex}, false)) * static_cast<double>(n);
    targets += n;
  }
  if (targets == 0) throw Error("examples have no target tokens");
  return static_cast<float>(total / static_cast<double>(targets));
}

std::vector<float> pair_margins(const Model& model, const std::vector<Example>& pairs, int n_threads) {
  if (pairs.size() % 2 != 0) throw Error("pairs must alternate chosen and rejected examples");
  WeightTensors weights(model);
  Objective objective(model.hparams(), weights, n_threads);
  std::vector<float> margins;
  constexpr size_t kPairsPerBatch = 8;
  for (size_t first = 0; first < pairs.size(); first += 2 * kPairsPerBatch) {
    const std::vector<Example> batch(
        pairs.begin() + static_cast<std::ptrdiff_t>(first),
        pairs.begin() + static_cast<std::ptrdiff_t>(std::min(pairs.size(), first + 2 * kPairsPerBatch)));
    const auto log_probs = objective.sequence_log_probs(batch);
    for (size_t i = 0; i + 1 < log_probs.size(); i += 2) margins.push_back(log_probs[i] - log_probs[i + 1]);
  }
  return margins;
}

}  // namespace lethe::train
