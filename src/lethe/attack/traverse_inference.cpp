#include "lethe/attack/traverse_inference.hpp"

#include "lethe/attack/statistics.hpp"
#include "lethe/env/grid_paths.hpp"
#include "lethe/env/grid_world.hpp"

namespace lethe::attack {

TraversalEvent traverses(unlearn::ForbiddenRun run) {
  return [run = std::move(run)](const agent::EpisodeResult& episode) {
    return run.first_completion(episode.states).has_value();
  };
}

TraversalEvent solves_optimally(const env::GridLayout& layout) {
  return [layout](const agent::EpisodeResult& episode) {
    if (!episode.success) return false;
    const auto& task = episode.task;
    std::optional<env::GridPath> best;
    if (task.kind == "goto") {
      const auto from = env::cell_from_json(task.params.at("from"), "task " + task.id, "from");
      const auto to = env::cell_from_json(task.params.at("to"), "task " + task.id, "to");
      best = env::shortest_path(layout, from, to);
    } else {
      best = env::shortest_collect_tour(layout);
    }
    return best && episode.steps <= best->length();
  };
}

TraverseCount count_events(const TraversalEvent& event, const std::vector<agent::EpisodeResult>& episodes) {
  TraverseCount count;
  for (const auto& episode : episodes) {
    ++count.runs;
    if (event(episode)) ++count.traversed;
  }
  return count;
}

InferenceTest test_less(const TraverseCount& audited, const TraverseCount& reference) {
  return InferenceTest{audited, reference,
                       fisher_exact_less(audited.traversed, audited.runs, reference.traversed, reference.runs)};
}

nlohmann::json to_json(const TraverseCount& count) {
  return {{"traversed", count.traversed}, {"runs", count.runs}, {"rate", count.rate()}};
}

nlohmann::json to_json(const InferenceTest& test) {
  return {{"audited", to_json(test.audited)}, {"reference", to_json(test.reference)}, {"p_value", test.p_value}};
}

}  // namespace lethe::attack
