#include "lethe/agent/memory.hpp"

#include <unordered_set>

#include "lethe/agent/memory_error.hpp"

namespace lethe::agent {

void Memory::add(const MemoryEntry& entry) { add_all({entry}); }

void Memory::add_all(const std::vector<MemoryEntry>& entries) {
  std::unordered_set<std::string> ids;
  for (const auto& entry : entries) {
    validate(entry);
    if (!ids.insert(entry.id).second)
      throw MemoryError("memory entry id '" + entry.id + "' appears twice in the batch");
  }
  if (!entries.empty()) store(entries);
}

std::vector<MemoryEntry> Memory::entries(const std::optional<std::string>& environment) const {
  return load(environment);
}

std::size_t Memory::size() const { return count(); }

ErasureReceipt Memory::erase(const ErasureTarget& target) {
  validate(target);
  auto removed = remove_matching(target);
  return make_receipt(target, std::move(removed), kind(), now_utc());
}

}  // namespace lethe::agent
