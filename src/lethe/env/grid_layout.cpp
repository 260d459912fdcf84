#include "lethe/env/grid_layout.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <tuple>

#include "lethe/env/error.hpp"

namespace lethe::env {

namespace {

using nlohmann::json;

std::string grid_size(int width, int height) { return std::to_string(width) + "x" + std::to_string(height); }

[[noreturn]] void fail(const std::string& source, const std::string& field, const std::string& problem) {
  if (field.empty()) throw Error(source + ": " + problem);
  throw Error(source + ": field '" + field + "': " + problem);
}

bool valid_id(const std::string& id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

// A layout before validation, as read from its input.
struct LayoutSpec {
  std::string id;
  std::string description;
  int width = 0;
  int height = 0;
  Cell start;
  std::vector<Cell> treasures;
  std::vector<Cell> obstacles;
};

// How the fields of a LayoutSpec are named in the input, so errors point at what the person wrote.
struct FieldNames {
  std::string id;
  std::string width;
  std::string height;
  std::string start;
  std::function<std::string(std::size_t index, Cell cell)> treasure;
  std::function<std::string(std::size_t index, Cell cell)> obstacle;
};

FieldNames canonical_names(const std::string& prefix) {
  return FieldNames{prefix + "id",
                    prefix + "width",
                    prefix + "height",
                    prefix + "start",
                    [prefix](std::size_t i, Cell) { return prefix + "treasures[" + std::to_string(i) + "]"; },
                    [prefix](std::size_t i, Cell) { return prefix + "obstacles[" + std::to_string(i) + "]"; }};
}

FieldNames rows_names(const std::string& prefix) {
  const auto row = [prefix](std::size_t, Cell cell) { return prefix + "rows[" + std::to_string(cell.y) + "]"; };
  return FieldNames{prefix + "id", prefix + "rows", prefix + "rows", prefix + "rows", row, row};
}

// Free cells reachable from `start`, row-major.
std::vector<bool> flood_fill(int width, int height, const std::vector<bool>& obstacle, Cell start) {
  std::vector<bool> seen(obstacle.size(), false);
  std::vector<Cell> frontier{start};
  seen[static_cast<std::size_t>(start.y * width + start.x)] = true;
  while (!frontier.empty()) {
    const Cell cell = frontier.back();
    frontier.pop_back();
    for (const Move move : kAllMoves) {
      const Cell next = neighbour(cell, move);
      if (next.x < 0 || next.y < 0 || next.x >= width || next.y >= height) continue;
      const auto index = static_cast<std::size_t>(next.y * width + next.x);
      if (obstacle[index] || seen[index]) continue;
      seen[index] = true;
      frontier.push_back(next);
    }
  }
  return seen;
}

void validate(const LayoutSpec& spec, const std::string& source, const FieldNames& names) {
  if (!valid_id(spec.id)) {
    fail(source, names.id, "id '" + spec.id + "' must be non-empty and use only letters, digits, '_', '.', '-'");
  }
  const auto check_side = [&](int side, const std::string& field, const char* what) {
    if (side < 1 || side > GridLayout::kMaxSide) {
      fail(source, field,
           std::string(what) + " " + std::to_string(side) + " is outside 1.." + std::to_string(GridLayout::kMaxSide));
    }
  };
  check_side(spec.width, names.width, "width");
  check_side(spec.height, names.height, "height");

  const auto inside = [&](Cell c) { return c.x >= 0 && c.y >= 0 && c.x < spec.width && c.y < spec.height; };
  const auto outside_message = [&](const char* what, Cell c) {
    return std::string(what) + " at " + cell_key(c) + " is outside the " + grid_size(spec.width, spec.height) + " grid";
  };
  std::vector<bool> obstacle(static_cast<std::size_t>(spec.width * spec.height), false);
  const auto index = [&](Cell c) { return static_cast<std::size_t>(c.y * spec.width + c.x); };
  for (std::size_t i = 0; i < spec.obstacles.size(); ++i) {
    const Cell c = spec.obstacles[i];
    if (!inside(c)) fail(source, names.obstacle(i, c), outside_message("obstacle", c));
    obstacle[index(c)] = true;
  }
  if (!inside(spec.start)) fail(source, names.start, outside_message("start", spec.start));
  if (obstacle[index(spec.start)]) fail(source, names.start, "start " + cell_key(spec.start) + " is on an obstacle");

  std::map<Cell, std::size_t> treasure_at;
  for (std::size_t i = 0; i < spec.treasures.size(); ++i) {
    const Cell c = spec.treasures[i];
    const std::string field = names.treasure(i, c);
    if (!inside(c)) fail(source, field, outside_message("treasure", c));
    if (obstacle[index(c)]) fail(source, field, "treasure at " + cell_key(c) + " is on an obstacle");
    if (c == spec.start) fail(source, field, "treasure at " + cell_key(c) + " is on the start cell");
    if (const auto [it, inserted] = treasure_at.emplace(c, i); !inserted) {
      fail(source, field, "duplicate treasure at " + cell_key(c) + " (also " + names.treasure(it->second, c) + ")");
    }
  }
  const std::vector<bool> reachable = flood_fill(spec.width, spec.height, obstacle, spec.start);
  for (std::size_t i = 0; i < spec.treasures.size(); ++i) {
    const Cell c = spec.treasures[i];
    if (!reachable[index(c)]) {
      fail(source, names.treasure(i, c),
           "treasure at " + cell_key(c) + " is unreachable from start " + cell_key(spec.start));
    }
  }
}

// ---- JSON reading ----

int read_int(const json& value, const std::string& source, const std::string& field) {
  if (!value.is_number_integer()) fail(source, field, "must be an integer, got " + value.dump());
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) fail(source, field, "integer out of range");
    return static_cast<int>(v);
  }
  const auto v = value.get<std::int64_t>();
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
    fail(source, field, "integer out of range");
  }
  return static_cast<int>(v);
}

