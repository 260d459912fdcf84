// Does llama.cpp's own grammar engine accept a text? llama.cpp checks grammars only inside its grammar sampler,
// so this drives that sampler directly: the text is split into tokens of a real vocabulary (the 32k Llama-2
// fixture, loaded vocab-only), each token is fed to llama_sampler_accept (which throws std::runtime_error when
// the grammar rejects it), and at the end the sampler is asked whether the end-of-sequence token is allowed
// (llama_sampler_apply leaves its logit finite only when the grammar can stop there).
#pragma once

#include <llama.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "lethe_test/paths.hpp"

namespace lethe::test {

// How a text becomes tokens. Tokenizer: the vocabulary's own tokenization (multi-character tokens that cross
// grammar boundaries, as a model would emit them). Bytes: one byte token per byte (every character boundary,
// and multi-byte UTF-8 characters split across tokens).
enum class Split { Tokenizer, Bytes };

// One grammar being followed token by token.
class GrammarSession {
 public:
  // Throws std::runtime_error when llama.cpp does not parse the grammar.
  GrammarSession(const llama_vocab* vocab, const std::string& grammar)
      : vocab_(vocab), sampler_(llama_sampler_init_grammar(vocab, grammar.c_str(), "root"), &llama_sampler_free) {
    if (!sampler_) throw std::runtime_error("llama.cpp does not parse the grammar:\n" + grammar);
  }

  // False when the grammar rejects the token; the session is then dead and accepts nothing more.
  bool accept(llama_token token) {
    if (dead_) return false;
    try {
      llama_sampler_accept(sampler_.get(), token);
      return true;
    } catch (const std::exception&) {
      dead_ = true;
      return false;
    }
  }

  // Those of `candidates` the grammar allows next (end-of-generation tokens included when it may stop here).
  std::vector<llama_token> allowed(const std::vector<llama_token>& candidates) {
    if (dead_) return {};
    std::vector<llama_token_data> data;
    data.reserve(candidates.size());
    for (llama_token token : candidates) data.push_back({token, 0.0f, 0.0f});
    llama_token_data_array array{data.data(), data.size(), -1, false};
    llama_sampler_apply(sampler_.get(), &array);
    std::vector<llama_token> result;
    for (std::size_t i = 0; i < array.size; ++i) {
      if (std::isfinite(array.data[i].logit)) result.push_back(array.data[i].id);
    }
    return result;
  }

  bool can_end() { return !allowed({llama_vocab_eos(vocab_)}).empty(); }

 private:
  const llama_vocab* vocab_;
  std::unique_ptr<llama_sampler, decltype(&llama_sampler_free)> sampler_;
  bool dead_ = false;
};

class GrammarChecker {
 public:
  explicit GrammarChecker(const std::string& model_path) {
    llama_backend_init();
    llama_model_params params = llama_model_default_params();
    params.vocab_only = true;
    model_ = llama_model_load_from_file(model_path.c_str(), params);
    if (model_ == nullptr) throw std::runtime_error("cannot load the vocabulary of " + model_path);
    vocab_ = llama_model_get_vocab(model_);
    const llama_token count = llama_vocab_n_tokens(vocab_);
    for (llama_token token = 0; token < count; ++token) {
      const auto attr = llama_vocab_get_attr(vocab_, token);
      const bool normal = (attr & LLAMA_TOKEN_ATTR_NORMAL) != 0;
      if (!normal && (attr & LLAMA_TOKEN_ATTR_BYTE) == 0) continue;
      const std::string text = piece(token);
      if (text.empty()) continue;
      auto [it, inserted] = by_piece_.emplace(text, token);
      if (!inserted && normal) it->second = token;  // prefer the ordinary token over the byte fallback
      longest_piece_ = std::max(longest_piece_, text.size());
    }
  }
  ~GrammarChecker() { llama_model_free(model_); }
  GrammarChecker(const GrammarChecker&) = delete;
  GrammarChecker& operator=(const GrammarChecker&) = delete;

