#include "lethe/train/losses.hpp"

#include "ggml-backend.h"
#include "ggml.h"
#include "lethe/train/gguf_model.hpp"

namespace lethe::train {

int64_t count_targets(const Example& example) {
  int64_t n = 0;
  for (size_t t = 1; t < example.tokens.size() && t < example.target.size(); ++t) n += example.target[t] != 0;
  return n;
}

TargetInputs add_target_inputs(ggml_context* ctx, int64_t n_vocab, const std::vector<Example>& batch) {
  TargetInputs targets;
  for (const auto& ex : batch) {
    if (ex.target.size() != ex.tokens.size()) throw Error("example target mask does not match its tokens");
    targets.per_sequence.push_back(count_targets(ex));
    targets.n_targets += targets.per_sequence.back();
  }
  if (targets.n_targets == 0) throw Error("batch has no target tokens");
  targets.rows = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, targets.n_targets);
  targets.labels = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, n_vocab, targets.n_targets);
  ggml_set_input(targets.rows);
  ggml_set_input(targets.labels);
  return targets;
}

void set_target_inputs(const TargetInputs& targets, const std::vector<Example>& batch, int64_t seq_len) {
  const auto n_vocab = static_cast<size_t>(targets.labels->ne[0]);
  std::vector<int32_t> rows;
  std::vector<float> labels(static_cast<size_t>(ggml_nelements(targets.labels)), 0.0f);
  for (size_t s = 0; s < batch.size(); ++s) {
    const auto& ex = batch[s];
    for (size_t t = 1; t < ex.tokens.size(); ++t) {
      if (ex.target[t] == 0) continue;
      const int32_t next = ex.tokens[t];
      if (next < 0 || static_cast<size_t>(next) >= n_vocab) throw Error("target token outside the vocabulary");
      labels[rows.size() * n_vocab + static_cast<size_t>(next)] = 1.0f;
      rows.push_back(static_cast<int32_t>(static_cast<int64_t>(s) * seq_len + static_cast<int64_t>(t) - 1));
    }
  }
  ggml_backend_tensor_set(targets.rows, rows.data(), 0, rows.size() * sizeof(int32_t));
  ggml_backend_tensor_set(targets.labels, labels.data(), 0, labels.size() * sizeof(float));
}

ggml_tensor* build_sft_loss(ggml_context* ctx, ggml_tensor* target_logits, const TargetInputs& targets) {
  return ggml_cross_entropy_loss(ctx, target_logits, targets.labels);
}

std::vector<ggml_tensor*> build_sequence_log_probs(ggml_context* ctx, ggml_tensor* target_logits,
                                                   const TargetInputs& targets) {
  std::vector<ggml_tensor*> out;
  int64_t first = 0;
  for (int64_t count : targets.per_sequence) {
    if (count == 0) throw Error("a sequence has no target tokens");
    auto view = [&](ggml_tensor* t) {
      return ggml_view_2d(ctx, t, t->ne[0], count, t->nb[1], static_cast<size_t>(first) * t->nb[1]);
    };
    // cross-entropy = -(1/count) Σ target log-probs
    ggml_tensor* ce = ggml_cross_entropy_loss(ctx, view(target_logits), view(targets.labels));
    out.push_back(ggml_scale(ctx, ce, -static_cast<float>(count)));
    first += count;
  }
  return out;
}

ggml_tensor* build_dpo_loss(ggml_context* ctx, const std::vector<ggml_tensor*>& log_probs,
                            const std::vector<float>& reference_margins, float beta) {
  if (log_probs.size() != 2 * reference_margins.size() || reference_margins.empty()) {
    throw Error("DPO needs one reference margin per chosen/rejected pair");
  }
  ggml_tensor* total = nullptr;
  for (size_t i = 0; i < reference_margins.size(); ++i) {
    ggml_tensor* policy_margin = ggml_sub(ctx, log_probs[2 * i], log_probs[2 * i + 1]);
    // -log σ(z) = softplus(-z), z = β(policy_margin - reference_margin)
    ggml_tensor* neg_z = ggml_scale_bias(ctx, policy_margin, -beta, beta * reference_margins[i]);
    ggml_tensor* loss = ggml_softplus(ctx, neg_z);
    total = total == nullptr ? loss : ggml_add(ctx, total, loss);
  }
  return ggml_scale(ctx, total, 1.0f / static_cast<float>(reference_margins.size()));
}

}  // namespace lethe::train
