// llama.cpp's own inference, as the reference the trainer's forward pass must reproduce.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "llama.h"

namespace lethe::train {

inline void quiet_llama() {
  llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
}

// llama.cpp's own inference logits for every token of `tokens`, with an F32 KV cache and no flash attention.
inline std::vector<float> llama_cpp_logits(const std::string& path, const std::vector<int32_t>& tokens) {
  quiet_llama();
  llama_backend_init();
  auto mparams = llama_model_default_params();
  std::unique_ptr<llama_model, decltype(&llama_model_free)> model(llama_model_load_from_file(path.c_str(), mparams),
                                                                  llama_model_free);
  if (!model) throw std::runtime_error("llama.cpp cannot load " + path);
  auto cparams = llama_context_default_params();
  cparams.n_ctx = 256;
  cparams.n_batch = 256;
  cparams.n_ubatch = 256;
  cparams.n_threads = 2;
  cparams.n_threads_batch = 2;
  cparams.type_k = GGML_TYPE_F32;
  cparams.type_v = GGML_TYPE_F32;
  cparams.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
  std::unique_ptr<llama_context, decltype(&llama_free)> ctx(llama_init_from_model(model.get(), cparams), llama_free);
  if (!ctx) throw std::runtime_error("llama.cpp cannot create a context");

  llama_batch batch = llama_batch_init(static_cast<int32_t>(tokens.size()), 0, 1);
  for (size_t i = 0; i < tokens.size(); ++i) {
    batch.token[i] = tokens[i];
    batch.pos[i] = static_cast<llama_pos>(i);
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = 0;
    batch.logits[i] = 1;
  }
  batch.n_tokens = static_cast<int32_t>(tokens.size());
  const int rc = llama_decode(ctx.get(), batch);
  llama_batch_free(batch);
  if (rc != 0) throw std::runtime_error("llama_decode failed");
  const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model.get()));
  std::vector<float> out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const float* row = llama_get_logits_ith(ctx.get(), static_cast<int32_t>(i));
    out.insert(out.end(), row, row + n_vocab);
  }
  return out;
}

inline float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float worst = 0.0f;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return a.size() == b.size() ? worst : INFINITY;
}

}  // namespace lethe::train
