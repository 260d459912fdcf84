#include "lethe/unlearn/avoidance.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <tuple>
#include <utility>

#include "lethe/env/grid_world.hpp"
#include "lethe/unlearn/request.hpp"

namespace lethe::unlearn {
namespace {

std::vector<env::StateId> states_of(const env::GridLayout& layout, const std::vector<env::Cell>& cells) {
  std::vector<env::StateId> states;
  states.reserve(cells.size());
  for (const auto cell : cells) states.push_back(env::state_id(layout, cell));
  return states;
}

int manhattan(env::Cell a, env::Cell b) { return std::abs(a.x - b.x) + std::abs(a.y - b.y); }

}  // namespace

ForbiddenRun::ForbiddenRun(std::vector<env::StateId> states) : states_(std::move(states)) {
  if (states_.empty()) throw Error("a forbidden run needs at least one state");
}

std::size_t ForbiddenRun::advance(std::size_t progress, const env::StateId& next) const {
  const std::size_t n = states_.size();
  // The walk ends with states_[0 .. progress-1]; find the longest j such that it then ends with states_[0 .. j-1].
  for (std::size_t j = std::min(progress + 1, n); j >= 1; --j) {
    if (states_[j - 1] != next) continue;
    bool matches = true;
    for (std::size_t k = 0; k + 1 < j && matches; ++k) matches = states_[k] == states_[progress - (j - 1) + k];
    if (matches) return j;
  }
  return 0;
}

std::size_t ForbiddenRun::progress(const std::vector<env::StateId>& visited) const {
  std::size_t progress = 0;
  for (const auto& state : visited) progress = advance(progress, state);
  return progress;
}

bool ForbiddenRun::completed_by(const std::vector<env::StateId>& visited, const env::StateId& next) const {
  return advance(progress(visited), next) == states_.size();
}

std::optional<std::size_t> ForbiddenRun::first_completion(const std::vector<env::StateId>& states) const {
  std::size_t progress = 0;
  for (std::size_t i = 0; i < states.size(); ++i) {
    progress = advance(progress, states[i]);
    if (progress == states_.size() && i >= 1) return i;
  }
  return std::nullopt;
}

std::optional<env::GridPath> path_avoiding(const env::GridLayout& layout, env::Cell from, env::Cell to,
                                           const ForbiddenRun& run) {
  if (!layout.is_free(from) || !layout.is_free(to)) return std::nullopt;
  const std::size_t n = run.size();
  const auto node = [&](env::Cell cell, std::size_t progress) {
    return static_cast<std::size_t>(layout.index_of(cell)) * n + progress;
  };
  std::size_t start_progress = run.advance(0, env::state_id(layout, from));
  if (start_progress == n) start_progress = 0;  // starting in a forgotten state is not entering it
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<std::size_t> parent(static_cast<std::size_t>(layout.cell_count()) * n, kNone);
  std::vector<env::Move> move_to(parent.size(), env::Move::up);
  std::vector<std::pair<env::Cell, std::size_t>> queue{{from, start_progress}};
  parent[node(from, start_progress)] = node(from, start_progress);
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const auto [cell, progress] = queue[head];
    if (cell == to) {
      env::GridPath path;
      std::size_t at = node(cell, progress);
      while (parent[at] != at) {
        path.cells.push_back(layout.cell_at(static_cast<int>(at / n)));
        path.moves.push_back(move_to[at]);
        at = parent[at];
      }
      path.cells.push_back(from);
      std::reverse(path.cells.begin(), path.cells.end());
      std::reverse(path.moves.begin(), path.moves.end());
      return path;
    }
    for (const auto move : env::kAllMoves) {
      const auto next = env::neighbour(cell, move);
      if (!layout.is_free(next)) continue;
      const auto next_progress = run.advance(progress, env::state_id(layout, next));
      if (next_progress == n) continue;
      const auto id = node(next, next_progress);
      if (parent[id] != kNone) continue;
      parent[id] = node(cell, progress);
      move_to[id] = move;
      queue.emplace_back(next, next_progress);
    }
  }
  return std::nullopt;
}

std::vector<env::Task> crossing_tasks(const env::GridLayout& layout, const ForbiddenRun& run, std::size_t max_tasks) {
  std::vector<env::Cell> run_cells;
  for (const auto& state : run.states()) run_cells.push_back(env::cell_from_state_id(layout, state));
  const std::set<env::Cell> in_run(run_cells.begin(), run_cells.end());
  const auto near = [&](env::Cell anchor) {
    std::vector<env::Cell> cells;
    for (int y = 0; y < layout.height(); ++y) {
      for (int x = 0; x < layout.width(); ++x) {
        const env::Cell cell{x, y};
        if (layout.is_free(cell) && !in_run.contains(cell) && manhattan(cell, anchor) <= 3) cells.push_back(cell);
      }
    }
    return cells;
  };
  std::vector<std::tuple<int, int, int>> found;  // (length, start index, goal index)
  for (const auto from : near(run_cells.front())) {
    for (const auto to : near(run_cells.back())) {
      if (from == to) continue;
      const auto direct = env::shortest_path(layout, from, to);
      if (!direct || !run.first_completion(states_of(layout, direct->cells))) continue;
      if (!path_avoiding(layout, from, to, run)) continue;
      found.emplace_back(direct->length(), layout.index_of(from), layout.index_of(to));
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<env::Task> tasks;
  for (const auto& [length, from, to] : found) {
    if (tasks.size() >= max_tasks) break;
    tasks.push_back(env::goto_task(layout, layout.cell_at(from), layout.cell_at(to)));
  }
  return tasks;
}

std::vector<Detour> detours(const env::GridLayout& layout, const ForbiddenRun& run, std::size_t max_tasks) {
  std::vector<Detour> out;
  for (const auto& task : crossing_tasks(layout, run, max_tasks)) {
    const auto from = env::cell_from_json(task.params.at("from"), "task", "from");
    const auto to = env::cell_from_json(task.params.at("to"), "task", "to");
    auto direct = env::shortest_path(layout, from, to);
    auto avoiding = path_avoiding(layout, from, to, run);
    if (direct && avoiding) out.push_back({std::move(*direct), std::move(*avoiding)});
  }
  return out;
}

}  // namespace lethe::unlearn