Cell read_cell(const json& value, const std::string& source, const std::string& field) {
  if (!value.is_array() || value.size() != 2) fail(source, field, "a cell must be [x, y], got " + value.dump());
  return Cell{read_int(value[0], source, field + "[0]"), read_int(value[1], source, field + "[1]")};
}

std::vector<Cell> read_cells(const json& value, const std::string& source, const std::string& field) {
  if (!value.is_array()) fail(source, field, "must be an array of [x, y] cells");
  std::vector<Cell> cells;
  for (std::size_t i = 0; i < value.size(); ++i) {
    cells.push_back(read_cell(value[i], source, field + "[" + std::to_string(i) + "]"));
  }
  return cells;
}

const json& required(const json& object, const char* name, const std::string& source, const std::string& prefix) {
  const auto it = object.find(name);
  if (it == object.end()) fail(source, prefix + name, "missing field");
  return *it;
}

std::string read_string(const json& value, const std::string& source, const std::string& field) {
  if (!value.is_string()) fail(source, field, "must be a string");
  return value.get<std::string>();
}

void read_rows(const json& rows, LayoutSpec& spec, const std::string& source, const std::string& prefix) {
  const std::string field = prefix + "rows";
  if (!rows.is_array() || rows.empty()) fail(source, field, "must be a non-empty array of strings");
  if (rows.size() > GridLayout::kMaxSide) {
    fail(source, field,
         "height " + std::to_string(rows.size()) + " is outside 1.." + std::to_string(GridLayout::kMaxSide));
  }
  bool have_start = false;
  for (std::size_t y = 0; y < rows.size(); ++y) {
    const std::string row_field = field + "[" + std::to_string(y) + "]";
    const std::string row = read_string(rows[y], source, row_field);
    if (y == 0) {
      if (row.empty() || row.size() > GridLayout::kMaxSide) {
        fail(source, row_field,
             "width " + std::to_string(row.size()) + " is outside 1.." + std::to_string(GridLayout::kMaxSide));
      }
      spec.width = static_cast<int>(row.size());
    } else if (row.size() != static_cast<std::size_t>(spec.width)) {
      fail(source, row_field,
           "has " + std::to_string(row.size()) + " cells; rows[0] has " + std::to_string(spec.width));
    }
    for (std::size_t x = 0; x < row.size(); ++x) {
      const Cell cell{static_cast<int>(x), static_cast<int>(y)};
      switch (row[x]) {
        case '.':
          break;
        case '#':
          spec.obstacles.push_back(cell);
          break;
        case 'T':
          spec.treasures.push_back(cell);
          break;
        case 'S':
          if (have_start) {
            fail(source, row_field,
                 "second start 'S' at " + cell_key(cell) + " (the first is at " + cell_key(spec.start) + ")");
          }
          have_start = true;
          spec.start = cell;
          break;
        default:
          fail(source, row_field,
               "unknown character '" + std::string(1, row[x]) + "' at " + cell_key(cell) +
                   " (use '#' obstacle, 'T' treasure, 'S' start, '.' free)");
      }
    }
  }
  spec.height = static_cast<int>(rows.size());
  if (!have_start) fail(source, field, "no start cell 'S'");
}

