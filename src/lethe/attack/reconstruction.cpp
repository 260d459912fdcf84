#include "lethe/attack/reconstruction.hpp"

#include <algorithm>
#include <cstdlib>

#include "lethe/attack/error.hpp"
#include "lethe/env/grid_geometry.hpp"

namespace lethe::attack {

namespace {

env::Cell cell_of(const env::StateId& state, int width, int height) {
  env::Cell cell;
  try {
    cell = env::parse_cell_key(state.key);
  } catch (const std::exception&) {
    throw Error("reconstruction: state '" + state.str() + "' is not a grid cell");
  }
  if (cell.x >= width || cell.y >= height) {
    throw Error("reconstruction: state '" + state.str() + "' lies outside the " + std::to_string(width) + "x" +
                std::to_string(height) + " grid");
  }
  return cell;
}

}  // namespace

std::string to_string(CellGuess guess) {
  switch (guess) {
    case CellGuess::free:
      return "free";
    case CellGuess::obstacle:
      return "obstacle";
    case CellGuess::treasure:
      return "treasure";
    case CellGuess::unknown:
      break;
  }
  return "unknown";
}

ReconstructedMap::ReconstructedMap(std::string environment, int width, int height)
    : environment_(std::move(environment)), width_(width), height_(height) {
  if (width < 1 || height < 1 || width > env::GridLayout::kMaxSide || height > env::GridLayout::kMaxSide) {
    throw Error("reconstruction: grid size " + std::to_string(width) + "x" + std::to_string(height) +
                " is outside 1.." + std::to_string(env::GridLayout::kMaxSide));
  }
  cells_.assign(static_cast<std::size_t>(width) * static_cast<std::size_t>(height), CellGuess::unknown);
}

CellGuess ReconstructedMap::at(env::Cell cell) const {
  if (cell.x < 0 || cell.y < 0 || cell.x >= width_ || cell.y >= height_) return CellGuess::unknown;
  return cells_[static_cast<std::size_t>(cell.y * width_ + cell.x)];
}

void ReconstructedMap::set(env::Cell cell, CellGuess guess) {
  if (cell.x < 0 || cell.y < 0 || cell.x >= width_ || cell.y >= height_) return;
  cells_[static_cast<std::size_t>(cell.y * width_ + cell.x)] = guess;
}

int ReconstructedMap::count(CellGuess guess) const {
  return static_cast<int>(std::count(cells_.begin(), cells_.end(), guess));
}

std::string ReconstructedMap::render_ascii() const {
  std::string out;
  for (int y = 0; y < height_; ++y) {
    for (int x = 0; x < width_; ++x) {
      switch (at({x, y})) {
        case CellGuess::free:
          out += '.';
          break;
        case CellGuess::obstacle:
          out += '#';
          break;
        case CellGuess::treasure:
          out += 'T';
          break;
        case CellGuess::unknown:
          out += '?';
          break;
      }
    }
    out += '\n';
  }
  return out;
}

ReconstructedMap reconstruct(const std::string& environment, int width, int height,
                             const std::vector<agent::EpisodeResult>& episodes,
                             const ReconstructionOptions& options) {
  ReconstructedMap map(environment, width, height);
  const auto inside = [&](env::Cell c) { return c.x >= 0 && c.y >= 0 && c.x < width && c.y < height; };
  std::vector<env::Cell> bumps;
  std::vector<env::Cell> treasures;
  for (const auto& episode : episodes) {
    if (episode.environment != environment) continue;
    for (const auto& state : episode.states) {
      if (state.environment != environment) continue;
      const auto cell = cell_of(state, width, height);
      if (map.at(cell) == CellGuess::unknown) map.set(cell, CellGuess::free);
    }
    const std::size_t steps =
        episode.states.empty() ? 0 : std::min(episode.actions.size(), episode.states.size() - 1);
    for (std::size_t i = 0; i < steps; ++i) {
      const auto here = cell_of(episode.states[i], width, height);
      const auto next = cell_of(episode.states[i + 1], width, height);
      if (here == next) {
        const auto move = env::parse_move(episode.actions[i]);
        if (move && inside(env::neighbour(here, *move))) bumps.push_back(env::neighbour(here, *move));
      }
      if (episode.task.kind == "collect" && i < episode.rewards.size() && episode.rewards[i] > 0.0 && here != next) {
        treasures.push_back(next);
      }
    }
  }
  for (const auto& cell : treasures) map.set(cell, CellGuess::treasure);
  for (const auto& cell : bumps) {
    if (map.at(cell) == CellGuess::unknown) map.set(cell, CellGuess::obstacle);
  }
  if (options.infer_unentered_obstacles) {
    std::vector<env::Cell> guessed;
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        const env::Cell cell{x, y};
        if (map.at(cell) != CellGuess::unknown) continue;
        for (const auto move : env::kAllMoves) {
          const auto n = env::neighbour(cell, move);
          if (map.at(n) == CellGuess::free || map.at(n) == CellGuess::treasure) {
            guessed.push_back(cell);
            break;
          }
        }
      }
    }
    for (const auto& cell : guessed) map.set(cell, CellGuess::obstacle);
  }
  return map;
}

ReconstructionScore score(const ReconstructedMap& map, const env::GridLayout& truth) {
  if (map.environment() != truth.id() || map.width() != truth.width() || map.height() != truth.height()) {
    throw Error("reconstruction: map of '" + map.environment() + "' (" + std::to_string(map.width()) + "x" +
                std::to_string(map.height()) + ") compared with layout '" + truth.id() + "' (" +
                std::to_string(truth.width()) + "x" + std::to_string(truth.height()) + ")");
  }
  ReconstructionScore s;
  for (int i = 0; i < truth.cell_count(); ++i) {
    const auto cell = truth.cell_at(i);
    const CellGuess actual = truth.is_obstacle(cell)              ? CellGuess::obstacle
                             : truth.treasure_index(cell) >= 0 ? CellGuess::treasure
                                                               : CellGuess::free;
    const CellGuess guess = map.at(cell);
    ++s.cells;
    if (guess == CellGuess::unknown) ++s.unknown;
    if (guess == actual) ++s.correct;
    if (actual == CellGuess::obstacle) {
      ++s.obstacles;
      if (guess == actual) ++s.obstacles_found;
    }
    if (actual == CellGuess::treasure) {
      ++s.treasures;
      if (guess == actual) ++s.treasures_found;
    }
  }
  return s;
}

nlohmann::json to_json(const ReconstructionScore& s) {
  return {{"cells", s.cells},          {"correct", s.correct},
          {"unknown", s.unknown},      {"rate", s.rate()},
          {"obstacles", s.obstacles},  {"obstacles_found", s.obstacles_found},
          {"treasures", s.treasures},  {"treasures_found", s.treasures_found}};
}

}  // namespace lethe::attack
