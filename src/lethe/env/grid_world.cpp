#include "lethe/env/grid_world.hpp"

#include <algorithm>
#include <cstdlib>
#include <tuple>
#include <utility>

#include "lethe/env/grid_paths.hpp"

namespace lethe::env {

namespace {

constexpr const char* kCollect = "collect";
constexpr const char* kGoto = "goto";

std::string size_text(const GridLayout& layout) {
  return std::to_string(layout.width()) + "x" + std::to_string(layout.height());
}

std::string world_text(const GridLayout& layout) {
  return world_name_text(layout.id()) + " (" + size_text(layout) +
         "; (0,0) is the top-left corner, x grows to the right, y grows downward)";
}

// Throws Error "<source>: field '<field>': ..." unless from and to are distinct free cells connected by a path.
void check_goto(const GridLayout& layout, Cell from, Cell to, const std::string& source, const std::string& from_field,
                const std::string& to_field) {
  const auto fail = [&](const std::string& field, const std::string& problem) {
    throw Error(source + ": field '" + field + "': " + problem);
  };
  for (const auto& [cell, field, role] : {std::tuple{from, from_field, "from"}, std::tuple{to, to_field, "to"}}) {
    if (!layout.contains(cell)) {
      fail(field, std::string(role) + " " + cell_key(cell) + " is outside the " + size_text(layout) + " grid '" +
                      layout.id() + "'");
    }
    if (layout.is_obstacle(cell)) {
      fail(field, std::string(role) + " " + cell_key(cell) + " is an obstacle in grid '" + layout.id() + "'");
    }
  }
  if (from == to) fail(to_field, "to " + cell_key(to) + " is the same cell as from");
  if (!is_reachable(layout, from, to)) {
    fail(to_field, "to " + cell_key(to) + " is unreachable from " + cell_key(from) + " in grid '" + layout.id() + "'");
  }
}

}  // namespace

GridWorld::GridWorld(GridLayout layout, GridWorldOptions options)
    : layout_(std::move(layout)), view_radius_(options.view_radius), step_limit_(options.step_limit) {
  if (view_radius_ < 0) throw Error("GridWorld: view radius " + std::to_string(view_radius_) + " is negative");
  if (step_limit_ < 0) throw Error("GridWorld: step limit " + std::to_string(step_limit_) + " is negative");
  if (step_limit_ == 0) step_limit_ = 4 * (layout_.width() + layout_.height());
  position_ = layout_.start();
}

Observation GridWorld::reset(const Task& task) {
  const std::string source = "task '" + task.id + "'";
  if (!task.environment.empty() && task.environment != layout_.id()) {
    throw Error(source + ": field 'environment': task is for '" + task.environment + "', this grid world is '" +
                layout_.id() + "'");
  }
  if (!task.params.is_object()) throw Error(source + ": field 'params': must be a JSON object");
  Kind kind = Kind::collect;
  Cell from = layout_.start();
  Cell goal = layout_.start();
  if (task.kind == kCollect) {
    if (layout_.treasures().empty()) {
      throw Error(source + ": field 'kind': grid world '" + layout_.id() + "' has no treasures to collect");
    }
    kind = Kind::collect;
  } else if (task.kind == kGoto) {
    for (const char* name : {"from", "to"}) {
      if (!task.params.contains(name)) throw Error(source + ": field 'params." + name + "': missing field");
    }
    from = cell_from_json(task.params.at("from"), source, "params.from");
    goal = cell_from_json(task.params.at("to"), source, "params.to");
    check_goto(layout_, from, goal, source, "params.from", "params.to");
    kind = Kind::go_to;
  } else {
    throw Error(source + ": field 'kind': unknown task kind '" + task.kind + "' (GridWorld runs: collect, goto)");
  }

  task_ = task;
  kind_ = kind;
  position_ = from;
  goal_ = goal;
  collected_.assign(layout_.treasures().size(), false);
  steps_ = 0;
  started_ = true;
  done_ = false;
  trajectory_ = Trajectory{{current_state()}, {}, {}};
  return Observation{observation_text(), current_state()};
}

std::vector<std::string> GridWorld::admissible_actions() const {
  if (!started_ || done_) return {};
  return move_names();
}

StepResult GridWorld::step(const std::string& action) {
  require_running();
  const auto move = parse_move(action);
  if (!move) throw invalid_action_error(action, admissible_actions());

  const Cell next = neighbour(position_, *move);
  if (layout_.is_free(next)) position_ = next;
  ++steps_;

  StepResult result;
  if (kind_ == Kind::collect) {
    const int treasure = layout_.treasure_index(position_);
    if (treasure >= 0 && !collected_[static_cast<std::size_t>(treasure)]) {
      collected_[static_cast<std::size_t>(treasure)] = true;
      result.reward = 1.0;
    }
    result.success = treasures_left() == 0;
  } else if (position_ == goal_) {
    result.reward = 1.0;
    result.success = true;
  }
  done_ = result.success || steps_ >= step_limit_;
  result.done = done_;
  result.observation = Observation{observation_text(), current_state()};

  trajectory_.actions.push_back(action);
  trajectory_.rewards.push_back(result.reward);
  trajectory_.states.push_back(result.observation.state);
  return result;
}

StateId GridWorld::current_state() const { return state_id(layout_, position_); }

int GridWorld::treasures_collected() const {
  return static_cast<int>(std::count(collected_.begin(), collected_.end(), true));
}

int GridWorld::treasures_left() const { return static_cast<int>(layout_.treasures().size()) - treasures_collected(); }

void GridWorld::require_running() const {
  if (!started_) throw Error("grid world '" + layout_.id() + "': step() before reset()");
  if (done_) {
    throw Error("grid world '" + layout_.id() + "': the episode of task '" + task_.id + "' is over after " +
                std::to_string(steps_) + " steps; call reset()");
  }
}

bool GridWorld::uncollected_treasure(Cell cell) const {
  const int treasure = layout_.treasure_index(cell);
  return treasure >= 0 && !(kind_ == Kind::collect && collected_[static_cast<std::size_t>(treasure)]);
}

std::string GridWorld::describe(Cell cell) const {
  if (!layout_.contains(cell)) return "wall";
  if (layout_.is_obstacle(cell)) return "obstacle";
  if (uncollected_treasure(cell)) return "treasure";
  return "free";
}

std::string GridWorld::observation_text() const {
  std::string text = "pos " + cell_key(position_);
  if (view_radius_ >= 1) {
    for (const Move move : kAllMoves) {
      const Cell there = neighbour(position_, move);
      text += "; ";
      text += move_name(move);
      if (layout_.contains(there)) text += " " + cell_key(there);
      text += ": " + describe(there);
    }
  }
  if (view_radius_ >= 2) {
    std::string seen;
    for (int dy = -view_radius_; dy <= view_radius_; ++dy) {
      const int span = view_radius_ - std::abs(dy);
      for (int dx = -span; dx <= span; ++dx) {
        if (std::abs(dx) + std::abs(dy) < 2) continue;
        const Cell cell{position_.x + dx, position_.y + dy};
        if (!layout_.contains(cell)) continue;
        const std::string what = describe(cell);
        if (what == "free") continue;
        seen += (seen.empty() ? "" : ", ") + what + " " + cell_key(cell);
      }
    }
    text += "; also in view: " + (seen.empty() ? std::string("none") : seen);
  }
  if (kind_ == Kind::collect) {
    text += "; treasures collected: " + std::to_string(treasures_collected()) +
            "; treasures left: " + std::to_string(treasures_left());
  } else {
    text += "; goal " + cell_key(goal_) + ": " + offset_text(position_, goal_);
  }
  return text;
}

std::string world_name_text(const std::string& environment) { return "grid world '" + environment + "'"; }

Task collect_task(const GridLayout& layout) {
  const auto count = layout.treasures().size();
  if (count == 0) throw Error("collect task: grid world '" + layout.id() + "' has no treasures");
  Task task;
  task.id = layout.id() + "/collect";
  task.environment = layout.id();
  task.kind = kCollect;
  task.description = "Collect all " + std::to_string(count) + (count == 1 ? " treasure" : " treasures") + " in " +
                     world_text(layout) + ", starting at " + cell_key(layout.start()) + ".";
  task.params = nlohmann::json::object();
  return task;
}

Task goto_task(const GridLayout& layout, Cell from, Cell to) {
  check_goto(layout, from, to, "goto task in grid world '" + layout.id() + "'", "from", "to");
  Task task;
  task.id = layout.id() + "/goto/" + cell_key(from) + "->" + cell_key(to);
  task.environment = layout.id();
  task.kind = kGoto;
  task.description = "Go from " + cell_key(from) + " to " + cell_key(to) + " in " + world_text(layout) + ".";
  task.params = {{"from", cell_to_json(from)}, {"to", cell_to_json(to)}};
  return task;
}

}  // namespace lethe::env