GridLayout parse_layout(const json& object, const std::string& source, const std::string& prefix) {
  if (!object.is_object()) {
    fail(source, prefix.empty() ? "" : prefix.substr(0, prefix.size() - 1), "a layout must be a JSON object");
  }
  static const std::vector<std::string> known{"id",    "description", "width",     "height",
                                              "start", "treasures",   "obstacles", "rows"};
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      fail(source, prefix + key,
           "unknown field (expected id, description, and either rows or width, height, "
           "start, treasures, obstacles)");
    }
  }
  LayoutSpec spec;
  spec.id = read_string(required(object, "id", source, prefix), source, prefix + "id");
  if (const auto it = object.find("description"); it != object.end()) {
    spec.description = read_string(*it, source, prefix + "description");
  }
  FieldNames names;
  if (const auto rows = object.find("rows"); rows != object.end()) {
    for (const char* field : {"width", "height", "start", "treasures", "obstacles"}) {
      if (object.contains(field)) fail(source, prefix + field, "not allowed together with 'rows'");
    }
    read_rows(*rows, spec, source, prefix);
    names = rows_names(prefix);
  } else {
    spec.width = read_int(required(object, "width", source, prefix), source, prefix + "width");
    spec.height = read_int(required(object, "height", source, prefix), source, prefix + "height");
    spec.start = read_cell(required(object, "start", source, prefix), source, prefix + "start");
    spec.treasures = read_cells(required(object, "treasures", source, prefix), source, prefix + "treasures");
    if (const auto it = object.find("obstacles"); it != object.end()) {
      spec.obstacles = read_cells(*it, source, prefix + "obstacles");
    }
    names = canonical_names(prefix);
  }
  validate(spec, source, names);
  return GridLayout(spec.id, spec.width, spec.height, spec.start, spec.treasures, spec.obstacles, spec.description,
                    source);
}

json read_json_file(const std::filesystem::path& path, const std::string& source) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(source, "", std::string("cannot open (") + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(source, "", "read error");
  try {
    return json::parse(text.str());
  } catch (const json::parse_error& e) {
    fail(source, "", std::string("malformed JSON: ") + e.what());
  }
}

std::string file_source(const std::filesystem::path& path) { return "layout file '" + path.string() + "'"; }

std::string joined_ids(const std::vector<GridLayout>& layouts) {
  std::string ids;
  for (const auto& layout : layouts) ids += (ids.empty() ? "" : ", ") + layout.id();
  return ids;
}

}  // namespace

GridLayout::GridLayout(std::string id, int width, int height, Cell start, std::vector<Cell> treasures,
                       std::vector<Cell> obstacles, std::string description, const std::string& source) {
  LayoutSpec spec{std::move(id),        std::move(description), width, height, start,
                  std::move(treasures), std::move(obstacles)};
  validate(spec, source.empty() ? "layout '" + spec.id + "'" : source, canonical_names(""));
  id_ = std::move(spec.id);
  description_ = std::move(spec.description);
  width_ = width;
  height_ = height;
  start_ = start;
  obstacle_.assign(static_cast<std::size_t>(width * height), false);
  for (const Cell c : spec.obstacles) obstacle_[static_cast<std::size_t>(index_of(c))] = true;
  treasures_ = std::move(spec.treasures);
  std::sort(treasures_.begin(), treasures_.end(),
            [](Cell a, Cell b) { return std::tie(a.y, a.x) < std::tie(b.y, b.x); });
}

std::vector<Cell> GridLayout::obstacles() const {
  std::vector<Cell> cells;
  for (int i = 0; i < cell_count(); ++i) {
    if (obstacle_[static_cast<std::size_t>(i)]) cells.push_back(cell_at(i));
  }
  return cells;
}

bool GridLayout::is_obstacle(Cell cell) const {
  return contains(cell) && obstacle_[static_cast<std::size_t>(index_of(cell))];
}

bool GridLayout::is_free(Cell cell) const {
  return contains(cell) && !obstacle_[static_cast<std::size_t>(index_of(cell))];
}

int GridLayout::treasure_index(Cell cell) const {
  const auto it = std::find(treasures_.begin(), treasures_.end(), cell);
  return it == treasures_.end() ? -1 : static_cast<int>(it - treasures_.begin());
}

nlohmann::json cell_to_json(Cell cell) { return json::array({cell.x, cell.y}); }

Cell cell_from_json(const nlohmann::json& json, const std::string& source, const std::string& field) {
  return read_cell(json, source, field);
}

StateId state_id(const GridLayout& layout, Cell cell) { return StateId{layout.id(), cell_key(cell)}; }

