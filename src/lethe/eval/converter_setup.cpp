#include "lethe/eval/converter_setup.hpp"

#include "lethe/agent/memory_error.hpp"
#include "lethe/env/grid_generator.hpp"
#include "lethe/unlearn/verifier.hpp"

namespace lethe::eval {

std::vector<env::GridLayout> converter_layouts(std::uint64_t seed, std::size_t count) {
  std::vector<env::GridLayout> layouts;
  for (std::size_t i = 0; i < count; ++i) {
    env::GeneratorOptions options;
    options.width = 6;
    options.height = 6;
    options.treasures = 2;
    options.obstacle_density = 0.2;
    options.seed = 7'000'000 + seed * 64 + i;
    options.id = "conv-" + std::to_string(seed) + "-" + std::to_string(i);
    layouts.push_back(env::generate_layout(options));
  }
  return layouts;
}

void ScratchMemory::store(const std::vector<agent::MemoryEntry>& entries) {
  for (const auto& entry : entries) {
    for (const auto& held : entries_) {
      if (held.id == entry.id) throw agent::MemoryError("an entry with id '" + entry.id + "' is already stored");
    }
  }
  entries_.insert(entries_.end(), entries.begin(), entries.end());
}

std::vector<agent::MemoryEntry> ScratchMemory::load(const std::optional<std::string>& environment) const {
  std::vector<agent::MemoryEntry> out;
  for (const auto& entry : entries_) {
    if (!environment || entry.provenance.environment == *environment) out.push_back(entry);
  }
  return out;
}

std::vector<agent::RemovedEntry> ScratchMemory::remove_matching(const agent::ErasureTarget& target) {
  std::vector<agent::RemovedEntry> removed;
  std::vector<agent::MemoryEntry> kept;
  for (auto& entry : entries_) {
    if (agent::matches(target, entry)) {
      removed.push_back({entry.id, entry.content_hash()});
    } else {
      kept.push_back(std::move(entry));
    }
  }
  entries_ = std::move(kept);
  return removed;
}

void seed_request_memory(agent::GridAgent& agent, agent::Memory& memory, const unlearn::GeneratedRequest& request,
                         const env::GridLayout& layout, const unlearn::JudgeOptions& options) {
  std::vector<env::Task> tasks;
  for (const auto& target : request.targets) {
    for (auto& task : unlearn::unlearning_tasks(target, layout, options.unlearning_tasks)) {
      if (task.kind == "goto") tasks.push_back(std::move(task));
    }
  }
  for (auto& task : unlearn::remaining_tasks(request.targets, layout, options.remaining_tasks, options.seed)) {
    tasks.push_back(std::move(task));
  }
  const auto known = memory.entries(layout.id());
  memory.add_all(unlearn::expert_memory(agent, layout, tasks, static_cast<int>(known.size())));
}

}  // namespace lethe::eval
