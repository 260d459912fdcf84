// The tasks an inference adversary runs: probe tasks whose optimal solutions pass through a suspected state or
// trajectory (an agent that knew nothing would often take it), exploration tasks that spread over a whole
// environment (for reconstructing it), and the probe points where action distributions are compared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lethe/env/environment.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/unlearn/avoidance.hpp"

namespace lethe::attack {

// Up to `pairs` goto tasks (start, goal) such that some shortest path from start to goal traverses `run`
// contiguously: dist(start, first) + |run| - 1 + dist(last, goal) == dist(start, goal). Start and goal are free
// cells outside the run. Nearest pairs first (dist(start, first) + dist(last, goal), then row-major start, then
// goal), so they are "near" the target. Throws Error when the run is not a walk of neighbouring free cells of
// `layout`. Fewer than `pairs` when fewer exist (none: the target lies on no shortest route).
std::vector<env::Task> probe_tasks(const env::GridLayout& layout, const unlearn::ForbiddenRun& run, std::size_t pairs);

// `count` goto tasks between free cells chosen from `seed`, preferring pairs far apart (each start is drawn at
// random; its goal is the farthest reachable cell not yet used as a goal), preceded by the collect task when the
// layout has treasures. Deterministic in (layout, count, seed).
std::vector<env::Task> exploration_tasks(const env::GridLayout& layout, std::size_t count, std::uint64_t seed);

// Each task `runs` times, in order: t0 t0 ... t1 t1 ... (runs >= 1, Error otherwise).
std::vector<env::Task> repeat_tasks(const std::vector<env::Task>& tasks, int runs);

// A state where an action distribution is compared: the goto task from `cell` to the probe task's goal.
struct ProbePoint {
  env::Cell cell;
  env::Task task;
};

// For each goto task, every cell of its shortest path except the goal, as a goto task to the same goal; repeated
// (cell, goal) pairs once, in order of first appearance; at most `limit` points (0: no limit). Other task kinds
// contribute their first cell (the layout's start) with the task itself.
std::vector<ProbePoint> probe_points(const env::GridLayout& layout, const std::vector<env::Task>& tasks,
                                     std::size_t limit = 0);

}  // namespace lethe::attack
