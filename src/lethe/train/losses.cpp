#include "lethe/train/losses.hpp"

#include <functional>

#include "ggml-backend.h"
#include "ggml.h"
#include "lethe/train/gguf_model.hpp"

namespace lethe::train {

namespace {

// A prompt token the auxiliary term predicts: not a target, and the row before it sees the same context.
bool is_prompt_token(const Example& ex, size_t t) {
  if (t == 0 || ex.target[t] != 0) return false;
  return ex.segment.empty() || ex.segment[t] == ex.segment[t - 1];
}

}  // namespace

TargetInputs add_target_inputs(ggml_context* ctx, int64_t n_vocab, const std::vector<Example>& batch,
                               bool with_prompt) {
  TargetInputs targets;
  for (const auto& ex : batch) {
    if (ex.target.size() != ex.tokens.size()) throw Error("example target mask does not match its tokens");
    targets.per_sequence.push_back(count_targets(ex));
    targets.n_targets += targets.per_sequence.back();
    if (!with_prompt) continue;
    for (size_t t = 1; t < ex.tokens.size(); ++t) targets.n_prompt += is_prompt_token(ex, t) ? 1 : 0;
  }
  if (targets.n_targets == 0) throw Error("batch has no target tokens");
  const int64_t n_rows = targets.n_targets + targets.n_prompt;
  targets.rows = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, n_rows);
  targets.labels = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, n_vocab, n_rows);
  ggml_set_input(targets.rows);
  ggml_set_input(targets.labels);
  return targets;
}

void set_target_inputs(const TargetInputs& targets, const std::vector<Example>& batch, int64_t seq_len) {
  const auto n_vocab = static_cast<size_t>(targets.labels->ne[0]);
  std::vector<int32_t> rows;
  std::vector<float> labels(static_cast<size_t>(ggml_nelements(targets.labels)), 0.0f);
  const auto add_rows = [&](const std::function<bool(const Example&, size_t)>& selected) {
    for (size_t s = 0; s < batch.size(); ++s) {
      const auto& ex = batch[s];
      for (size_t t = 1; t < ex.tokens.size(); ++t) {
        if (!selected(ex, t)) continue;
        const int32_t next = ex.tokens[t];
        if (next < 0 || static_cast<size_t>(next) >= n_vocab) throw Error("target token outside the vocabulary");
        labels[rows.size() * n_vocab + static_cast<size_t>(next)] = 1.0f;
        rows.push_back(static_cast<int32_t>(static_cast<int64_t>(s) * seq_len + static_cast<int64_t>(t) - 1));
      }
    }
  };
  add_rows([](const Example& ex, size_t t) { return ex.target[t] != 0; });
  if (targets.n_prompt > 0) add_rows(is_prompt_token);
  ggml_backend_tensor_set(targets.rows, rows.data(), 0, rows.size() * sizeof(int32_t));
  ggml_backend_tensor_set(targets.labels, labels.data(), 0, labels.size() * sizeof(float));
}

ggml_tensor* build_sft_loss(ggml_context* ctx, ggml_tensor* target_logits, const TargetInputs& targets,
                            float prompt_weight) {
  if (targets.n_prompt == 0) return ggml_cross_entropy_loss(ctx, target_logits, targets.labels);
  const auto rows = [&](ggml_tensor* t, int64_t first, int64_t count) {
    return ggml_view_2d(ctx, t, t->ne[0], count, t->nb[1], static_cast<size_t>(first) * t->nb[1]);
  };
  ggml_tensor* completion = ggml_cross_entropy_loss(ctx, rows(target_logits, 0, targets.n_targets),
                                                    rows(targets.labels, 0, targets.n_targets));
  ggml_tensor* prompt = ggml_cross_entropy_loss(ctx, rows(target_logits, targets.n_targets, targets.n_prompt),
                                                rows(targets.labels, targets.n_targets, targets.n_prompt));
  return ggml_add(ctx, completion, ggml_scale(ctx, prompt, prompt_weight));
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
