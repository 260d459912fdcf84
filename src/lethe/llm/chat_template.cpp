#include "lethe/llm/chat_template.hpp"

#include <llama.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace lethe::llm {

namespace {

constexpr const char* kRaw = "raw";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read chat template file " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// llama.cpp reports an unsupported template as a negative length.
bool llama_accepts(const std::string& text) {
  llama_chat_message probe{"user", "hi"};
  char buffer[256];
  return llama_chat_apply_template(text.c_str(), &probe, 1, true, buffer, sizeof buffer) >= 0;
}

}  // namespace

std::vector<std::string> builtin_chat_templates() {
  std::vector<const char*> names(128);
  const auto n = llama_chat_builtin_templates(names.data(), names.size());
  std::vector<std::string> out{kRaw};
  for (int32_t i = 0; i < n && i < static_cast<int32_t>(names.size()); ++i) out.emplace_back(names[i]);
  return out;
}

ChatTemplate ChatTemplate::resolve(const std::string& requested, const char* model_template) {
  if (requested.empty()) {
    if (model_template == nullptr || *model_template == '\0') return ChatTemplate(kRaw, "");
    if (!llama_accepts(model_template)) {
      throw Error(
          "the model's chat template is not one llama.cpp recognises; pass --chat-template NAME "
          "(see `lethe generate --help`)");
    }
    return ChatTemplate("model", model_template);
  }
  if (requested == kRaw) return ChatTemplate(kRaw, "");

  const auto names = builtin_chat_templates();
  if (std::find(names.begin(), names.end(), requested) != names.end()) return ChatTemplate(requested, requested);

  if (std::filesystem::exists(requested)) {
    std::string text = read_file(requested);
    if (!llama_accepts(text)) {
      throw Error("chat template file " + requested +
                  " is not of a format llama.cpp recognises "
                  "(use a built-in name such as chatml or llama3)");
    }
    return ChatTemplate("file:" + requested, std::move(text));
  }
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  throw Error("unknown chat template '" + requested + "' (not a file; built-in: " + list + ")");
}

std::string ChatTemplate::apply(const std::vector<Message>& messages, bool add_assistant_prefix) const {
  if (name_ == kRaw) {
    std::string out;
    for (std::size_t i = 0; i < messages.size(); ++i) {
      if (i > 0) out += '\n';
      out += messages[i].content;
    }
    return out;
  }
  std::vector<std::string> roles;
  roles.reserve(messages.size());
  for (const auto& m : messages) roles.push_back(to_string(m.role));
  std::vector<llama_chat_message> chat;
  std::size_t total = 0;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    chat.push_back({roles[i].c_str(), messages[i].content.c_str()});
    total += messages[i].content.size();
  }
  std::vector<char> buffer(2 * total + 1024);
  auto n = llama_chat_apply_template(text_.c_str(), chat.data(), chat.size(), add_assistant_prefix, buffer.data(),
                                     static_cast<int32_t>(buffer.size()));
  if (n > static_cast<int32_t>(buffer.size())) {
    buffer.resize(static_cast<std::size_t>(n));
    n = llama_chat_apply_template(text_.c_str(), chat.data(), chat.size(), add_assistant_prefix, buffer.data(),
                                  static_cast<int32_t>(buffer.size()));
  }
  if (n < 0) throw Error("chat template '" + name_ + "' could not format the messages");
  return std::string(buffer.data(), static_cast<std::size_t>(n));
}

}  // namespace lethe::llm
