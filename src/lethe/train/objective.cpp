#include "lethe/train/objective.hpp"

#include <algorithm>
#include <functional>
#include <memory>

#include "ggml-backend.h"
#include "ggml.h"

namespace lethe::train {
namespace {

struct BatchGraph {
  std::unique_ptr<ggml_context, decltype(&ggml_free)> ctx{nullptr, ggml_free};
  BatchInputs inputs;
  ggml_tensor* logits = nullptr;
  ggml_tensor* labels = nullptr;
  int64_t n_targets = 0;
};

int64_t longest(const std::vector<Example>& batch) {
  size_t n = 0;
  for (const auto& ex : batch) n = std::max(n, ex.tokens.size());
  return static_cast<int64_t>(n);
}

std::vector<float> read_scalar_values(const std::vector<ggml_tensor*>& tensors) {
  std::vector<float> out;
  for (ggml_tensor* t : tensors) {
    float v = 0.0f;
    ggml_backend_tensor_get(t, &v, 0, sizeof(float));
    out.push_back(v);
  }
  return out;
}

}  // namespace

Objective::Objective(const HyperParams& hparams, const WeightTensors& weights, int n_threads)
    : hparams_(hparams), weights_(weights), compute_(n_threads) {}

namespace {

// Builds forward (+ backward) for the batch, where `loss_of` turns logits and labels into the graph outputs
// (outputs.front() is the loss), computes it, and returns the output values. Gradients go to `gradients`.
std::vector<float> evaluate(
    const HyperParams& hp, const WeightTensors& weights, CpuCompute& compute, const std::vector<Example>& batch,
    bool with_gradients, bool with_prompt_targets,
    const std::function<std::vector<ggml_tensor*>(ggml_context*, ggml_tensor*, const TargetInputs&)>& loss_of,
    std::vector<std::vector<float>>& gradients) {
  if (batch.empty()) throw Error("empty training batch");
  const int64_t seq_len = longest(batch);
  if (seq_len < 2) throw Error("training sequences need at least two tokens");
  for (const auto& ex : batch) check_token_ids(ex.tokens, hp.n_vocab);

  const size_t graph_size = graph_size_for(hp) + 64 * batch.size();
  std::unique_ptr<ggml_context, decltype(&ggml_free)> ctx(new_graph_context(graph_size, with_gradients), ggml_free);
  const auto n_seq = static_cast<int64_t>(batch.size());
  BatchInputs in = add_batch_inputs(ctx.get(), seq_len, n_seq);
  const TargetInputs targets = add_target_inputs(ctx.get(), hp.n_vocab, batch, with_prompt_targets);
  if (with_gradients) {
    for (ggml_tensor* p : weights.parameters()) ggml_set_param(p);
  }
  ggml_tensor* logits = build_logits(ctx.get(), weights.weights(), hp, in, targets.rows);
  const auto outputs = loss_of(ctx.get(), logits, targets);
  ggml_cgraph* graph = ggml_new_graph_custom(ctx.get(), graph_size, with_gradients);
  for (ggml_tensor* out : outputs) {
    ggml_set_output(out);
    ggml_build_forward_expand(graph, out);
  }
  if (with_gradients) {
    ggml_set_loss(outputs.front());
    ggml_build_backward_expand(ctx.get(), graph, nullptr);
    for (ggml_tensor* p : weights.parameters()) {
      if (ggml_tensor* g = ggml_graph_get_grad(graph, p)) ggml_set_output(g);
    }
  }
  compute.allocate(graph);
  set_batch_inputs(in, batch, 0);
  set_target_inputs(targets, batch, seq_len);
  if (with_gradients) ggml_graph_reset(graph);
  compute.compute(graph);

  if (with_gradients) {
    const auto& params = weights.parameters();
    gradients.resize(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      gradients[i].assign(static_cast<size_t>(ggml_nelements(params[i])), 0.0f);
      if (ggml_tensor* g = ggml_graph_get_grad(graph, params[i])) {
        ggml_backend_tensor_get(g, gradients[i].data(), 0, gradients[i].size() * sizeof(float));
      }
    }
  }
  return read_scalar_values(outputs);
}

}  // namespace

float Objective::sft(const std::vector<Example>& batch, bool with_gradients, float prompt_weight) {
  auto loss_of = [&](ggml_context* ctx, ggml_tensor* logits, const TargetInputs& targets) {
    return std::vector<ggml_tensor*>{build_sft_loss(ctx, logits, targets, prompt_weight)};
  };
  return evaluate(hparams_, weights_, compute_, batch, with_gradients, prompt_weight > 0.0f, loss_of, gradients_)
      .front();
}

float Objective::dpo(const std::vector<Example>& pairs, const std::vector<float>& reference_margins, float beta,
                     bool with_gradients, std::vector<float>* policy_margins) {
  auto loss_of = [&](ggml_context* ctx, ggml_tensor* logits, const TargetInputs& targets) {
    auto log_probs = build_sequence_log_probs(ctx, logits, targets);
    std::vector<ggml_tensor*> outputs{build_dpo_loss(ctx, log_probs, reference_margins, beta)};
    outputs.insert(outputs.end(), log_probs.begin(), log_probs.end());
    return outputs;
  };
  const auto values = evaluate(hparams_, weights_, compute_, pairs, with_gradients, false, loss_of, gradients_);
  if (policy_margins != nullptr) {
    policy_margins->clear();
    for (size_t i = 0; i < reference_margins.size(); ++i)
      policy_margins->push_back(values[1 + 2 * i] - values[2 + 2 * i]);
  }
  return values.front();
}

std::vector<float> Objective::sequence_log_probs(const std::vector<Example>& batch) {
  auto outputs_of = [](ggml_context* ctx, ggml_tensor* logits, const TargetInputs& targets) {
    return build_sequence_log_probs(ctx, logits, targets);
  };
  return evaluate(hparams_, weights_, compute_, batch, false, false, outputs_of, gradients_);
}

}  // namespace lethe::train
