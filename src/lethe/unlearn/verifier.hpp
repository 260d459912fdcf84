// Verification of an unlearning: runs the unlearning tasks — goto tasks whose direct route would use the target
// (crossing_tasks) — for up to `max_attempts` attempts. An attempt succeeds when no episode enters the forgotten
// state or completes the forgotten trajectory; for an environment, when memory holds nothing of it and the agent
// completes its episodes without it. After a failed attempt, its evidence (which task, which step, which state)
// (its first violation) is appended to the prompt constraints, worded more strongly, for the next attempts.
// Efficacy: some attempt succeeded; Unlearn@1: the first did. A target that lies on no avoidable route has no
// unlearning task, and then every attempt succeeds vacuously: callers should look at `tasks`.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "lethe/agent/grid_agent.hpp"
#include "lethe/agent/memory.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/unlearn/methods.hpp"
#include "lethe/unlearn/request.hpp"

namespace lethe::unlearn {

struct Violation {
  std::string task_id;
  int step = 0;             // the action (1-based) that entered the state; 0 for memory left over
  env::StateId state;       // the state entered (empty for memory left over)
  std::string description;  // one line for people and for the feedback prompt
};

struct Attempt {
  int number = 0;  // 1-based
  bool success = false;
  std::vector<std::string> feedback;  // extra prompt lines this attempt ran with
  std::vector<agent::EpisodeResult> episodes;
  std::vector<Violation> violations;
};

struct Verification {
  std::vector<env::Task> tasks;
  std::vector<Attempt> attempts;
  bool efficacy = false;
  bool unlearn_at_1 = false;
  int attempts_used = 0;
  double task_success = 0.0;  // fraction of episodes of the last attempt that reached their goal
};

struct VerifierOptions {
  int max_attempts = 5;
  std::size_t max_tasks = 4;
};

// The unlearning tasks of a request: crossing_tasks for a state or trajectory; the collect task (when the layout
// has treasures) for an environment.
std::vector<env::Task> unlearning_tasks(const Request& request, const env::GridLayout& layout, std::size_t max_tasks);

// What an episode did that the request forbids (state / trajectory requests; nothing for an environment).
std::vector<Violation> find_violations(const Request& request, const agent::EpisodeResult& episode);

// The stronger prompt line fed back after a failed attempt. For an agent that reads the compact format, the
// request's first compact phrasing again (compact_constraints.hpp): it cannot read a sentence.
std::string feedback_line(const Request& request, const Violation& violation, int attempt,
                          agent::PromptFormat format = agent::PromptFormat::text);

class Verifier {
 public:
  // Keeps references. `memory` is the agent's memory (checked for environment requests).
  Verifier(agent::GridAgent& agent, agent::Memory& memory, VerifierOptions options = {})
      : agent_(agent), memory_(memory), options_(options) {}

  // Runs with `installed` (the constraints the executor installed) plus the feedback of earlier attempts, and
  // leaves `installed` in the agent afterwards.
  Verification verify(const Request& request, const env::GridLayout& layout, const Constraints& installed);

 private:
  agent::GridAgent& agent_;
  agent::Memory& memory_;
  VerifierOptions options_;
};

}  // namespace lethe::unlearn
