// Training losses as ggml graphs over the logits of a batch's target tokens, so gradients come from ggml's
// backward pass. Only target rows enter the graph: ggml's cross-entropy gradient assumes every label row sums to 1,
// so masking by zero label rows would leak gradient from prompt tokens.
#pragma once

#include <cstdint>
#include <vector>

#include "lethe/train/example.hpp"

struct ggml_context;
struct ggml_tensor;

namespace lethe::train {

// Which rows of the batch's hidden states predict a target, and the one-hot targets themselves, ordered by
// sequence: the targets of sequence s are rows [sum of counts before s, + per_sequence[s]). With prompt tokens
// (an auxiliary language-modelling term), their n_prompt rows follow all the targets.
struct TargetInputs {
  ggml_tensor* rows = nullptr;    // I32 [n_targets]: index of the predicting token (s * seq_len + t - 1;
                                  // packing keeps t - 1 in t's segment)
  ggml_tensor* labels = nullptr;  // F32 [n_vocab, n_targets], one-hot
  std::vector<int64_t> per_sequence;
  int64_t n_targets = 0;
  int64_t n_prompt = 0;
};

// with_prompt: also every non-target token that has a predecessor in its own segment.
TargetInputs add_target_inputs(ggml_context* ctx, int64_t n_vocab, const std::vector<Example>& batch,
                               bool with_prompt = false);
// Call after the graph is allocated.
void set_target_inputs(const TargetInputs& targets, const std::vector<Example>& batch, int64_t seq_len);

// Mean cross-entropy over the target tokens, plus prompt_weight times the mean over the prompt tokens when the
// inputs have them; target_logits F32 [n_vocab, n_targets + n_prompt]. Scalar.
ggml_tensor* build_sft_loss(ggml_context* ctx, ggml_tensor* target_logits, const TargetInputs& targets,
                            float prompt_weight = 0.0f);

// Sum of target-token log-probabilities of each sequence: one scalar tensor per sequence (each needs a target).
std::vector<ggml_tensor*> build_sequence_log_probs(ggml_context* ctx, ggml_tensor* target_logits,
                                                   const TargetInputs& targets);

// DPO over pairs (chosen = sequence 2i, rejected = 2i+1): mean over pairs of
// -log σ(β[(log πθ(y_w|x) - log π_ref(y_w|x)) - (log πθ(y_l|x) - log π_ref(y_l|x))]).
// reference_margins[i] = log π_ref(y_w|x) - log π_ref(y_l|x), precomputed.
ggml_tensor* build_dpo_loss(ggml_context* ctx, const std::vector<ggml_tensor*>& sequence_log_probs,
                            const std::vector<float>& reference_margins, float beta);

}  // namespace lethe::train
