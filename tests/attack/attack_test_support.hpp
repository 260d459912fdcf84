// Helpers for the attack tests: layouts drawn as rows and episodes made by walking a real GridWorld, so that
// states, rewards and bumps are exactly what an agent would produce.
#pragma once

#include <string>
#include <vector>

#include "lethe/agent/grid_agent.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/env/grid_paths.hpp"
#include "lethe/env/grid_world.hpp"

namespace lethe::attack::test {

inline env::GridLayout layout_from_rows(const std::string& id, const std::vector<std::string>& rows) {
  return env::layout_from_json(nlohmann::json{{"id", id}, {"rows", rows}}, "test layout");
}

// Plays `actions` for `task` in a fresh world and records the episode as the agent would.
inline agent::EpisodeResult play(const env::GridLayout& layout, const env::Task& task,
                                 const std::vector<std::string>& actions, int episode = 0) {
  env::GridWorld world(layout, env::GridWorldOptions{1, 1000});
  const auto first = world.reset(task);
  agent::EpisodeResult result;
  result.environment = layout.id();
  result.task = task;
  result.episode = episode;
  result.states.push_back(first.state);
  for (const auto& action : actions) {
    if (world.done()) break;
    const auto step = world.step(action);
    result.actions.push_back(action);
    result.rewards.push_back(step.reward);
    result.states.push_back(step.observation.state);
    result.success = step.success;
  }
  result.steps = static_cast<int>(result.actions.size());
  return result;
}

// Follows `path` (cells from the task's start).
inline agent::EpisodeResult follow(const env::GridLayout& layout, const env::Task& task, const env::GridPath& path,
                                   int episode = 0) {
  return play(layout, task, path.actions(), episode);
}

}  // namespace lethe::attack::test
