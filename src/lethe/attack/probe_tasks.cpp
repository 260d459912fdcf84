#include "lethe/attack/probe_tasks.hpp"

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <tuple>

#include "lethe/attack/error.hpp"
#include "lethe/env/grid_paths.hpp"
#include "lethe/env/grid_world.hpp"

namespace lethe::attack {

namespace {

std::vector<env::Cell> run_cells(const env::GridLayout& layout, const unlearn::ForbiddenRun& run) {
  std::vector<env::Cell> cells;
  for (const auto& state : run.states()) {
    env::Cell cell;
    try {
      cell = env::cell_from_state_id(layout, state);
    } catch (const std::exception& e) {
      throw Error(std::string("probe tasks: ") + e.what());
    }
    if (!layout.is_free(cell)) throw Error("probe tasks: " + state.str() + " is not a free cell");
    if (!cells.empty()) {
      const auto& prev = cells.back();
      if (std::abs(prev.x - cell.x) + std::abs(prev.y - cell.y) != 1) {
        throw Error("probe tasks: " + state.str() + " is not a neighbour of the state before it");
      }
    }
    cells.push_back(cell);
  }
  return cells;
}

std::vector<env::Cell> free_cells(const env::GridLayout& layout) {
  std::vector<env::Cell> cells;
  for (int i = 0; i < layout.cell_count(); ++i) {
    if (layout.is_free(layout.cell_at(i))) cells.push_back(layout.cell_at(i));
  }
  return cells;
}

}  // namespace

std::vector<env::Task> probe_tasks(const env::GridLayout& layout, const unlearn::ForbiddenRun& run,
                                   std::size_t pairs) {
  const auto cells = run_cells(layout, run);
  const env::CellSet in_run(cells.begin(), cells.end());
  const int inner = static_cast<int>(cells.size()) - 1;
  const auto from_last = env::distances_from(layout, cells.back());
  const auto to_first = env::distances_from(layout, cells.front());  // symmetric: dist(s, first)

  struct Candidate {
    int closeness;
    int start_index;
    int goal_index;
    env::Cell start;
    env::Cell goal;
  };
  std::vector<Candidate> candidates;
  for (const auto& start : free_cells(layout)) {
    if (in_run.contains(start) || !to_first.reachable(start)) continue;
    const auto from_start = env::distances_from(layout, start);
    for (const auto& goal : free_cells(layout)) {
      if (in_run.contains(goal) || goal == start || !from_last.reachable(goal)) continue;
      const int via = to_first.at(start) + inner + from_last.at(goal);
      if (from_start.at(goal) != via) continue;
      candidates.push_back(
          {to_first.at(start) + from_last.at(goal), layout.index_of(start), layout.index_of(goal), start, goal});
    }
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.closeness, a.start_index, a.goal_index) < std::tie(b.closeness, b.start_index, b.goal_index);
  });
  std::vector<env::Task> tasks;
  for (const auto& c : candidates) {
    if (tasks.size() >= pairs) break;
    tasks.push_back(env::goto_task(layout, c.start, c.goal));
  }
  return tasks;
}

std::vector<env::Task> exploration_tasks(const env::GridLayout& layout, std::size_t count, std::uint64_t seed) {
  std::vector<env::Task> tasks;
  if (!layout.treasures().empty()) tasks.push_back(env::collect_task(layout));
  const auto cells = free_cells(layout);
  if (cells.size() < 2) return tasks;
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);
  std::set<env::Cell> used_goals;
  std::set<std::pair<env::Cell, env::Cell>> used_pairs;
  for (std::size_t attempt = 0; tasks.size() < count + (layout.treasures().empty() ? 0 : 1) && attempt < 8 * count;
       ++attempt) {
    const env::Cell start = cells[static_cast<std::size_t>(rng() % cells.size())];
    const auto dist = env::distances_from(layout, start);
    std::optional<env::Cell> best;
    for (const auto& goal : cells) {
      if (goal == start || !dist.reachable(goal) || used_goals.contains(goal) || used_pairs.contains({start, goal})) {
        continue;
      }
      if (!best || dist.at(goal) > dist.at(*best)) best = goal;
    }
    if (!best) continue;
    used_goals.insert(*best);
    used_pairs.insert({start, *best});
    tasks.push_back(env::goto_task(layout, start, *best));
  }
  return tasks;
}

std::vector<env::Task> repeat_tasks(const std::vector<env::Task>& tasks, int runs) {
  if (runs < 1) throw Error("runs must be at least 1, got " + std::to_string(runs));
  std::vector<env::Task> out;
  out.reserve(tasks.size() * static_cast<std::size_t>(runs));
  for (const auto& task : tasks) {
    for (int i = 0; i < runs; ++i) out.push_back(task);
  }
  return out;
}

std::vector<ProbePoint> probe_points(const env::GridLayout& layout, const std::vector<env::Task>& tasks,
                                     std::size_t limit) {
  std::vector<ProbePoint> points;
  std::set<std::pair<env::Cell, env::Cell>> seen;
  const auto full = [&] { return limit != 0 && points.size() >= limit; };
  for (const auto& task : tasks) {
    if (full()) break;
    if (task.kind != "goto") {
      if (seen.insert({layout.start(), env::Cell{-1, -1}}).second) points.push_back({layout.start(), task});
      continue;
    }
    const auto from = env::cell_from_json(task.params.at("from"), "probe task " + task.id, "from");
    const auto to = env::cell_from_json(task.params.at("to"), "probe task " + task.id, "to");
    const auto path = env::shortest_path(layout, from, to);
    if (!path) continue;
    for (std::size_t i = 0; i + 1 < path->cells.size() && !full(); ++i) {
      const auto cell = path->cells[i];
      if (!seen.insert({cell, to}).second) continue;
      points.push_back({cell, env::goto_task(layout, cell, to)});
    }
  }
  return points;
}

}  // namespace lethe::attack
