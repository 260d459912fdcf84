#include "lethe/env/grid_geometry.hpp"

#include <cstdlib>

#include "lethe/env/error.hpp"

namespace lethe::env {

namespace {

// Reads a run of decimal digits at `pos`; digits are capped so that the value fits an int.
std::optional<int> read_coordinate(std::string_view text, std::size_t& pos) {
  const std::size_t begin = pos;
  int value = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (pos - begin >= 9) return std::nullopt;
    value = value * 10 + (text[pos] - '0');
    ++pos;
  }
  if (pos == begin) return std::nullopt;
  return value;
}

}  // namespace

std::string cell_key(Cell cell) { return "(" + std::to_string(cell.x) + "," + std::to_string(cell.y) + ")"; }

Cell parse_cell_key(std::string_view key) {
  const auto fail = [&]() -> Error {
    return Error("malformed cell '" + std::string(key) + "' (expected (x,y) with non-negative integers, e.g. (3,4))");
  };
  std::size_t pos = 0;
  if (pos >= key.size() || key[pos] != '(') throw fail();
  ++pos;
  const auto x = read_coordinate(key, pos);
  if (!x || pos >= key.size() || key[pos] != ',') throw fail();
  ++pos;
  const auto y = read_coordinate(key, pos);
  if (!y || pos >= key.size() || key[pos] != ')' || pos + 1 != key.size()) throw fail();
  return Cell{*x, *y};
}

std::string_view move_name(Move move) {
  switch (move) {
    case Move::up:
      return "up";
    case Move::down:
      return "down";
    case Move::left:
      return "left";
    case Move::right:
      return "right";
  }
  return "?";
}

std::optional<Move> parse_move(std::string_view name) {
  for (const Move move : kAllMoves) {
    if (move_name(move) == name) return move;
  }
  return std::nullopt;
}

std::vector<std::string> move_names() {
  std::vector<std::string> names;
  for (const Move move : kAllMoves) names.emplace_back(move_name(move));
  return names;
}

Cell neighbour(Cell cell, Move move) {
  switch (move) {
    case Move::up:
      return {cell.x, cell.y - 1};
    case Move::down:
      return {cell.x, cell.y + 1};
    case Move::left:
      return {cell.x - 1, cell.y};
    case Move::right:
      return {cell.x + 1, cell.y};
  }
  return cell;
}

std::string offset_text(Cell from, Cell to) {
  const auto part = [](int distance, std::string_view negative, std::string_view positive) {
    return std::to_string(std::abs(distance)) + " " + std::string(distance < 0 ? negative : positive);
  };
  std::string text;
  if (to.y != from.y) text = part(to.y - from.y, "up", "down");
  if (to.x != from.x) text += (text.empty() ? "" : ", ") + part(to.x - from.x, "left", "right");
  return text.empty() ? std::string("here") : text;
}

}  // namespace lethe::env
