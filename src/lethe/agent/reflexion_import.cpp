#include "lethe/agent/reflexion_import.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lethe/agent/memory_error.hpp"

namespace lethe::agent {
namespace {

using nlohmann::json;

constexpr const char* kEnvironment = "alfworld";

}  // namespace

std::vector<MemoryEntry> import_reflexion_memory(const std::filesystem::path& path, Timestamp created) {
  const std::string file = "Reflexion memory log '" + path.string() + "'";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw MemoryError(file + ": cannot be read");
  std::ostringstream buffer;
  buffer << in.rdbuf();

  json document;
  try {
    document = json::parse(buffer.str());
  } catch (const json::parse_error& e) {
    throw MemoryError(file + " is not valid JSON (at byte " + std::to_string(e.byte) + "): " + e.what());
  }
  if (!document.is_array()) throw MemoryError(file + ": the top level must be an array of {name, memory, is_success}");

  const std::string stem = path.stem().string();
  std::vector<MemoryEntry> entries;
  for (std::size_t i = 0; i < document.size(); ++i) {
    const json& record = document[i];
    const std::string where = file + ": record " + std::to_string(i);
    if (!record.is_object()) throw MemoryError(where + " must be an object");
    const auto name = record.find("name");
    if (name == record.end() || !name->is_string() || name->get<std::string>().empty()) {
      throw MemoryError(where + ": field 'name' must be a non-empty string");
    }
    const auto memory = record.find("memory");
    if (memory == record.end() || !memory->is_array()) throw MemoryError(where + ": field 'memory' must be an array");
    const auto success = record.find("is_success");
    if (success == record.end() || !success->is_boolean()) {
      throw MemoryError(where + ": field 'is_success' must be true or false");
    }
    for (std::size_t trial = 0; trial < memory->size(); ++trial) {
      const json& reflection = (*memory)[trial];
      if (!reflection.is_string()) {
        throw MemoryError(where + ": field 'memory[" + std::to_string(trial) + "]' must be a string");
      }
      MemoryEntry entry;
      entry.id = "reflexion:" + stem + ":" + name->get<std::string>() + ":" + std::to_string(trial);
      entry.kind = EntryKind::Reflection;
      entry.provenance.environment = kEnvironment;
      entry.provenance.task = name->get<std::string>();
      entry.provenance.episode = static_cast<int>(trial);
      entry.outcome = Outcome{success->get<bool>(), std::nullopt};
      entry.text = reflection.get<std::string>();
      entry.created = created;
      if (entry.text.empty()) continue;  // nothing was reflected
      entries.push_back(std::move(entry));
    }
  }
  return entries;
}

}  // namespace lethe::agent
