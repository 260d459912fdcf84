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
  float init_std = 0.02f;
  uint64_t seed = 1;
};

// Throws Error unless the shape is one a llama graph can have (positive sizes, even head size, whole groups).
void validate_model_config(const ModelConfig& config);

// Weights ~ N(0, init_std), norms = 1; no metadata (cannot be tokenized or loaded by llama.cpp on its own).
Model random_model(const ModelConfig& config, int64_t n_vocab);

// A random model carrying the vocabulary and tokenizer metadata of `vocab_gguf` (any GGUF with tokenizer.ggml.*).
Model init_model(const ModelConfig& config, const std::string& vocab_gguf);

}  // namespace lethe::train
