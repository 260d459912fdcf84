// What the conversion-model experiments share (collect, init, eval): the layouts they run on, an agent memory held
// in RAM, and an agent memory prepared for one request — the expert routes of its unlearning and remaining tasks,
// so that the memory holds what the request asks to forget before it is erased.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lethe/agent/grid_agent.hpp"
#include "lethe/agent/memory.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/unlearn/preference_pairs.hpp"
#include "lethe/unlearn/request_generator.hpp"

namespace lethe::eval {

// `count` generated 6x6 layouts (the micro agent's size) from generator seeds far from the micro agent's own.
std::vector<env::GridLayout> converter_layouts(std::uint64_t seed, std::size_t count = 3);

// An agent memory in RAM, for runs that need none kept.
class ScratchMemory final : public agent::Memory {
 public:
  std::string kind() const override { return "scratch"; }

 protected:
  void store(const std::vector<agent::MemoryEntry>& entries) override;
  std::vector<agent::MemoryEntry> load(const std::optional<std::string>& environment) const override;
  std::size_t count() const override { return entries_.size(); }
  std::vector<agent::RemovedEntry> remove_matching(const agent::ErasureTarget& target) override;

 private:
  std::vector<agent::MemoryEntry> entries_;
};

// Adds to `memory` the expert routes (and observed facts) of the request's unlearning tasks and remaining tasks.
void seed_request_memory(agent::GridAgent& agent, agent::Memory& memory, const unlearn::GeneratedRequest& request,
                         const env::GridLayout& layout, const unlearn::JudgeOptions& options);

}  // namespace lethe::eval
