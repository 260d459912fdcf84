// State / trajectory membership inference: how often an agent's probe episodes traverse a suspected target, and
// whether it does so significantly less often than an agent that never saw the target.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "lethe/agent/grid_agent.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/unlearn/avoidance.hpp"

namespace lethe::attack {

// Whether one probe episode shows the behaviour the adversary looks for (e.g. it traversed the target).
using TraversalEvent = std::function<bool(const agent::EpisodeResult&)>;

// The episode's visited states complete `run` (contiguously, as erasure and the hard method match it).
TraversalEvent traverses(unlearn::ForbiddenRun run);
// The episode reached its goal in as few steps as the shortest route (an agent that knows the environment
// solves its tasks optimally); used as the event for a whole environment.
TraversalEvent solves_optimally(const env::GridLayout& layout);

struct TraverseCount {
  int traversed = 0;
  int runs = 0;
  double rate() const { return runs == 0 ? 0.0 : static_cast<double>(traversed) / runs; }
  TraverseCount& operator+=(const TraverseCount& other) {
    traversed += other.traversed;
    runs += other.runs;
    return *this;
  }
};

TraverseCount count_events(const TraversalEvent& event, const std::vector<agent::EpisodeResult>& episodes);

// The one-sided test "`audited` traverses less often than `reference`" (Fisher exact on the 2x2 table).
struct InferenceTest {
  TraverseCount audited;
  TraverseCount reference;
  double p_value = 1.0;
};
InferenceTest test_less(const TraverseCount& audited, const TraverseCount& reference);

nlohmann::json to_json(const TraverseCount& count);
nlohmann::json to_json(const InferenceTest& test);

}  // namespace lethe::attack
