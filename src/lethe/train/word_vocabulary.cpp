#include "lethe/train/word_vocabulary.hpp"

#include <fmt/format.h>
#include <gguf.h>

#include <memory>
#include <set>

#include "lethe/train/model_init.hpp"

namespace lethe::train {
namespace {

constexpr const char* kSpace = "\xE2\x96\x81";  // "▁", SentencePiece's space

// llama.cpp's token types.
constexpr int32_t kNormal = 1;
constexpr int32_t kUnknown = 2;
constexpr int32_t kControl = 3;
constexpr int32_t kByte = 6;

int32_t token_type(std::size_t index) {
  if (index == 0) return kUnknown;
  if (index < 3) return kControl;
  if (index < 3 + 256) return kByte;
  return kNormal;
}

}  // namespace

std::vector<std::string> word_vocabulary_tokens(const std::vector<std::string>& words) {
  std::vector<std::string> tokens{"<unk>", "<s>", "</s>"};
  for (int byte = 0; byte < 256; ++byte) tokens.push_back(fmt::format("<0x{:02X}>", byte));
  std::set<std::string> seen;
  const auto add = [&](std::string token) {
    if (seen.insert(token).second) tokens.push_back(std::move(token));
  };
  add(kSpace);
  for (char c = '!'; c <= '~'; ++c) add(std::string(1, c));
  for (const auto& word : words) {
    if (word.empty()) throw Error("a vocabulary word is empty");
    for (const char c : word) {
      if (c <= ' ' || c > '~') throw Error(fmt::format("vocabulary word '{}' is not printable ASCII without spaces", word));
    }
    for (std::size_t length = 1; length <= word.size(); ++length) add(kSpace + word.substr(0, length));
  }
  return tokens;
}

void write_word_vocabulary(const std::string& path, const std::vector<std::string>& words) {
  const auto tokens = word_vocabulary_tokens(words);
  std::vector<const char*> texts;
  std::vector<float> scores;
  std::vector<int32_t> types;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    texts.push_back(tokens[i].c_str());
    scores.push_back(-static_cast<float>(i));
    types.push_back(token_type(i));
  }
  std::shared_ptr<gguf_context> metadata(gguf_init_empty(), gguf_free);
  auto* m = metadata.get();
  gguf_set_val_str(m, "general.architecture", "llama");
  gguf_set_val_str(m, "general.name", "lethe word vocabulary");
  gguf_set_val_str(m, "tokenizer.ggml.model", "llama");
  gguf_set_arr_str(m, "tokenizer.ggml.tokens", texts.data(), static_cast<int>(texts.size()));
  gguf_set_arr_data(m, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, scores.data(), scores.size());
  gguf_set_arr_data(m, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, types.data(), types.size());
  gguf_set_val_u32(m, "tokenizer.ggml.unknown_token_id", 0);
  gguf_set_val_u32(m, "tokenizer.ggml.bos_token_id", 1);
  gguf_set_val_u32(m, "tokenizer.ggml.eos_token_id", 2);

  ModelConfig tiny;
  tiny.n_layer = 1;
  tiny.n_embd = 8;
  tiny.n_head = 1;
  tiny.n_head_kv = 1;
  tiny.n_ctx = 64;
  auto model = random_model(tiny, static_cast<int64_t>(tokens.size()));
  Model(model.hparams(), std::move(model.tensors()), std::move(metadata)).save(path);
}

}  // namespace lethe::train
