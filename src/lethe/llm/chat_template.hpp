// Turns chat messages into the prompt text a model was trained on.
#pragma once

#include <string>
#include <vector>

#include "lethe/llm/llm.hpp"

namespace lethe::llm {

class ChatTemplate {
 public:
  // The template to use, from what the user asked for and what the model file carries:
  //   requested = ""      → the model's own template; "raw" when it has none (base models such as the fixtures)
  //   requested = "raw"   → message contents joined by newlines, no markup: for base models
  //   requested = a name  → one of llama.cpp's built-in formats (chatml, llama3, llama2, zephyr, mistral-v7, ...)
  //   requested = a path  → a Jinja template file; llama.cpp recognises its format by its markers (it does not run
  //                         Jinja), so only templates of a known family are accepted.
  // Throws llm::Error when the name is unknown or the file missing/unrecognised.
  static ChatTemplate resolve(const std::string& requested, const char* model_template);

  std::string apply(const std::vector<Message>& messages, bool add_assistant_prefix = true) const;
  const std::string& name() const { return name_; }

 private:
  ChatTemplate(std::string name, std::string text) : name_(std::move(name)), text_(std::move(text)) {}
  std::string name_;  // for describe(): "raw", "chatml", "model", "file:/path"
  std::string text_;  // what llama_chat_apply_template receives (a built-in name or template source)
};

// llama.cpp's built-in template names, plus "raw".
std::vector<std::string> builtin_chat_templates();

}  // namespace lethe::llm
