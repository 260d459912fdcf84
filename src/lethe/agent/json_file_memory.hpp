// The paper's "memory as a JSON file": the whole memory is one human-readable JSON document
//   {"format": "lethe-agent-memory", "version": 1, "entries": [MemoryEntry::to_json(), ...]}
// Every change rewrites the file by atomic replace (temporary file in the same directory, fsync, rename, fsync of
// the directory), so a reader or a crash only ever sees the previous or the next complete file. After an erasure
// the replaced file's blocks are overwritten with zeros as well (when no other name links to them), and no
// temporary file outlives a write. One process at a time may hold a memory file open (an advisory lock on
// "<file>.lock", which stays empty).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "lethe/agent/memory.hpp"

namespace lethe::agent {

class JsonFileMemory final : public Memory {
 public:
  // Opens `file`, creating an empty memory file when it does not exist (its directory must). Throws MemoryError
  // naming the file when it cannot be read, is not valid JSON (with the byte position of the error), is not a
  // memory file or holds an invalid entry, or when another process holds it; the file is never modified then.
  explicit JsonFileMemory(std::filesystem::path file);
  ~JsonFileMemory() override;

  std::string kind() const override { return "json-file"; }
  const std::filesystem::path& path() const;

 protected:
  void store(const std::vector<MemoryEntry>& entries) override;
  std::vector<MemoryEntry> load(const std::optional<std::string>& environment) const override;
  std::size_t count() const override;
  std::vector<RemovedEntry> remove_matching(const ErasureTarget& target) override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace lethe::agent
