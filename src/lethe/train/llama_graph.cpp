#include "lethe/train/llama_graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

#include "ggml-backend.h"
#include "ggml.h"
#include "lethe/train/cpu_compute.hpp"

namespace lethe::train {
namespace {

constexpr int kRopeModeNormal = 0;  // what llama.cpp uses for LLM_ARCH_LLAMA

ggml_tensor* rms_norm(ggml_context* ctx, ggml_tensor* x, ggml_tensor* weight, float eps) {
  return ggml_mul(ctx, ggml_rms_norm(ctx, x, eps), weight);
}

// [head_dim, n_head, seq_len*n_seq] -> [head_dim, seq_len, n_head, n_seq], contiguous.
ggml_tensor* heads_first(ggml_context* ctx, ggml_tensor* x, const BatchInputs& in) {
  x = ggml_reshape_4d(ctx, x, x->ne[0], x->ne[1], in.seq_len, in.n_seq);
  return ggml_cont(ctx, ggml_permute(ctx, x, 0, 2, 1, 3));
}

// Grouped-query attention: query head h reads kv head h / (n_head / n_head_kv), as in llama.cpp.
// x is contiguous [a, b, n_head_kv, n_seq].
ggml_tensor* repeat_kv_heads(ggml_context* ctx, ggml_tensor* x, int64_t n_head) {
  const int64_t n_head_kv = x->ne[2];
  if (n_head_kv == n_head) return x;
  const int64_t a = x->ne[0], b = x->ne[1], n_seq = x->ne[3];
  ggml_tensor* flat = ggml_reshape_4d(ctx, x, a * b, 1, n_head_kv, n_seq);
  ggml_tensor* tiled = ggml_repeat_4d(ctx, flat, a * b, n_head / n_head_kv, n_head_kv, n_seq);
  return ggml_reshape_4d(ctx, tiled, a, b, n_head, n_seq);
}

ggml_tensor* rope(ggml_context* ctx, ggml_tensor* x, ggml_tensor* positions, const HyperParams& hp) {
  return ggml_rope_ext(ctx, x, positions, nullptr, static_cast<int>(hp.n_rot), kRopeModeNormal,
                       static_cast<int>(hp.n_ctx), hp.rope_freq_base, /*freq_scale=*/1.0f, /*ext_factor=*/0.0f,
                       /*attn_factor=*/1.0f, /*beta_fast=*/32.0f, /*beta_slow=*/1.0f);
}

ggml_tensor* attention(ggml_context* ctx, ggml_tensor* cur, const LayerWeights& w, const HyperParams& hp,
                       const BatchInputs& in) {
  const int64_t n_tokens = in.seq_len * in.n_seq;
  const int64_t hd = hp.head_dim();
  ggml_tensor* q = ggml_reshape_3d(ctx, ggml_mul_mat(ctx, w.wq, cur), hd, hp.n_head, n_tokens);
  ggml_tensor* k = ggml_reshape_3d(ctx, ggml_mul_mat(ctx, w.wk, cur), hd, hp.n_head_kv, n_tokens);
  ggml_tensor* v = ggml_reshape_3d(ctx, ggml_mul_mat(ctx, w.wv, cur), hd, hp.n_head_kv, n_tokens);
  q = heads_first(ctx, rope(ctx, q, in.positions, hp), in);                                   // [hd, S, nh, B]
  k = repeat_kv_heads(ctx, heads_first(ctx, rope(ctx, k, in.positions, hp), in), hp.n_head);  // [hd, S, nh, B]
  ggml_tensor* v4 = ggml_reshape_4d(ctx, v, hd, hp.n_head_kv, in.seq_len, in.n_seq);
  ggml_tensor* vt =
      repeat_kv_heads(ctx, ggml_cont(ctx, ggml_permute(ctx, v4, 1, 2, 0, 3)), hp.n_head);  // [S, hd, nh, B]

  ggml_tensor* scores = ggml_mul_mat(ctx, k, q);  // [S_k, S_q, nh, B]
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  ggml_tensor* probs = ggml_soft_max_ext(ctx, scores, in.attention_mask, scale, 0.0f);
  ggml_tensor* mixed = ggml_mul_mat(ctx, vt, probs);             // [hd, S_q, nh, B]
  mixed = ggml_cont(ctx, ggml_permute(ctx, mixed, 0, 2, 1, 3));  // [hd, nh, S_q, B]
  return ggml_mul_mat(ctx, w.wo, ggml_reshape_2d(ctx, mixed, hp.n_embd, n_tokens));
}

ggml_tensor* feed_forward(ggml_context* ctx, ggml_tensor* cur, const LayerWeights& w) {
  ggml_tensor* gate = ggml_mul_mat(ctx, w.ffn_gate, cur);
  ggml_tensor* up = ggml_mul_mat(ctx, w.ffn_up, cur);
  return ggml_mul_mat(ctx, w.ffn_down, ggml_swiglu_split(ctx, gate, up));
}

}  // namespace

WeightTensors::WeightTensors(const Model& model) : ctx_(nullptr) {
  const auto& tensors = model.tensors();
  size_t bytes = ggml_tensor_overhead() * (tensors.size() + 1);
  for (const auto& t : tensors) bytes += static_cast<size_t>(t.elements()) * sizeof(float) + 64;
  ctx_ = ggml_init({bytes, nullptr, /*no_alloc=*/false});
  if (ctx_ == nullptr) throw Error("cannot allocate the model weights");
  for (const auto& t : tensors) {
    ggml_tensor* gt = ggml_new_tensor_4d(ctx_, GGML_TYPE_F32, t.ne[0], t.ne[1], t.ne[2], t.ne[3]);
    ggml_set_name(gt, t.name.c_str());
    std::memcpy(gt->data, t.data.data(), t.data.size() * sizeof(float));
    parameters_.push_back(gt);
  }
  auto get = [this](const std::string& name) {
    ggml_tensor* t = ggml_get_tensor(ctx_, name.c_str());
    if (t == nullptr) throw Error(fmt::format("model has no tensor {}", name));
    return t;
  };
  weights_.token_embd = get("token_embd.weight");
  weights_.output_norm = get("output_norm.weight");
  weights_.output = model.output_tied() ? weights_.token_embd : get("output.weight");
  for (int64_t il = 0; il < model.hparams().n_layer; ++il) {
    const auto n = layer_tensor_names(il);
    weights_.layers.push_back({get(n.attn_norm), get(n.wq), get(n.wk), get(n.wv), get(n.wo), get(n.ffn_norm),
                               get(n.ffn_gate), get(n.ffn_up), get(n.ffn_down)});
  }
}

WeightTensors::~WeightTensors() { ggml_free(ctx_); }

void WeightTensors::copy_to(Model& model) const {
  auto& tensors = model.tensors();
  for (size_t i = 0; i < tensors.size(); ++i) {
    std::memcpy(tensors[i].data.data(), parameters_[i]->data, tensors[i].data.size() * sizeof(float));
  }
}

BatchInputs add_batch_inputs(ggml_context* ctx, int64_t seq_len, int64_t n_seq) {
  BatchInputs in;
  in.seq_len = seq_len;
  in.n_seq = n_seq;
  in.tokens = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, seq_len * n_seq);
  in.positions = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, seq_len * n_seq);
  in.attention_mask = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, seq_len, seq_len, 1, n_seq);
  for (ggml_tensor* t : {in.tokens, in.positions, in.attention_mask}) ggml_set_input(t);
  return in;
}