  const llama_vocab* vocab() const { return vocab_; }

  bool parses(const std::string& grammar) const {
    llama_sampler* sampler = llama_sampler_init_grammar(vocab_, grammar.c_str(), "root");
    llama_sampler_free(sampler);
    return sampler != nullptr;
  }

  GrammarSession session(const std::string& grammar) const { return GrammarSession(vocab_, grammar); }

  // The text exactly as tokens whose pieces concatenate to it (the tokenizer's leading space removed).
  std::vector<llama_token> tokens(const std::string& text, Split split) const {
    if (split == Split::Bytes) {
      std::vector<llama_token> result;
      for (char c : text) result.push_back(token_of_piece(std::string(1, c)));
      return result;
    }
    std::vector<llama_token> raw(text.size() + 8);
    int n = llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), raw.data(),
                           static_cast<int32_t>(raw.size()), false, false);
    if (n < 0) throw std::runtime_error("tokenization overflow");
    raw.resize(static_cast<std::size_t>(n));
    std::string joined;
    for (llama_token t : raw) joined += piece(t);
    if (joined == text) return raw;
    // SentencePiece prefixes the text with a space; re-split the first piece without it.
    if (raw.empty() || joined != " " + text) throw std::runtime_error("tokens do not spell the text: \"" + text + "\"");
    std::vector<llama_token> result = greedy(piece(raw.front()).substr(1));
    result.insert(result.end(), raw.begin() + 1, raw.end());
    return result;
  }

  // std::nullopt when the grammar takes the whole text and may end right after it; otherwise why not.
  std::optional<std::string> check(const std::string& grammar, const std::string& text,
                                   Split split = Split::Tokenizer) const {
    GrammarSession walk = session(grammar);
    std::size_t offset = 0;
    for (llama_token token : tokens(text, split)) {
      const std::string p = piece(token);
      if (!walk.accept(token)) {
        return "token \"" + p + "\" at byte " + std::to_string(offset) + " rejected";
      }
      offset += p.size();
    }
    if (!walk.can_end()) return std::string("the grammar cannot end after the whole text");
    return std::nullopt;
  }

  bool accepts(const std::string& grammar, const std::string& text, Split split = Split::Tokenizer) const {
    return !check(grammar, text, split).has_value();
  }

  std::string piece(llama_token token) const {
    char buffer[256];
    const int n = llama_token_to_piece(vocab_, token, buffer, sizeof buffer, 0, true);
    if (n < 0) throw std::runtime_error("token piece too long");
    return std::string(buffer, static_cast<std::size_t>(n));
  }

  // The token whose piece is exactly `text` (every single byte has one).
  llama_token token_of_piece(const std::string& text) const {
    const auto found = by_piece_.find(text);
    if (found == by_piece_.end()) throw std::runtime_error("no token spells \"" + text + "\"");
    return found->second;
  }

 private:
  // Longest-match split into tokens; byte tokens guarantee progress.
  std::vector<llama_token> greedy(const std::string& text) const {
    std::vector<llama_token> result;
    std::size_t at = 0;
    while (at < text.size()) {
      for (std::size_t length = std::min(longest_piece_, text.size() - at); length > 0; --length) {
        const auto found = by_piece_.find(text.substr(at, length));
        if (found != by_piece_.end()) {
          result.push_back(found->second);
          at += length;
          break;
        }
        if (length == 1) throw std::runtime_error("no token for byte at " + std::to_string(at));
      }
    }
    return result;
  }

  llama_model* model_ = nullptr;
  const llama_vocab* vocab_ = nullptr;
  std::map<std::string, llama_token> by_piece_;
  std::size_t longest_piece_ = 1;
};

// The 32k-vocabulary fixture, loaded once per test executable.
inline const GrammarChecker& tiny_vocab_grammar_checker() {
  static const GrammarChecker checker(tiny_random_model());
  return checker;
}

}  // namespace lethe::test
