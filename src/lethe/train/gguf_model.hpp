// A llama-architecture model held in host memory as F32 tensors, loaded from and saved to GGUF.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct gguf_context;

namespace lethe::train {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct HyperParams {
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t n_ff = 0;
  int64_t n_vocab = 0;
  int64_t n_ctx = 0;  // training context length (llama.context_length)
  int64_t n_rot = 0;  // rotary dimensions; n_embd / n_head unless the GGUF says otherwise
  float rope_freq_base = 10000.0f;
  float rms_eps = 1e-5f;

  int64_t head_dim() const { return n_embd / n_head; }
};

// One tensor in ggml layout: ne[0] is the fastest-varying dimension.
struct Tensor {
  std::string name;
  std::array<int64_t, 4> ne{1, 1, 1, 1};
  std::vector<float> data;

  int64_t elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
};

struct LayerTensorNames {
  std::string attn_norm, wq, wk, wv, wo, ffn_norm, ffn_gate, ffn_up, ffn_down;
};
LayerTensorNames layer_tensor_names(int64_t layer);

class Model {
 public:
  // Throws Error when the file is not a GGUF, not llama-architecture, or lacks a tensor (named in the message).
  static Model load(const std::string& path);

  // A model from parts; `metadata` holds the GGUF key/values to write back (tokenizer etc.) and may be null.
  Model(HyperParams hparams, std::vector<Tensor> tensors, std::shared_ptr<gguf_context> metadata);

  // Writes all metadata back (hyper-parameters updated to this model's) and every tensor as F32.
  void save(const std::string& path) const;

  const HyperParams& hparams() const { return hparams_; }
  bool output_tied() const;  // true when the model has no output.weight and reuses token_embd

  Tensor& tensor(const std::string& name);
  const Tensor& tensor(const std::string& name) const;
  std::vector<Tensor>& tensors() { return tensors_; }
  const std::vector<Tensor>& tensors() const { return tensors_; }

  // The GGUF key/values (tokenizer, chat template, ...), without tensors.
  const gguf_context* metadata() const { return metadata_.get(); }

 private:
  HyperParams hparams_;
  std::vector<Tensor> tensors_;
  std::shared_ptr<gguf_context> metadata_;
};

}  // namespace lethe::train