void set_batch_inputs(const BatchInputs& in, const std::vector<Example>& sequences, int32_t pad_token) {
  if (static_cast<int64_t>(sequences.size()) != in.n_seq) throw Error("batch has the wrong number of sequences");
  const auto len = static_cast<size_t>(in.seq_len);
  const auto n = len * sequences.size();
  std::vector<int32_t> tokens(n, pad_token), positions(n);
  std::vector<float> mask(len * len * sequences.size(), -std::numeric_limits<float>::infinity());
  for (size_t s = 0; s < sequences.size(); ++s) {
    const Example& ex = sequences[s];
    if (ex.tokens.size() > len) throw Error("sequence longer than the batch length");
    check_layout(ex);
    float* seq_mask = mask.data() + s * len * len;
    for (size_t t = 0; t < len; ++t) {
      const size_t row = s * len + t;
      const bool real = t < ex.tokens.size();
      if (real) tokens[row] = ex.tokens[t];
      positions[row] = real ? position_of(ex, t) : static_cast<int32_t>(t);
      // Padding rows see the causal past only: they are never read, but a row must see something.
      for (size_t k = 0; k <= t; ++k) {
        if (!real || attends(ex, t, k)) seq_mask[t * len + k] = 0.0f;
      }
    }
  }
  ggml_backend_tensor_set(in.tokens, tokens.data(), 0, n * sizeof(int32_t));
  ggml_backend_tensor_set(in.positions, positions.data(), 0, n * sizeof(int32_t));
  ggml_backend_tensor_set(in.attention_mask, mask.data(), 0, mask.size() * sizeof(float));
}

