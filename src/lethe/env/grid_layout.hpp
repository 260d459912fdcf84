// A GridWorld layout: size, obstacles, treasures and the start cell, validated on construction, with its JSON
// form and a text rendering.
//
// JSON (canonical form, what to_json writes):
//   {"id": "maze-3", "description": "...", "width": 8, "height": 8, "start": [1, 1],
//    "treasures": [[6, 1], [3, 5]], "obstacles": [[2, 0], [2, 1]]}
// "description" and "obstacles" are optional. Hand-made files may instead draw the grid:
//   {"id": "house", "rows": ["S..#", ".#T.", "...."]}
// with '#' obstacle, 'T' treasure, 'S' start (exactly one), '.' free. A file may hold several layouts as a JSON
// array or as {"layouts": [...]}. Every error names the input and the field, e.g.
//   layout file 'x.json': field 'layouts[1].treasures[0]': treasure at (9,2) is outside the 8x8 grid
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lethe/env/grid_geometry.hpp"
#include "lethe/env/state_id.hpp"

namespace lethe::env {

class GridLayout {
 public:
  static constexpr int kMaxSide = 64;

  // Throws Error "<source>: field '<name>': <problem>" unless: id is non-empty and made of [A-Za-z0-9_.-];
  // 1 <= width, height <= kMaxSide; every cell lies in the grid; start and treasures are not obstacles;
  // treasures are distinct and not the start; every treasure is reachable from start.
  // `source` defaults to "layout '<id>'". Treasures are kept in row-major order.
  GridLayout(std::string id, int width, int height, Cell start, std::vector<Cell> treasures,
             std::vector<Cell> obstacles, std::string description = {}, const std::string& source = {});

  const std::string& id() const { return id_; }
  const std::string& description() const { return description_; }
  int width() const { return width_; }
  int height() const { return height_; }
  int cell_count() const { return width_ * height_; }
  Cell start() const { return start_; }
  const std::vector<Cell>& treasures() const { return treasures_; }
  std::vector<Cell> obstacles() const;  // row-major order

  bool contains(Cell cell) const { return cell.x >= 0 && cell.y >= 0 && cell.x < width_ && cell.y < height_; }
  bool is_obstacle(Cell cell) const;    // false outside the grid
  bool is_free(Cell cell) const;        // inside the grid and not an obstacle
  int treasure_index(Cell cell) const;  // position in treasures(), or -1

  // Row-major index y * width + x; the cell must lie in the grid.
  int index_of(Cell cell) const { return cell.y * width_ + cell.x; }
  Cell cell_at(int index) const { return Cell{index % width_, index / width_}; }

  bool operator==(const GridLayout&) const = default;

 private:
  std::string id_;
  std::string description_;
  int width_ = 0;
  int height_ = 0;
  Cell start_;
  std::vector<Cell> treasures_;
  std::vector<bool> obstacle_;  // row-major
};

// The canonical StateId of a cell: {layout id, "(x,y)"}.
StateId state_id(const GridLayout& layout, Cell cell);
// The cell a StateId names. Throws Error if it belongs to another environment, is malformed or lies outside.
Cell cell_from_state_id(const GridLayout& layout, const StateId& state);

// A cell's JSON form, [x, y]. cell_from_json throws Error "<source>: field '<field>': ..." for anything else.
nlohmann::json cell_to_json(Cell cell);
Cell cell_from_json(const nlohmann::json& json, const std::string& source, const std::string& field);

nlohmann::json to_json(const GridLayout& layout);
// One layout object (canonical or "rows" form). `source` names the input in error messages.
GridLayout layout_from_json(const nlohmann::json& json, const std::string& source);
// One layout, an array of layouts, or {"layouts": [...]}; ids must be distinct.
std::vector<GridLayout> layouts_from_json(const nlohmann::json& json, const std::string& source);
nlohmann::json layouts_to_json(const std::vector<GridLayout>& layouts);  // {"layouts": [...]}

// Errors name the file: "layout file '<path>': ...".
std::vector<GridLayout> load_layouts_file(const std::filesystem::path& path);
// The file must hold exactly one layout.
GridLayout load_layout_file(const std::filesystem::path& path);
// The layout called `id` among those the file holds.
GridLayout load_layout_file(const std::filesystem::path& path, const std::string& id);
// Writes to_json (pretty) by atomic replace: a crash leaves either the old file or the new one.
void save_layout_file(const std::filesystem::path& path, const GridLayout& layout);

// One line per row, each ending in '\n': '#' obstacle, 'T' treasure, 'S' start, '.' free.
std::string render_ascii(const GridLayout& layout);

// FNV-1a 64 of to_json(layout).dump(): the same on every platform, for golden tests and result provenance.
std::uint64_t layout_hash(const GridLayout& layout);

}  // namespace lethe::env
