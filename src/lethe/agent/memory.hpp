// The contract every agent memory store honours (JSON file, SQLite). Entries are added whole and never edited;
// erase() removes every entry derived from a target, is durable before it returns, leaves no byte of the erased
// entries in the store's files, and returns a receipt. All methods are safe to call from several threads.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "lethe/agent/erasure.hpp"
#include "lethe/agent/memory_entry.hpp"

namespace lethe::agent {

class Memory {
 public:
  virtual ~Memory() = default;
  Memory() = default;
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;

  // Validates and stores the entry durably. Throws MemoryError for an invalid entry or an id already stored;
  // the store is then unchanged.
  void add(const MemoryEntry& entry);
  // All or nothing: on any error (invalid entry, duplicate id within the batch or with the store) nothing is added.
  void add_all(const std::vector<MemoryEntry>& entries);

  // Entries in the order they were added; only those whose provenance environment is `environment` when given.
  std::vector<MemoryEntry> entries(const std::optional<std::string>& environment = std::nullopt) const;
  std::size_t size() const;

  // Removes every entry that matches(target, entry), durably, and scrubs their bytes from the store's files.
  // Throws MemoryError for an invalid target or a storage failure (then nothing was removed).
  ErasureReceipt erase(const ErasureTarget& target);

  // "json-file" or "sqlite"; written into receipts.
  virtual std::string kind() const = 0;

 protected:
  // Entries are valid and their ids distinct from each other; stores reject ids they already hold.
  virtual void store(const std::vector<MemoryEntry>& entries) = 0;
  virtual std::vector<MemoryEntry> load(const std::optional<std::string>& environment) const = 0;
  virtual std::size_t count() const = 0;
  // Target is valid. Returns what was removed, in store order, once the removal is durable and scrubbed.
  virtual std::vector<RemovedEntry> remove_matching(const ErasureTarget& target) = 0;
};

}  // namespace lethe::agent
