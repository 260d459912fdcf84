// The llama forward pass as a ggml graph, over a batch of equally long (right-padded) token sequences.
#pragma once

#include <cstdint>
#include <vector>

#include "lethe/train/example.hpp"
#include "lethe/train/gguf_model.hpp"

struct ggml_context;
struct ggml_tensor;

namespace lethe::train {

struct LayerWeights {
  ggml_tensor* attn_norm = nullptr;
  ggml_tensor* wq = nullptr;
  ggml_tensor* wk = nullptr;
  ggml_tensor* wv = nullptr;
  ggml_tensor* wo = nullptr;
  ggml_tensor* ffn_norm = nullptr;
  ggml_tensor* ffn_gate = nullptr;
  ggml_tensor* ffn_up = nullptr;
  ggml_tensor* ffn_down = nullptr;
};

struct ModelWeights {
  ggml_tensor* token_embd = nullptr;
  ggml_tensor* output_norm = nullptr;
  ggml_tensor* output = nullptr;  // == token_embd when tied
  std::vector<LayerWeights> layers;
};

// A model's weights as F32 ggml tensors in host memory owned by this object (the trainable parameters).
class WeightTensors {
 public:
  explicit WeightTensors(const Model& model);
  ~WeightTensors();
  WeightTensors(const WeightTensors&) = delete;
  WeightTensors& operator=(const WeightTensors&) = delete;

  const ModelWeights& weights() const { return weights_; }
  // One ggml tensor per Model tensor, in Model::tensors() order.
  const std::vector<ggml_tensor*>& parameters() const { return parameters_; }
  void copy_to(Model& model) const;

 private:
  ggml_context* ctx_;
  ModelWeights weights_;
  std::vector<ggml_tensor*> parameters_;
};

// Graph inputs for n_seq sequences of seq_len tokens each (token t of sequence s is row s*seq_len + t).
struct BatchInputs {
  ggml_tensor* tokens = nullptr;          // I32 [seq_len * n_seq]
  ggml_tensor* positions = nullptr;       // I32 [seq_len * n_seq]
  ggml_tensor* attention_mask = nullptr;  // F32 [seq_len, seq_len, 1, n_seq]: 0 where a query sees a key, else -inf
  int64_t seq_len = 0;
  int64_t n_seq = 0;
};

BatchInputs add_batch_inputs(ggml_context* ctx, int64_t seq_len, int64_t n_seq);
// Call after the graph is allocated. Sequences shorter than seq_len are padded with `pad_token`; each example's
// layout (example.hpp) gives its positions and mask, plain causal when it has none.
void set_batch_inputs(const BatchInputs& inputs, const std::vector<Example>& sequences, int32_t pad_token);

// Logits F32 [n_vocab, seq_len * n_seq], or [n_vocab, n] for only the token rows listed in `rows` (I32 [n]).
ggml_tensor* build_logits(ggml_context* ctx, const ModelWeights& weights, const HyperParams& hparams,
                          const BatchInputs& inputs, ggml_tensor* rows = nullptr);

// Graph size (nodes) that comfortably holds a forward + backward pass of a model with this many layers.
size_t graph_size_for(const HyperParams& hparams);

// Logits of every token of one sequence, row-major [n_tokens][n_vocab].
std::vector<float> compute_logits(const Model& model, const std::vector<int32_t>& tokens, int n_threads = 2);

// Logits for sequences right-padded to the longest: row-major [n_seq][max_len][n_vocab].
std::vector<float> compute_batch_logits(const Model& model, const std::vector<std::vector<int32_t>>& sequences,
                                        int n_threads = 2);

// Throws Error naming the first token id outside [0, n_vocab).
void check_token_ids(const std::vector<int32_t>& tokens, int64_t n_vocab);

}  // namespace lethe::train
