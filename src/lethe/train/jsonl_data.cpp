#include "lethe/train/jsonl_data.hpp"

#include <fmt/format.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "lethe/train/gguf_model.hpp"

namespace lethe::train {
namespace {

void for_each_object(const std::string& path, const std::function<void(const nlohmann::json&, size_t line)>& visit) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot open", path));
  std::string text;
  size_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json object;
    try {
      object = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw Error(fmt::format("{}:{}: invalid JSON ({})", path, line, e.what()));
    }
    if (!object.is_object()) throw Error(fmt::format("{}:{}: expected a JSON object", path, line));
    visit(object, line);
  }
}

std::string string_field(const nlohmann::json& object, const char* name, const std::string& path, size_t line) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    throw Error(fmt::format("{}:{}: missing string field \"{}\"", path, line, name));
  }
  return it->get<std::string>();
}

}  // namespace

std::vector<SftRecord> read_sft_jsonl(const std::string& path) {
  std::vector<SftRecord> records;
  for_each_object(path, [&](const nlohmann::json& o, size_t line) {
    records.push_back({string_field(o, "prompt", path, line), string_field(o, "completion", path, line)});
  });
  return records;
}

std::vector<DpoRecord> read_dpo_jsonl(const std::string& path) {
  std::vector<DpoRecord> records;
  for_each_object(path, [&](const nlohmann::json& o, size_t line) {
    records.push_back({string_field(o, "prompt", path, line), string_field(o, "chosen", path, line),
                       string_field(o, "rejected", path, line)});
  });
  return records;
}

}  // namespace lethe::train
