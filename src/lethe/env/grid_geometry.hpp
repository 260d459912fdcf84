// Cells and moves of a 2-D grid: (0,0) is the top-left corner, x grows to the right, y grows downward.
#pragma once

#include <array>
#include <compare>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace lethe::env {

struct Cell {
  int x = 0;
  int y = 0;
  auto operator<=>(const Cell&) const = default;
};

using CellSet = std::set<Cell>;

// The state key of a cell, "(x,y)" with no spaces, e.g. "(3,4)".
std::string cell_key(Cell cell);
// Inverse of cell_key; accepts exactly "(<digits>,<digits>)". Throws Error otherwise.
Cell parse_cell_key(std::string_view key);

enum class Move { up, down, left, right };

// In the order paths break ties and admissible actions are listed.
inline constexpr std::array<Move, 4> kAllMoves{Move::up, Move::down, Move::left, Move::right};

std::string_view move_name(Move move);                  // "up", "down", "left", "right"
std::optional<Move> parse_move(std::string_view name);  // exact, lower case
std::vector<std::string> move_names();                  // the four names in kAllMoves order
Cell neighbour(Cell cell, Move move);                   // may lie outside any grid

// Where `to` lies from `from`, vertical part first (the order shortest paths break ties in): "2 up, 3 left",
// "1 right", or "here". A policy can act on the first move it names without comparing coordinates.
std::string offset_text(Cell from, Cell to);

}  // namespace lethe::env
