// Forbidden runs — a state to forget is a run of one cell, a trajectory a run of several — and the grid search
// around them: when a walk completes a run, the shortest walk that never does, and the goto tasks whose direct
// route would complete it (the unlearning tasks). A walk completes a run when the run appears in its visited
// states as a contiguous subsequence (the erasure semantics of agent::TrajectoryTarget; staying in place is a
// visit, so a bump breaks a run). The first state of a walk is where it starts, not a state it entered.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "lethe/env/environment.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/env/grid_paths.hpp"

namespace lethe::unlearn {

class ForbiddenRun {
 public:
  // `states` must be non-empty.
  explicit ForbiddenRun(std::vector<env::StateId> states);

  const std::vector<env::StateId>& states() const { return states_; }
  std::size_t size() const { return states_.size(); }

  // How much of the run the walk ends with after visiting `next`, given it ended with `progress` states of it.
  // size() means completed.
  std::size_t advance(std::size_t progress, const env::StateId& next) const;
  // Progress at the end of `visited` (size() if the last state completed it).
  std::size_t progress(const std::vector<env::StateId>& visited) const;
  // Whether visiting `next` after `visited` completes the run.
  bool completed_by(const std::vector<env::StateId>& visited, const env::StateId& next) const;
  // Index i >= 1 of the first state of `states` that completes the run, if any.
  std::optional<std::size_t> first_completion(const std::vector<env::StateId>& states) const;

 private:
  std::vector<env::StateId> states_;
};

// The shortest walk from `from` to `to` (free cells) that never completes `run`; nullopt when none exists.
// Breadth-first over (cell, progress); ties broken like env::shortest_path.
std::optional<env::GridPath> path_avoiding(const env::GridLayout& layout, env::Cell from, env::Cell to,
                                           const ForbiddenRun& run);

// Goto tasks whose shortest path completes `run` while some other walk avoids it, at most `max_tasks`, the
// shortest routes first (ties: row-major order of start, then goal). Starts and goals are free cells outside the
// run, within Manhattan distance 3 of its first and last cells.
std::vector<env::Task> crossing_tasks(const env::GridLayout& layout, const ForbiddenRun& run, std::size_t max_tasks);

// A demonstration of avoiding `run`: the shortest route of a crossing task, which completes the run, and the
// shortest one that does not.
struct Detour {
  env::GridPath direct;
  env::GridPath avoiding;
};
// The detours of crossing_tasks(layout, run, max_tasks), in that order (tasks without both routes left out).
std::vector<Detour> detours(const env::GridLayout& layout, const ForbiddenRun& run, std::size_t max_tasks);

}  // namespace lethe::unlearn
