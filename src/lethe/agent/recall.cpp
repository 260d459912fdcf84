#include "lethe/agent/recall.hpp"

#include <string_view>

#include "lethe/env/grid_geometry.hpp"

namespace lethe::agent {

std::vector<env::Cell> remembered_treasures(const MemoryDigest& digest) {
  constexpr std::string_view kTreasureFact = "fact: treasure at ";
  std::vector<env::Cell> cells;
  for (const auto& line : digest.facts) {
    if (!line.starts_with(kTreasureFact)) continue;
    cells.push_back(env::parse_cell_key(std::string_view(line).substr(kTreasureFact.size())));
  }
  return cells;
}

std::vector<std::string> recall_items(const MemoryDigest& digest, const std::vector<env::StateId>& episode_states) {
  std::vector<std::string> items;
  if (episode_states.empty()) return items;
  const auto here = env::parse_cell_key(episode_states.back().key);
  env::CellSet visited;
  for (const auto& state : episode_states) visited.insert(env::parse_cell_key(state.key));
  for (const auto cell : remembered_treasures(digest)) {
    if (visited.contains(cell)) continue;
    items.push_back("treasure " + env::cell_key(cell) + ": " + env::offset_text(here, cell));
  }
  return items;
}

}  // namespace lethe::agent
