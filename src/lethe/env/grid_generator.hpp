// Seeded generator of solvable GridWorld layouts: the same options (seed included) give the same layout on every
// platform and standard library.
#pragma once

#include <cstdint>
#include <string>

#include "lethe/env/grid_layout.hpp"

namespace lethe::env {

struct GeneratorOptions {
  std::string id;  // empty: "gen-<width>x<height>-<seed>"
  int width = 8;
  int height = 8;
  double obstacle_density = 0.2;  // wanted fraction of cells that are obstacles, in [0, 1)
  int treasures = 3;
  std::uint64_t seed = 0;
};

// Every free cell (so every treasure) is reachable from the start. Obstacles number round(density * cells),
// fewer when more would cut a free cell off or leave no room for the start and the treasures.
// Throws Error on options out of range (size outside 1..64, density outside [0, 1), more treasures than
// cells - 1).
GridLayout generate_layout(const GeneratorOptions& options);

}  // namespace lethe::env
