// Shortest paths on a GridLayout by breadth-first search, optionally avoiding a set of blocked cells (the
// unlearning work needs "the shortest path that never enters state s"). Moves cost 1; ties are broken by the
// order of kAllMoves (up, down, left, right), so results are deterministic.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lethe/env/grid_geometry.hpp"
#include "lethe/env/grid_layout.hpp"

namespace lethe::env {

struct GridPath {
  std::vector<Cell> cells;  // from the first cell to the last, both included
  std::vector<Move> moves;  // moves.size() == cells.size() - 1

  int length() const { return static_cast<int>(moves.size()); }
  std::vector<std::string> actions() const;  // the moves as GridWorld action names
};

// Number of moves from a source to every cell; kUnreachable for obstacles, blocked cells and cells cut off.
class DistanceMap {
 public:
  static constexpr int kUnreachable = -1;

  DistanceMap(int width, int height, std::vector<int> distances);
  int at(Cell cell) const;  // kUnreachable outside the grid too
  bool reachable(Cell cell) const { return at(cell) != kUnreachable; }

 private:
  int width_;
  int height_;
  std::vector<int> distances_;
};

// Paths never enter a blocked cell (blocked cells outside the grid are ignored). `from` must be a free cell
// (Error otherwise) but may itself be blocked: a path may leave it.
DistanceMap distances_from(const GridLayout& layout, Cell from, const CellSet& blocked = {});

// `to` must lie in the grid (Error otherwise); nullopt when it is an obstacle, blocked or cut off.
std::optional<GridPath> shortest_path(const GridLayout& layout, Cell from, Cell to, const CellSet& blocked = {});
bool is_reachable(const GridLayout& layout, Cell from, Cell to, const CellSet& blocked = {});

// The largest (cells x 2^treasures) search space shortest_collect_tour accepts.
inline constexpr long long kMaxTourStates = 1LL << 22;

// The shortest walk from layout.start() that visits every treasure, found exactly by breadth-first search over
// (cell, treasures collected). nullopt when a treasure is blocked or cut off. Throws Error when the search space
// exceeds kMaxTourStates (e.g. more than 12 treasures on a 32x32 grid).
std::optional<GridPath> shortest_collect_tour(const GridLayout& layout, const CellSet& blocked = {});

}  // namespace lethe::env
