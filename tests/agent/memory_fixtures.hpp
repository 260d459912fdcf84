// Small builders of memory entries for the agent tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lethe/agent/memory_entry.hpp"
#include "lethe/env/state_id.hpp"

namespace lethe::agent::test {

inline env::StateId cell(const std::string& environment, int x, int y) {
  return env::StateId{environment, "(" + std::to_string(x) + "," + std::to_string(y) + ")"};
}

inline Timestamp fixed_time() { return parse_iso8601("2025-03-14T15:09:26.535Z"); }

// A trajectory through `visited`: one step per state but the last, which is where the last action led.
inline MemoryEntry trajectory(const std::string& id, const std::string& environment,
                              const std::vector<env::StateId>& visited, const std::string& note = "") {
  MemoryEntry entry;
  entry.id = id;
  entry.kind = EntryKind::Trajectory;
  entry.provenance = {environment, "collect-treasures", 1, visited};
  for (std::size_t i = 0; i + 1 < visited.size(); ++i) {
    entry.steps.push_back({visited[i], i % 2 == 0 ? "right" : "down", i + 2 == visited.size() ? 1.0 : -0.1});
  }
  entry.outcome = Outcome{true, static_cast<int>(entry.steps.size())};
  entry.text = note;
  entry.created = fixed_time();
  return entry;
}

inline MemoryEntry fact(const std::string& id, const std::string& environment, const env::StateId& subject,
                        const std::string& text, const std::vector<env::StateId>& visited = {}) {
  MemoryEntry entry;
  entry.id = id;
  entry.kind = EntryKind::Fact;
  entry.provenance = {environment, "collect-treasures", 2, visited};
  entry.subject = subject;
  entry.text = text;
  entry.created = fixed_time();
  return entry;
}

inline MemoryEntry reflection(const std::string& id, const std::string& environment, const std::string& text,
                              const std::vector<env::StateId>& visited = {}) {
  MemoryEntry entry;
  entry.id = id;
  entry.kind = EntryKind::Reflection;
  entry.provenance = {environment, "go-a-to-b", 3, visited};
  entry.text = text;
  entry.created = fixed_time();
  return entry;
}

inline std::vector<std::string> ids_of(const std::vector<MemoryEntry>& entries) {
  std::vector<std::string> ids;
  for (const auto& entry : entries) ids.push_back(entry.id);
  return ids;
}

inline std::string read_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline void write_bytes(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Names of the files under `directory` (recursively) whose bytes contain `needle`.
inline std::vector<std::string> files_containing(const std::filesystem::path& directory, const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& item : std::filesystem::recursive_directory_iterator(directory)) {
    if (!item.is_regular_file()) continue;
    if (read_bytes(item.path()).find(needle) != std::string::npos) hits.push_back(item.path().filename().string());
  }
  return hits;
}

}  // namespace lethe::agent::test
