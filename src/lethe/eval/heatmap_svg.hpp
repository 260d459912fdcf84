// Visitation heatmaps of a GridWorld layout as standalone SVG (like Figure 6 of the Secure Forgetting paper):
// one <rect class="cell ..."> per cell, coloured by how often it was visited (white: never, dark red: most),
// obstacles dark grey, treasures as gold circles, the start marked "S", visit counts written in the cells, and the
// unlearning targets outlined in blue (<path class="target">). The only <rect> elements are the cells.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "lethe/env/grid_layout.hpp"

namespace lethe::eval {

struct HeatmapOptions {
  std::string title;  // shown above the grid (escaped)
  int cell_px = 40;   // side of a cell in pixels, at least 8
};

// `visits` is row-major with one count per cell (see visit_counts). `outlined` cells (e.g. forgotten states, the
// cells of a forgotten trajectory) are framed. Throws Error for a visits vector of the wrong size, a negative
// count, an outlined cell outside the grid or cell_px < 8.
std::string heatmap_svg(const env::GridLayout& layout, const std::vector<int>& visits,
                        const std::vector<env::Cell>& outlined, const HeatmapOptions& options = {});

// Writes the SVG to `path` (replacing it). Throws Error naming the file when it cannot be written.
void write_text_file(const std::filesystem::path& path, const std::string& text);

}  // namespace lethe::eval
