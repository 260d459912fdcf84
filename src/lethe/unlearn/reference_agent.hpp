// The "never exposed" reference agent: the exact-unlearning gold standard. It learns the same layouts and tasks
// with the same LLM and options as the original agent, into its own memory, as if the unlearning targets had
// never existed:
//  - a forgotten state is never entered while learning (the hard filter is active during learning), a learning
//    task that starts or ends in it is not run, and no memory entry about it is kept (e.g. "treasure at (3,4)");
//  - a forgotten trajectory is never completed while learning;
//  - a forgotten environment is never trained on.
// Every entry that would match a request's erasure target is dropped before it reaches memory. Once learned,
// the agent carries no unlearning constraint and no filter: it simply never knew.
//
// Episode numbers (hence sampling seeds) follow the original agent's: per environment they continue after the
// largest already in memory and advance once per (round, task), skipped tasks included, so each episode the
// reference runs has the number and seed of the original's episode of the same task in the same round.
#pragma once

#include <string>
#include <vector>

#include "lethe/agent/grid_agent.hpp"
#include "lethe/agent/memory.hpp"
#include "lethe/env/environment.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/llm/llm.hpp"
#include "lethe/unlearn/request.hpp"

namespace lethe::unlearn {

// The tasks learned on one layout.
struct LayoutTasks {
  env::GridLayout layout;
  std::vector<env::Task> tasks;
};

// A learning task the reference agent did not run, and why.
struct ExcludedTask {
  std::string environment;
  env::Task task;
  int episode = 0;     // the episode number the original agent gave it
  std::string reason;  // e.g. "starts in the forgotten state house:(3,4)", "environment house is forgotten"
};

struct ReferenceLearnReport {
  agent::LearnReport learned;          // episodes run and entries added
  std::vector<ExcludedTask> excluded;  // (round, task) pairs not run
  std::size_t entries_dropped = 0;     // entries that matched an erasure target and were never stored
};

// Learns `schedule` into `agent`'s memory the way the original agent does: for each layout in order,
// agent.learn(world, tasks, episodes) with a world made with agent.options().world.
agent::LearnReport learn_schedule(agent::GridAgent& agent, const std::vector<LayoutTasks>& schedule, int episodes);

class ReferenceAgent {
 public:
  // Keeps references: llm and memory must outlive it. `memory` should be fresh (it is this agent's own).
  // Throws Error for an invalid request.
  ReferenceAgent(llm::Llm& llm, agent::Memory& memory, agent::AgentOptions options, std::vector<Request> requests);

  // Learns `schedule` with the requests' targets excluded (see the file comment). May be called more than once.
  ReferenceLearnReport learn(const std::vector<LayoutTasks>& schedule, int episodes);

  // The agent to evaluate: no constraints, no filter.
  agent::GridAgent& agent() { return agent_; }
  agent::Memory& memory() { return memory_; }
  const std::vector<Request>& requests() const { return requests_; }

  // Why the reference agent would not learn `task` on `layout` (empty: it would).
  std::string exclusion_reason(const env::GridLayout& layout, const env::Task& task) const;

 private:
  agent::Memory& memory_;
  agent::GridAgent agent_;
  std::vector<Request> requests_;
};

// True when memory holds no entry matching any request's erasure target.
bool holds_nothing_of(const agent::Memory& memory, const std::vector<Request>& requests);

}  // namespace lethe::unlearn