ggml_tensor* build_logits(ggml_context* ctx, const ModelWeights& w, const HyperParams& hp, const BatchInputs& in,
                          ggml_tensor* rows) {
  ggml_tensor* x = ggml_get_rows(ctx, w.token_embd, in.tokens);  // [n_embd, n_tokens]
  for (const auto& layer : w.layers) {
    x = ggml_add(ctx, x, attention(ctx, rms_norm(ctx, x, layer.attn_norm, hp.rms_eps), layer, hp, in));
    x = ggml_add(ctx, x, feed_forward(ctx, rms_norm(ctx, x, layer.ffn_norm, hp.rms_eps), layer));
  }
  if (rows != nullptr) x = ggml_get_rows(ctx, x, rows);
  return ggml_mul_mat(ctx, w.output, rms_norm(ctx, x, w.output_norm, hp.rms_eps));
}

size_t graph_size_for(const HyperParams& hparams) { return 4096 + static_cast<size_t>(hparams.n_layer) * 1024; }

void check_token_ids(const std::vector<int32_t>& tokens, int64_t n_vocab) {
  for (int32_t t : tokens) {
    if (t < 0 || t >= n_vocab) throw Error(fmt::format("token id {} is outside the vocabulary of {}", t, n_vocab));
  }
}

std::vector<float> compute_logits(const Model& model, const std::vector<int32_t>& tokens, int n_threads) {
  if (tokens.empty()) return {};
  return compute_batch_logits(model, {tokens}, n_threads);
}

std::vector<float> compute_batch_logits(const Model& model, const std::vector<std::vector<int32_t>>& sequences,
                                        int n_threads) {
  size_t max_len = 0;
  for (const auto& s : sequences) {
    check_token_ids(s, model.hparams().n_vocab);
    max_len = std::max(max_len, s.size());
  }
  if (max_len == 0) return {};
  WeightTensors weights(model);
  const size_t graph_size = graph_size_for(model.hparams());
  std::unique_ptr<ggml_context, decltype(&ggml_free)> ctx(new_graph_context(graph_size, false), ggml_free);
  BatchInputs in = add_batch_inputs(ctx.get(), static_cast<int64_t>(max_len), static_cast<int64_t>(sequences.size()));
  ggml_tensor* logits = build_logits(ctx.get(), weights.weights(), model.hparams(), in);
  ggml_set_output(logits);
  ggml_cgraph* graph = ggml_new_graph_custom(ctx.get(), graph_size, false);
  ggml_build_forward_expand(graph, logits);
  CpuCompute compute(n_threads);
  compute.allocate(graph);
  std::vector<Example> examples;
  for (const auto& tokens : sequences) examples.push_back({tokens, {}, {}, {}, {}});
  set_batch_inputs(in, examples, 0);
  compute.compute(graph);
  std::vector<float> out(static_cast<size_t>(ggml_nelements(logits)));
  ggml_backend_tensor_get(logits, out.data(), 0, out.size() * sizeof(float));
  return out;
}

}  // namespace lethe::train
