// New, randomly initialised llama models.
#pragma once

#include <cstdint>
#include <string>

#include "lethe/train/gguf_model.hpp"

namespace lethe::train {

struct ModelConfig {
  int64_t n_layer = 2;
  int64_t n_embd = 64;
  int64_t n_head = 4;
  int64_t n_head_kv = 4;
  int64_t n_ff = 0;  // 0: about 8/3 n_embd, rounded up to a multiple of 32 (the llama recipe)
  int64_t n_ctx = 256;
  float rope_freq_base = 10000.0f;
  float rms_eps = 1e-5f;
  // 0: each tensor by its role (init_scale); > 0: every matrix ~ N(0, init_std), as models before the roles were.
  float init_std = 0.0f;
  uint64_t seed = 1;
};

// Throws Error unless the shape is one a llama graph can have (positive sizes, even head size, whole groups).
void validate_model_config(const ModelConfig& config);

// The standard deviation of a fresh tensor's weights by its role, for matrices of `fan_in` inputs: the embedding
// N(0, 1) and every projection N(0, 1/(3 fan_in)), the spread of PyTorch's defaults (nn.Embedding, nn.Linear).
// Under N(0, 0.02) everywhere a narrow model learns to look things up in its prompt far more slowly: 26% against 98%
// held out on tests/train/recall_learning_test.cpp's task. Putting one group back at 0.02 shows which roles matter
// most: the embedding (57-80%, two seeds), then the queries and keys (72-85%); the feed-forward least (89-96%).
// Norm weights start at 1 and take no scale.
float init_scale(const std::string& tensor_name, int64_t fan_in);

// Weights by role (or ~ N(0, init_std) when set), norms = 1; no metadata (cannot be tokenized or loaded by
// llama.cpp on its own).
Model random_model(const ModelConfig& config, int64_t n_vocab);

// A random model carrying the vocabulary and tokenizer metadata of `vocab_gguf` (any GGUF with tokenizer.ggml.*).
Model init_model(const ModelConfig& config, const std::string& vocab_gguf);

}  // namespace lethe::train
