#include "lethe/env/grid_paths.hpp"

#include <algorithm>
#include <cstdint>
#include <deque>

#include "lethe/env/error.hpp"

namespace lethe::env {

namespace {

// Cells a path may enter, row-major.
std::vector<bool> passable_cells(const GridLayout& layout, const CellSet& blocked) {
  std::vector<bool> passable(static_cast<std::size_t>(layout.cell_count()));
  for (int i = 0; i < layout.cell_count(); ++i)
    passable[static_cast<std::size_t>(i)] = layout.is_free(layout.cell_at(i));
  for (const Cell c : blocked) {
    if (layout.contains(c)) passable[static_cast<std::size_t>(layout.index_of(c))] = false;
  }
  return passable;
}

void require_free(const GridLayout& layout, Cell cell, const char* role) {
  if (!layout.contains(cell)) {
    throw Error(std::string(role) + " " + cell_key(cell) + " is outside the " + std::to_string(layout.width()) + "x" +
                std::to_string(layout.height()) + " grid '" + layout.id() + "'");
  }
  if (layout.is_obstacle(cell)) {
    throw Error(std::string(role) + " " + cell_key(cell) + " is an obstacle in grid '" + layout.id() + "'");
  }
}

struct SearchTree {
  std::vector<int> distance;  // per cell index; -1 unseen
  std::vector<int> parent;    // per cell index
  std::vector<Move> via;      // the move that entered the cell
};

SearchTree breadth_first(const GridLayout& layout, Cell from, const CellSet& blocked) {
  require_free(layout, from, "start cell");
  const std::vector<bool> passable = passable_cells(layout, blocked);
  const auto n = static_cast<std::size_t>(layout.cell_count());
  SearchTree tree{std::vector<int>(n, -1), std::vector<int>(n, -1), std::vector<Move>(n, Move::up)};
  std::deque<int> queue{layout.index_of(from)};
  tree.distance[static_cast<std::size_t>(layout.index_of(from))] = 0;
  while (!queue.empty()) {
    const int current = queue.front();
    queue.pop_front();
    const Cell cell = layout.cell_at(current);
    for (const Move move : kAllMoves) {
      const Cell next = neighbour(cell, move);
      if (!layout.contains(next)) continue;
      const auto index = static_cast<std::size_t>(layout.index_of(next));
      if (!passable[index] || tree.distance[index] != -1) continue;
      tree.distance[index] = tree.distance[static_cast<std::size_t>(current)] + 1;
      tree.parent[index] = current;
      tree.via[index] = move;
      queue.push_back(static_cast<int>(index));
    }
  }
  return tree;
}

}  // namespace

std::vector<std::string> GridPath::actions() const {
  std::vector<std::string> names;
  names.reserve(moves.size());
  for (const Move move : moves) names.emplace_back(move_name(move));
  return names;
}

DistanceMap::DistanceMap(int width, int height, std::vector<int> distances)
    : width_(width), height_(height), distances_(std::move(distances)) {}

int DistanceMap::at(Cell cell) const {
  if (cell.x < 0 || cell.y < 0 || cell.x >= width_ || cell.y >= height_) return kUnreachable;
  return distances_[static_cast<std::size_t>(cell.y * width_ + cell.x)];
}

DistanceMap distances_from(const GridLayout& layout, Cell from, const CellSet& blocked) {
  return DistanceMap(layout.width(), layout.height(), breadth_first(layout, from, blocked).distance);
}

std::optional<GridPath> shortest_path(const GridLayout& layout, Cell from, Cell to, const CellSet& blocked) {
  if (!layout.contains(to)) {
    throw Error("goal " + cell_key(to) + " is outside the " + std::to_string(layout.width()) + "x" +
                std::to_string(layout.height()) + " grid '" + layout.id() + "'");
  }
  const SearchTree tree = breadth_first(layout, from, blocked);
  if (tree.distance[static_cast<std::size_t>(layout.index_of(to))] < 0) return std::nullopt;
  GridPath path;
  for (int index = layout.index_of(to); index != layout.index_of(from);
       index = tree.parent[static_cast<std::size_t>(index)]) {
    path.cells.push_back(layout.cell_at(index));
    path.moves.push_back(tree.via[static_cast<std::size_t>(index)]);
  }
  path.cells.push_back(from);
  std::reverse(path.cells.begin(), path.cells.end());
  std::reverse(path.moves.begin(), path.moves.end());
  return path;
}

bool is_reachable(const GridLayout& layout, Cell from, Cell to, const CellSet& blocked) {
  return shortest_path(layout, from, to, blocked).has_value();
}

std::optional<GridPath> shortest_collect_tour(const GridLayout& layout, const CellSet& blocked) {
  const Cell start = layout.start();
  const auto& treasures = layout.treasures();
  const int count = static_cast<int>(treasures.size());
  const long long cells = layout.cell_count();
  if (count > 22 || (cells << count) > kMaxTourStates) {
    throw Error("an exact tour over " + std::to_string(count) + " treasures on the " + std::to_string(layout.width()) +
                "x" + std::to_string(layout.height()) + " grid '" + layout.id() + "' needs more than " +
                std::to_string(kMaxTourStates) + " search states");
  }
  require_free(layout, start, "start cell");
  const std::vector<bool> passable = passable_cells(layout, blocked);
  for (const Cell t : treasures) {
    if (!passable[static_cast<std::size_t>(layout.index_of(t))]) return std::nullopt;
  }
  const std::uint32_t full = (1u << count) - 1u;
  const auto mask_at = [&](Cell cell) -> std::uint32_t {
    const int t = layout.treasure_index(cell);
    return t < 0 ? 0u : 1u << t;
  };
  // State = cell index * 2^count + collected mask.
  const auto state_of = [&](int cell_index, std::uint32_t mask) {
    return static_cast<std::size_t>((static_cast<long long>(cell_index) << count) | mask);
  };
  const auto states = static_cast<std::size_t>(cells << count);
  std::vector<int> parent(states, -1);
  std::vector<Move> via(states, Move::up);
  std::vector<bool> seen(states, false);

  const std::size_t first = state_of(layout.index_of(start), mask_at(start));
  seen[first] = true;
  std::deque<std::size_t> queue{first};
  std::optional<std::size_t> goal;
  if ((first & full) == full) goal = first;
  while (!queue.empty() && !goal) {
    const std::size_t current = queue.front();
    queue.pop_front();
    const Cell cell = layout.cell_at(static_cast<int>(current >> count));
    const auto mask = static_cast<std::uint32_t>(current & full);
    for (const Move move : kAllMoves) {
      const Cell next = neighbour(cell, move);
      if (!layout.contains(next) || !passable[static_cast<std::size_t>(layout.index_of(next))]) continue;
      const std::uint32_t next_mask = mask | mask_at(next);
      const std::size_t state = state_of(layout.index_of(next), next_mask);
      if (seen[state]) continue;
      seen[state] = true;
      parent[state] = static_cast<int>(current);
      via[state] = move;
      if (next_mask == full) {
        goal = state;
        break;
      }
      queue.push_back(state);
    }
  }
  if (!goal) return std::nullopt;
  GridPath path;
  for (std::size_t state = *goal; state != first; state = static_cast<std::size_t>(parent[state])) {
    path.cells.push_back(layout.cell_at(static_cast<int>(state >> count)));
    path.moves.push_back(via[state]);
  }
  path.cells.push_back(start);
  std::reverse(path.cells.begin(), path.cells.end());
  std::reverse(path.moves.begin(), path.moves.end());
  return path;
}

}  // namespace lethe::env
