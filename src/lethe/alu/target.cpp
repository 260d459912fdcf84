#include "lethe/alu/target.hpp"

#include <utf8proc.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include "lethe/alu/error.hpp"
#include "lethe/alu/text_normalizer.hpp"

namespace lethe::alu {
namespace {

bool valid_utf8(std::string_view s) {
  auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  auto remaining = static_cast<utf8proc_ssize_t>(s.size());
  while (remaining > 0) {
    utf8proc_int32_t cp = 0;
    auto n = utf8proc_iterate(p, remaining, &cp);
    if (n <= 0) return false;
    p += n;
    remaining -= n;
  }
  return true;
}

void validate_name(std::string_view what, const std::string& value) {
  if (value.empty()) throw Error(std::string(what) + " is empty");
  if (!valid_utf8(value)) throw Error(std::string(what) + " is not valid UTF-8");
  if (normalize(value).tokens.empty()) {
    throw Error(std::string(what) + " \"" + value + "\" has no letter or digit to match");
  }
}

std::string_view trim(std::string_view s) {
  const char* blanks = " \t\r\n\f\v";
  auto first = s.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  auto last = s.find_last_not_of(blanks);
  return s.substr(first, last - first + 1);
}

std::string read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error("targets file " + path.string() + " is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open targets file " + path.string());
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throw Error("cannot read targets file " + path.string());
  return content.str();
}

class DuplicateCheck {
 public:
  // Returns the location where `id` was first seen, or an empty string when it is new.
  std::string see(const std::string& id, const std::string& location) {
    auto [it, inserted] = first_seen_.emplace(id, location);
    return inserted ? std::string() : it->second;
  }

 private:
  std::unordered_map<std::string, std::string> first_seen_;
};

std::vector<Target> parse_text(const std::string& content, const std::string& file) {
  std::vector<Target> targets;
  DuplicateCheck duplicates;
  std::istringstream lines(content);
  std::string line;
  std::size_t number = 0;
  while (std::getline(lines, line)) {
    ++number;
    auto where = file + ":" + std::to_string(number);
    auto body = trim(line);
    if (body.empty() || body.front() == '#') continue;
    Target target;
    std::size_t start = 0;
    bool first = true;
    while (true) {
      auto bar = body.find('|', start);
      auto piece = std::string(trim(body.substr(start, bar == std::string_view::npos ? bar : bar - start)));
      if (first) {
        target.name = piece;
        first = false;
      } else {
        target.aliases.push_back(piece);
      }
      if (bar == std::string_view::npos) break;
      start = bar + 1;
    }
    target.id = target.name;
    try {
      validate_target(target);
    } catch (const Error& e) {
      throw Error(where + ": " + e.what());
    }
    if (auto previous = duplicates.see(target.id, where); !previous.empty()) {
      throw Error(where + ": duplicate target \"" + target.id + "\" (first at " + previous + ")");
    }
    targets.push_back(std::move(target));
  }
  return targets;
}

std::string element_location(const std::string& file, std::size_t index) {
  return file + ": element " + std::to_string(index);
}

std::string string_field(const nlohmann::json& object, const char* field, const std::string& where) {
  const auto& value = object.at(field);
  if (!value.is_string()) throw Error(where + ": field \"" + field + "\" must be a string");
  return value.get<std::string>();
}

Target parse_element(const nlohmann::json& element, const std::string& where) {
  Target target;
  if (element.is_string()) {
    target.name = element.get<std::string>();
    target.id = target.name;
    return target;
  }
  if (!element.is_object()) {
    throw Error(where + ": expected a name string or an object with a \"name\" field, got " +
                std::string(element.type_name()));
  }
  for (const auto& [key, value] : element.items()) {
    if (key != "id" && key != "name" && key != "aliases" && key != "description") {
      throw Error(where + ": unknown field \"" + key + "\" (expected id, name, aliases, description)");
    }
  }
  if (!element.contains("name")) throw Error(where + ": missing field \"name\"");
  target.name = string_field(element, "name", where);
  target.id = element.contains("id") ? string_field(element, "id", where) : target.name;
  if (element.contains("aliases")) {
    const auto& aliases = element.at("aliases");
    if (!aliases.is_array()) throw Error(where + ": field \"aliases\" must be an array of strings");
    for (std::size_t i = 0; i < aliases.size(); ++i) {
      if (!aliases[i].is_string()) {
        throw Error(where + ": field \"aliases\"[" + std::to_string(i) + "] must be a string");
      }
      target.aliases.push_back(aliases[i].get<std::string>());
    }
  }
  if (element.contains("description")) target.description = string_field(element, "description", where);
  return target;
}

std::vector<Target> parse_json(const std::string& content, const std::string& file) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(content);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(file + ": malformed JSON: " + e.what());
  }
  const nlohmann::json* list = &document;
  if (document.is_object()) {
    if (!document.contains("targets")) throw Error(file + ": a JSON object must hold a \"targets\" array");
    list = &document.at("targets");
  }
  if (!list->is_array()) throw Error(file + ": expected a JSON array of targets");

  std::vector<Target> targets;
  DuplicateCheck duplicates;
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto where = element_location(file, i);
    Target target = parse_element((*list)[i], where);
    try {
      validate_target(target);
    } catch (const Error& e) {
      throw Error(where + ": " + e.what());
    }
    if (auto previous = duplicates.see(target.id, where); !previous.empty()) {
      throw Error(where + ": duplicate target id \"" + target.id + "\" (first at " + previous + ")");
    }
    targets.push_back(std::move(target));
  }
  return targets;
}

}  // namespace

void validate_target(const Target& target) {
  validate_name("target name", target.name);
  for (std::size_t i = 0; i < target.aliases.size(); ++i) {
    validate_name("alias " + std::to_string(i + 1) + " of \"" + target.name + "\"", target.aliases[i]);
  }
  if (target.id.empty()) throw Error("target id is empty");
  if (!valid_utf8(target.id)) throw Error("target id is not valid UTF-8");
}

std::vector<Target> load_targets_file(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::string content = read_file(path);
  auto body = trim(content);
  // A UTF-8 byte order mark is not part of the content.
  if (body.starts_with("\xEF\xBB\xBF")) body = trim(body.substr(3));
  std::vector<Target> targets;
  if (!body.empty() && (body.front() == '[' || body.front() == '{')) {
    targets = parse_json(std::string(body), file);
  } else {
    if (content.starts_with("\xEF\xBB\xBF")) content.erase(0, 3);
    targets = parse_text(content, file);
  }
  if (targets.empty()) throw Error(file + ": no targets in the file");
  return targets;
}

}  // namespace lethe::alu
