// GridWorld: an Environment over a GridLayout with partial observability.
//
// Tasks: "collect" (collect every treasure, starting at the layout's start; reward +1 per treasure) and "goto"
// (params {"from": [x, y], "to": [x, y]}; reward +1 on arrival). Actions: "up", "down", "left", "right"; moving
// into the border or an obstacle leaves the agent in place and still costs a step. An episode ends on success
// or when the step limit is reached.
//
// Observation text (stable; prompts show it and small models are trained on it), e.g. with radius 1:
//   pos (2,0); up: wall; down (2,1): obstacle; left (1,0): free; right (3,0): treasure; treasures collected: 1;
//   treasures left: 2
// Each of the four neighbours is "wall" (outside the grid), "obstacle", "treasure" (not yet collected) or
// "free"; those inside the grid carry their cell, so a constraint naming a cell can be matched to a move. With
// radius r >= 2, "; also in view: treasure (4,5), obstacle (3,1)" lists, row by row, the obstacles and
// uncollected treasures within Manhattan distance r other than the four neighbours ("none" if there are none).
// A goto episode ends with "; goal (x,y): 2 up, 1 left" (offset_text) instead of the treasure counts. Treasures
// out of view are never revealed.
#pragma once

#include <vector>

#include "lethe/env/environment.hpp"
#include "lethe/env/grid_layout.hpp"

namespace lethe::env {

struct GridWorldOptions {
  int view_radius = 1;  // Manhattan radius of what the agent sees; 0 = only its own position
  int step_limit = 0;   // 0: 4 * (width + height)
};

class GridWorld final : public Environment {
 public:
  // Throws Error for a negative radius or step limit.
  explicit GridWorld(GridLayout layout, GridWorldOptions options = {});

  std::string id() const override { return layout_.id(); }
  // Throws Error for a task of another environment, an unknown kind, or goto params that are missing,
  // outside the grid, on an obstacle, equal, or not connected.
  Observation reset(const Task& task) override;
  std::vector<std::string> admissible_actions() const override;  // the four moves; none before reset / when done
  StepResult step(const std::string& action) override;
  StateId current_state() const override;
  int step_count() const override { return steps_; }
  const Trajectory& trajectory() const override { return trajectory_; }

  const GridLayout& layout() const { return layout_; }
  int step_limit() const { return step_limit_; }
  int view_radius() const { return view_radius_; }
  Cell position() const { return position_; }
  bool done() const { return done_; }
  int treasures_collected() const;
  int treasures_left() const;
  const Task& task() const { return task_; }

 private:
  enum class Kind { collect, go_to };

  std::string observation_text() const;
  std::string describe(Cell cell) const;
  bool uncollected_treasure(Cell cell) const;
  void require_running() const;

  GridLayout layout_;
  int view_radius_;
  int step_limit_;

  bool started_ = false;
  bool done_ = false;
  Task task_;
  Kind kind_ = Kind::collect;
  Cell position_;
  Cell goal_;
  std::vector<bool> collected_;  // per layout treasure
  int steps_ = 0;
  Trajectory trajectory_;
};

// "grid world '<environment>'": how every task description names its world, so text derived from an environment's
// tasks (prompts, cached exchanges) can be found by it.
std::string world_name_text(const std::string& environment);

// The collect task of a layout. Throws Error if the layout has no treasures.
Task collect_task(const GridLayout& layout);
// The goto task from `from` to `to`. Throws Error unless both are distinct free cells and `to` is reachable.
Task goto_task(const GridLayout& layout, Cell from, Cell to);

}  // namespace lethe::env
