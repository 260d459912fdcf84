// In-process llama.cpp backend (spec "gguf:PATH").
//
// One model, one context holding `Options::parallel` sequences. Each sequence keeps the tokens it last
// evaluated; a new request goes to the sequence sharing the longest token prefix with its prompt and only the
// rest is evaluated (a growing agent conversation costs only its new turn). complete_batch() decodes several
// requests together in one batch. Single-choice calls get exact probabilities from the logits (ChoiceScorer).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lethe/llm/factory.hpp"
#include "lethe/llm/llm.hpp"

namespace lethe::llm {

class LlamaBackend : public Llm {
 public:
  // Throws llm::Error when the file is missing or not a loadable GGUF, or the chat template is unknown.
  LlamaBackend(const std::string& model_path, const Options& options);
  ~LlamaBackend() override;

  std::string describe() const override;
  std::string identity() const override;

  // The prompt text a request's messages become under the chat template, and its tokens.
  std::string format_prompt(const std::vector<Message>& messages) const;
  std::vector<std::int32_t> tokenize(const std::string& text, bool add_special) const;
  int context_per_sequence() const;
  int vocabulary_size() const;

 protected:
  ChatResponse do_complete(const ChatRequest& request) override;
  std::vector<ChatResponse> do_complete_batch(const std::vector<ChatRequest>& requests) override;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lethe::llm
