// Importer for Reflexion's ALFWorld memory logs (env_results_trial_N.json): a JSON array of
//   {"name": "env_7", "memory": ["reflection after trial 0", "reflection after trial 1", ...], "is_success": bool}
// Each reflection becomes one MemoryEntry of kind reflection with environment "alfworld", task = name,
// episode = the index of the trial whose failure it reflects on, outcome.success = is_success (whether the task
// was eventually solved in that log), and id "reflexion:<file stem>:<name>:<index>". Records without reflections
// yield nothing. Reflexion records no states, so these entries are erasable by environment only.
#pragma once

#include <filesystem>
#include <vector>

#include "lethe/agent/memory_entry.hpp"
#include "lethe/agent/timestamp.hpp"

namespace lethe::agent {

// Throws MemoryError naming the file, the record and the field when the file is not such a log.
std::vector<MemoryEntry> import_reflexion_memory(const std::filesystem::path& path, Timestamp created = now_utc());

}  // namespace lethe::agent
