// llama.cpp's tokenizer for the vocabulary stored in a GGUF (loaded vocabulary-only, no weights).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct llama_model;

namespace lethe::train {

class Tokenizer {
 public:
  explicit Tokenizer(const std::string& gguf_path);  // throws Error
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // With add_bos, the vocabulary's start token (if it uses one) is prepended. Special-token text is parsed.
  std::vector<int32_t> tokenize(const std::string& text, bool add_bos) const;
  int32_t eos() const;
  int64_t n_vocab() const;

 private:
  llama_model* model_;
};

}  // namespace lethe::train
