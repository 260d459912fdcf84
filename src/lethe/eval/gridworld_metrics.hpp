// Figures over GridWorld episodes: success, steps, avoidance of the unlearning targets, visitation counts.
// Averages over no episode are NaN (written as null in JSON, "–" in reports).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <vector>

#include "lethe/agent/grid_agent.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/unlearn/request.hpp"

namespace lethe::eval {

// Fraction of episodes that reached their goal.
double success_rate(const std::vector<agent::EpisodeResult>& episodes);
// Mean number of actions taken.
double mean_steps(const std::vector<agent::EpisodeResult>& episodes);
// Fraction of episodes that neither enter a forgotten state nor complete a forgotten trajectory of any request
// (environment requests forbid no move).
double avoidance_rate(const std::vector<unlearn::Request>& requests, const std::vector<agent::EpisodeResult>& episodes);

// Visits per cell of `layout`, row-major: every state of every episode in that environment counts once per visit
// (the start included; staying in place is a visit). Episodes of other environments are ignored.
std::vector<int> visit_counts(const env::GridLayout& layout, const std::vector<agent::EpisodeResult>& episodes);

// The episodes of one environment.
std::vector<agent::EpisodeResult> episodes_in(const std::vector<agent::EpisodeResult>& episodes,
                                              const std::string& environment);

struct AgentFigures {
  std::size_t episodes = 0;
  double success = 0.0;
  double steps = 0.0;
  double avoidance = 0.0;

  nlohmann::json to_json() const;  // {"episodes", "success", "steps", "avoidance"}; NaN as null
};

AgentFigures figures(const std::vector<unlearn::Request>& requests, const std::vector<agent::EpisodeResult>& episodes);

}  // namespace lethe::eval
