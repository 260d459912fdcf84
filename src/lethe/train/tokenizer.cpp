#include "lethe/train/tokenizer.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "lethe/llm/llama_runtime.hpp"
#include "lethe/train/gguf_model.hpp"
#include "llama.h"

namespace lethe::train {

Tokenizer::Tokenizer(const std::string& gguf_path) : model_(nullptr) {
  if (!std::filesystem::is_regular_file(gguf_path)) throw Error(fmt::format("{}: no such GGUF file", gguf_path));
  llm::ensure_llama_initialised();  // routes llama.cpp's log away from the terminal
  auto params = llama_model_default_params();
  params.vocab_only = true;
  model_ = llama_model_load_from_file(gguf_path.c_str(), params);
  if (model_ == nullptr) {
    throw Error(fmt::format("{}: llama.cpp cannot load its vocabulary: {}", gguf_path, llm::take_llama_log()));
  }
}

Tokenizer::~Tokenizer() { llama_model_free(model_); }

std::vector<int32_t> Tokenizer::tokenize(const std::string& text, bool add_bos) const {
  const llama_vocab* vocab = llama_model_get_vocab(model_);
  const auto length = static_cast<int32_t>(text.size());
  std::vector<llama_token> tokens(text.size() + 8);
  int32_t n = llama_tokenize(vocab, text.data(), length, tokens.data(), static_cast<int32_t>(tokens.size()), add_bos,
                             /*parse_special=*/true);
  if (n < 0) {
    tokens.resize(static_cast<size_t>(-n));
    n = llama_tokenize(vocab, text.data(), length, tokens.data(), static_cast<int32_t>(tokens.size()), add_bos, true);
  }
  if (n < 0) throw Error("tokenization failed");
  tokens.resize(static_cast<size_t>(n));
  return tokens;
}

int32_t Tokenizer::eos() const { return llama_vocab_eos(llama_model_get_vocab(model_)); }

int64_t Tokenizer::n_vocab() const { return llama_vocab_n_tokens(llama_model_get_vocab(model_)); }

}  // namespace lethe::train
