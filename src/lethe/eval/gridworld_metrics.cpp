#include "lethe/eval/gridworld_metrics.hpp"

#include <cmath>
#include <limits>

#include "lethe/unlearn/verifier.hpp"

namespace lethe::eval {
namespace {

constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

template <typename Value>
double mean_of(const std::vector<agent::EpisodeResult>& episodes, Value value) {
  if (episodes.empty()) return kNone;
  double sum = 0.0;
  for (const auto& episode : episodes) sum += value(episode);
  return sum / static_cast<double>(episodes.size());
}

nlohmann::json number_or_null(double value) { return std::isnan(value) ? nlohmann::json() : nlohmann::json(value); }

}  // namespace

double success_rate(const std::vector<agent::EpisodeResult>& episodes) {
  return mean_of(episodes, [](const agent::EpisodeResult& e) { return e.success ? 1.0 : 0.0; });
}

double mean_steps(const std::vector<agent::EpisodeResult>& episodes) {
  return mean_of(episodes, [](const agent::EpisodeResult& e) { return static_cast<double>(e.steps); });
}

double avoidance_rate(const std::vector<unlearn::Request>& requests,
                      const std::vector<agent::EpisodeResult>& episodes) {
  return mean_of(episodes, [&](const agent::EpisodeResult& e) {
    for (const auto& request : requests) {
      if (request.environment == e.environment && !unlearn::find_violations(request, e).empty()) return 0.0;
    }
    return 1.0;
  });
}

std::vector<int> visit_counts(const env::GridLayout& layout, const std::vector<agent::EpisodeResult>& episodes) {
  std::vector<int> counts(static_cast<std::size_t>(layout.cell_count()), 0);
  for (const auto& episode : episodes) {
    if (episode.environment != layout.id()) continue;
    for (const auto& state : episode.states) {
      const auto cell = env::cell_from_state_id(layout, state);
      counts[static_cast<std::size_t>(layout.index_of(cell))] += 1;
    }
  }
  return counts;
}

std::vector<agent::EpisodeResult> episodes_in(const std::vector<agent::EpisodeResult>& episodes,
                                              const std::string& environment) {
  std::vector<agent::EpisodeResult> kept;
  for (const auto& episode : episodes) {
    if (episode.environment == environment) kept.push_back(episode);
  }
  return kept;
}

nlohmann::json AgentFigures::to_json() const {
  return {{"episodes", episodes},
          {"success", number_or_null(success)},
          {"steps", number_or_null(steps)},
          {"avoidance", number_or_null(avoidance)}};
}

AgentFigures figures(const std::vector<unlearn::Request>& requests, const std::vector<agent::EpisodeResult>& episodes) {
  return AgentFigures{episodes.size(), success_rate(episodes), mean_steps(episodes),
                      avoidance_rate(requests, episodes)};
}

}  // namespace lethe::eval
