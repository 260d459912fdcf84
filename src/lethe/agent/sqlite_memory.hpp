// Agent memory in one SQLite database, indexed for erasure: entries(id, environment, subject, ...) and
// entry_states(entry_id, state_id, state_environment, position) — one row per visited state — so that erasure by
// state, trajectory or environment looks up candidates by index instead of scanning every entry.
//
// Durability and secure deletion: WAL mode with synchronous=FULL (a commit is on disk when it returns);
// secure_delete=ON, so deleted cells and freed pages are overwritten with zeros; each erasure is one transaction
// followed by a TRUNCATE checkpoint, so no earlier page image holding erased bytes remains in the -wal file.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "lethe/agent/memory.hpp"

namespace lethe::agent {

class SqliteMemory final : public Memory {
 public:
  // Opens or creates the database. Throws MemoryError naming the file when it is not a SQLite database, fails an
  // integrity check, or is a database of something else; the file is not modified then.
  explicit SqliteMemory(std::filesystem::path file);
  ~SqliteMemory() override;

  std::string kind() const override { return "sqlite"; }
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
