// Environment reconstruction from observed trajectories only (states, actions, rewards and the task kind — no
// observation texts): what an observer of an agent's behaviour learns about an environment's layout.
//   free:     a cell some episode stood in;
//   obstacle: a move from a visited cell that left the agent in place while the neighbour lies inside the grid
//             (a bump), and, by inference, a never-entered cell next to a visited one (an agent that knew the
//             place would have walked through it had it been free);
//   treasure: a cell where a collect episode earned a reward (a goto reward marks the goal, not a treasure).
// Everything else stays unknown. The reconstruction rate is the fraction of all cells whose kind (free, obstacle,
// treasure; the start counts as free) is recovered; unknown cells are never correct.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lethe/agent/grid_agent.hpp"
#include "lethe/env/grid_layout.hpp"

namespace lethe::attack {

enum class CellGuess { unknown, free, obstacle, treasure };

std::string to_string(CellGuess guess);

struct ReconstructionOptions {
  // Guess "obstacle" for never-entered neighbours of visited cells (else only bumps reveal obstacles).
  bool infer_unentered_obstacles = true;
};

class ReconstructedMap {
 public:
  // Throws Error for a size outside 1..GridLayout::kMaxSide.
  ReconstructedMap(std::string environment, int width, int height);

  const std::string& environment() const { return environment_; }
  int width() const { return width_; }
  int height() const { return height_; }
  CellGuess at(env::Cell cell) const;  // unknown outside the grid
  void set(env::Cell cell, CellGuess guess);  // ignored outside the grid
  int count(CellGuess guess) const;

  // One line per row: '#' obstacle, 'T' treasure, '.' free, '?' unknown.
  std::string render_ascii() const;

 private:
  std::string environment_;
  int width_;
  int height_;
  std::vector<CellGuess> cells_;
};

// The map of `environment` (width x height) that `episodes` reveal; episodes of other environments are ignored.
// Throws Error for a state of the environment that is not a cell key inside the grid.
ReconstructedMap reconstruct(const std::string& environment, int width, int height,
                             const std::vector<agent::EpisodeResult>& episodes,
                             const ReconstructionOptions& options = {});

struct ReconstructionScore {
  int cells = 0;
  int correct = 0;
  int unknown = 0;
  int obstacles_found = 0;  // true obstacles guessed as obstacles
  int obstacles = 0;
  int treasures_found = 0;
  int treasures = 0;
  double rate() const { return cells == 0 ? 0.0 : static_cast<double>(correct) / cells; }
};

// Compares with the true layout. Throws Error when the sizes or environments differ.
ReconstructionScore score(const ReconstructedMap& map, const env::GridLayout& truth);

nlohmann::json to_json(const ReconstructionScore& score);

}  // namespace lethe::attack
