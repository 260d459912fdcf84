// The behavioural-divergence map of the audit: a GridWorld layout as standalone SVG, each cell coloured by the KL
// divergence between the unlearned and the never-exposed agent's action distributions there (white: 0 or not
// probed, dark red: the largest value of the figure), the value written in probed cells, obstacles dark grey,
// treasures as gold circles, the start marked "S" and the unlearning targets framed in blue. Several layouts
// are drawn side by side, all on one colour scale, with a legend.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lethe/env/grid_layout.hpp"

namespace lethe::eval {

struct KlPanel {
  env::GridLayout layout;
  std::map<env::Cell, double> kl;  // per probed cell (e.g. the mean over its probe tasks), nats
  std::vector<env::Cell> targets;  // framed
};

// Throws Error for no panel, a negative or non-finite KL, a cell outside its grid, or cell_px < 8.
std::string kl_map_svg(const std::vector<KlPanel>& panels, const std::string& title, int cell_px = 40);

}  // namespace lethe::eval
