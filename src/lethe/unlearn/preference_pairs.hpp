// Preference pairs from the agent's own outcomes (the paper's DPO data): each candidate unlearning prompt is
// installed in the agent and verified on the unlearning tasks of every target (one attempt, no feedback, so the
// prompt alone is judged) and on remaining tasks (goto tasks whose direct route uses no target). A candidate
// succeeds when the agent forgot (no violation; for an environment, nothing of it left in memory) and still
// performs (its success on the remaining tasks is at least the unconstrained agent's, less a tolerance).
// Successful candidates are preferred, failed ones dispreferred; a request gives all m·n pairs, none when every
// candidate succeeded or every one failed.
//
// JSONL, one pair a line, the format DPO tooling reads plus the evidence:
//   {"prompt": <conversion prompt>, "chosen": " <good candidate>", "rejected": " <bad candidate>",
//    "request": <the person's text>, "template": <template id>,
//    "chosen_evidence": {...}, "rejected_evidence": {...}}
// Completions start with a space: the conversion prompt ends with "Unlearning Instruction:".
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lethe/agent/grid_agent.hpp"
#include "lethe/agent/memory.hpp"
#include "lethe/env/environment.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/unlearn/request.hpp"

namespace lethe::unlearn {

struct CandidateOutcome {
  std::string candidate;
  bool forgot = false;             // no violation on any target's unlearning tasks
  double unlearning_success = 0;   // fraction of unlearning episodes that reached their goal
  double remaining_success = 1.0;  // fraction of remaining episodes that reached their goal (1 when none)
  double baseline_remaining = 1.0;  // the same without any unlearning prompt
  bool success = false;            // forgot and still performs
  std::vector<std::string> violations;  // one line each, at most a few

  nlohmann::json evidence() const;
};

struct JudgeOptions {
  std::size_t unlearning_tasks = 2;  // per target
  std::size_t remaining_tasks = 2;
  double remaining_tolerance = 0.0;  // how far below the baseline remaining success still counts as performing
  std::uint64_t seed = 0;            // which remaining tasks
};

// Goto tasks on `layout` whose direct (shortest) route completes no target's run, chosen deterministically from
// the seed, at most `max_tasks` (an environment target forbids no route: its remaining tasks are any goto tasks).
std::vector<env::Task> remaining_tasks(const std::vector<Request>& targets, const env::GridLayout& layout,
                                       std::size_t max_tasks, std::uint64_t seed);

// The memory entries an agent that had walked `tasks` by their shortest routes would hold (trajectories and
// observed facts), episode numbers from `first_episode`; for seeding an agent's memory before unlearning.
std::vector<agent::MemoryEntry> expert_memory(agent::GridAgent& agent, const env::GridLayout& layout,
                                              const std::vector<env::Task>& tasks, int first_episode);

class CandidateJudge {
 public:
  // Keeps references: `memory` is the agent's memory.
  CandidateJudge(agent::GridAgent& agent, agent::Memory& memory, JudgeOptions options = {})
      : agent_(agent), memory_(memory), options_(options) {}

  // Erases the targets' memory, then judges each candidate (the agent's constraints are cleared afterwards).
  // Every target must be about `layout`.
  std::vector<CandidateOutcome> judge(const std::vector<Request>& targets, const env::GridLayout& layout,
                                      const std::vector<std::string>& candidates);

 private:
  agent::GridAgent& agent_;
  agent::Memory& memory_;
  JudgeOptions options_;
};

struct PreferencePair {
  std::string prompt;
  std::string chosen;    // the completion, with its leading space
  std::string rejected;  // likewise
  std::string request;
  std::string template_id;
  nlohmann::json chosen_evidence;
  nlohmann::json rejected_evidence;
};

// All m·n (preferred, dispreferred) pairs of one request's outcomes, preferred-major in outcome order.
std::vector<PreferencePair> preference_pairs(const std::string& prompt, const std::vector<CandidateOutcome>& outcomes,
                                             const std::string& request = {}, const std::string& template_id = {});

nlohmann::json to_json(const PreferencePair& pair);
// One JSON object a line.
std::string to_jsonl(const std::vector<PreferencePair>& pairs);

}  // namespace lethe::unlearn