Cell cell_from_state_id(const GridLayout& layout, const StateId& state) {
  if (state.environment != layout.id()) {
    throw Error("state '" + state.str() + "' belongs to environment '" + state.environment + "', not '" + layout.id() +
                "'");
  }
  Cell cell;
  try {
    cell = parse_cell_key(state.key);
  } catch (const Error& e) {
    throw Error("state '" + state.str() + "': " + e.what());
  }
  if (!layout.contains(cell)) {
    throw Error("state '" + state.str() + "' is outside the " + grid_size(layout.width(), layout.height()) + " grid '" +
                layout.id() + "'");
  }
  return cell;
}

nlohmann::json to_json(const GridLayout& layout) {
  json treasures = json::array();
  for (const Cell c : layout.treasures()) treasures.push_back(cell_to_json(c));
  json obstacles = json::array();
  for (const Cell c : layout.obstacles()) obstacles.push_back(cell_to_json(c));
  json out = {{"id", layout.id()},         {"width", layout.width()},
              {"height", layout.height()}, {"start", cell_to_json(layout.start())},
              {"treasures", treasures},    {"obstacles", obstacles}};
  if (!layout.description().empty()) out["description"] = layout.description();
  return out;
}

GridLayout layout_from_json(const nlohmann::json& json, const std::string& source) {
  return parse_layout(json, source, "");
}

std::vector<GridLayout> layouts_from_json(const nlohmann::json& input, const std::string& source) {
  const json* list = &input;
  std::string prefix;
  if (input.is_object()) {
    if (!input.contains("layouts")) return {parse_layout(input, source, "")};
    for (const auto& [key, value] : input.items()) {
      if (key != "layouts") fail(source, key, "unknown field next to 'layouts'");
    }
    list = &input["layouts"];
    prefix = "layouts";
    if (!list->is_array()) fail(source, prefix, "must be an array of layouts");
  } else if (!input.is_array()) {
    fail(source, "", "expected a layout object, an array of layouts or {\"layouts\": [...]}");
  }
  if (list->empty()) fail(source, prefix, "holds no layouts");
  std::vector<GridLayout> layouts;
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string item = prefix + "[" + std::to_string(i) + "].";
    layouts.push_back(parse_layout((*list)[i], source, item));
    if (const auto [it, inserted] = seen.emplace(layouts.back().id(), i); !inserted) {
      fail(source, item + "id",
           "duplicate layout id '" + it->first + "' (also " + prefix + "[" + std::to_string(it->second) + "])");
    }
  }
  return layouts;
}

nlohmann::json layouts_to_json(const std::vector<GridLayout>& layouts) {
  json list = json::array();
  for (const auto& layout : layouts) list.push_back(to_json(layout));
  return json{{"layouts", list}};
}

std::vector<GridLayout> load_layouts_file(const std::filesystem::path& path) {
  const std::string source = file_source(path);
  return layouts_from_json(read_json_file(path, source), source);
}

GridLayout load_layout_file(const std::filesystem::path& path) {
  auto layouts = load_layouts_file(path);
  if (layouts.size() != 1) {
    fail(file_source(path), "",
         "holds " + std::to_string(layouts.size()) + " layouts (" + joined_ids(layouts) + "); name the one to load");
  }
  return std::move(layouts.front());
}

GridLayout load_layout_file(const std::filesystem::path& path, const std::string& id) {
  auto layouts = load_layouts_file(path);
  for (auto& layout : layouts) {
    if (layout.id() == id) return std::move(layout);
  }
  fail(file_source(path), "", "no layout with id '" + id + "' (it holds: " + joined_ids(layouts) + ")");
}

void save_layout_file(const std::filesystem::path& path, const GridLayout& layout) {
  const std::string source = file_source(path);
  std::filesystem::path temp = path;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) fail(source, "", std::string("cannot write (") + std::strerror(errno) + ")");
    out << to_json(layout).dump(2) << '\n';
    out.flush();
    if (!out) fail(source, "", "write failed");
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::filesystem::remove(temp, ec);
    fail(source, "", "cannot replace the file (" + ec.message() + ")");
  }
}

std::string render_ascii(const GridLayout& layout) {
  std::string text;
  text.reserve(static_cast<std::size_t>((layout.width() + 1) * layout.height()));
  for (int y = 0; y < layout.height(); ++y) {
    for (int x = 0; x < layout.width(); ++x) {
      const Cell cell{x, y};
      if (layout.is_obstacle(cell)) {
        text += '#';
      } else if (cell == layout.start()) {
        text += 'S';
      } else if (layout.treasure_index(cell) >= 0) {
        text += 'T';
      } else {
        text += '.';
      }
    }
    text += '\n';
  }
  return text;
}

std::uint64_t layout_hash(const GridLayout& layout) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const char c : to_json(layout).dump()) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace lethe::env
