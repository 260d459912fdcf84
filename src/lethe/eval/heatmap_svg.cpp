#include "lethe/eval/heatmap_svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "lethe/eval/gridworld_scenario.hpp"
#include "lethe/eval/xml_text.hpp"

namespace lethe::eval {
namespace {

// White for no visit, through yellow and orange to dark red for the most visited cell. The square root spreads
// the colours of the many cells visited a few times.
std::string heat_colour(int count, int max) {
  if (count <= 0 || max <= 0) return "#ffffff";
  const double t = std::sqrt(static_cast<double>(count) / static_cast<double>(max));
  const auto channel = [](double value) { return static_cast<int>(std::lround(std::clamp(value, 0.0, 255.0))); };
  const int r = channel(t < 0.5 ? 255.0 : 255.0 - (t - 0.5) * 2.0 * 120.0);
  const int g = channel(t < 0.5 ? 245.0 - t * 2.0 * 95.0 : 150.0 - (t - 0.5) * 2.0 * 150.0);
  const int b = channel(t < 0.5 ? 200.0 - t * 2.0 * 170.0 : 30.0 - (t - 0.5) * 2.0 * 30.0);
  return fmt::format("#{:02x}{:02x}{:02x}", r, g, b);
}

}  // namespace

std::string heatmap_svg(const env::GridLayout& layout, const std::vector<int>& visits,
                        const std::vector<env::Cell>& outlined, const HeatmapOptions& options) {
  if (visits.size() != static_cast<std::size_t>(layout.cell_count())) {
    throw Error(
        fmt::format("heatmap of '{}': {} visit counts for {} cells", layout.id(), visits.size(), layout.cell_count()));
  }
  if (std::any_of(visits.begin(), visits.end(), [](int v) { return v < 0; })) {
    throw Error("heatmap of '" + layout.id() + "': negative visit count");
  }
  for (const auto& cell : outlined) {
    if (!layout.contains(cell))
      throw Error("heatmap of '" + layout.id() + "': outlined cell " + env::cell_key(cell) + " is outside the grid");
  }
  if (options.cell_px < 8) throw Error("heatmap: cell size must be at least 8 pixels");

  const int px = options.cell_px;
  const int margin = 10;
  const int title_height = 28;
  const int legend_height = 24;
  const int width = layout.width() * px + 2 * margin;
  const int height = title_height + layout.height() * px + legend_height + 2 * margin;
  const int top = margin + title_height;
  const int max = visits.empty() ? 0 : *std::max_element(visits.begin(), visits.end());
  const int font = std::max(7, px / 3);

  std::string svg;
  svg += R"(<?xml version="1.0" encoding="UTF-8"?>)"
         "\n";
  svg += fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" )"
                     R"(font-family="sans-serif">)"
                     "\n",
                     width, height);
  svg += fmt::format(R"(<text x="{}" y="{}" font-size="16">{}</text>)"
                     "\n",
                     margin, margin + 16, escape_xml(options.title.empty() ? layout.id() : options.title));
  for (int y = 0; y < layout.height(); ++y) {
    for (int x = 0; x < layout.width(); ++x) {
      const env::Cell cell{x, y};
      const int count = visits[static_cast<std::size_t>(layout.index_of(cell))];
      const bool obstacle = layout.is_obstacle(cell);
      const int cx = margin + x * px;
      const int cy = top + y * px;
      svg += fmt::format(R"(<rect class="cell{}" x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#999999" )"
                         R"(stroke-width="1"><title>{} visits {}</title></rect>)"
                         "\n",
                         obstacle ? " obstacle" : "", cx, cy, px, px, obstacle ? "#444444" : heat_colour(count, max),
                         env::cell_key(cell), count);
      if (layout.treasure_index(cell) >= 0) {
        svg += fmt::format(R"(<circle class="treasure" cx="{}" cy="{}" r="{}" fill="#f2c200" stroke="#8a6d00"/>)"
                           "\n",
                           cx + px - px / 5, cy + px / 5, std::max(2, px / 8));
      }
      if (cell == layout.start()) {
        svg += fmt::format(R"(<text class="start" x="{}" y="{}" font-size="{}" font-weight="bold">S</text>)"
                           "\n",
                           cx + 3, cy + font + 1, font);
      }
      if (count > 0 && !obstacle) {
        svg += fmt::format(R"(<text class="count" x="{}" y="{}" font-size="{}" text-anchor="middle">{}</text>)"
                           "\n",
                           cx + px / 2, cy + px / 2 + font / 2, font, count);
      }
    }
  }
  for (const auto& cell : outlined) {
    const int cx = margin + cell.x * px + 2;
    const int cy = top + cell.y * px + 2;
    const int side = px - 4;
    svg += fmt::format(R"(<path class="target" d="M{} {} h{} v{} h{} Z" fill="none" stroke="#1f4fd1" )"
                       R"(stroke-width="3"/>)"
                       "\n",
                       cx, cy, side, side, -side);
  }
  svg += fmt::format(R"(<text x="{}" y="{}" font-size="12">most visited cell: {} visits; blue frame: unlearning )"
                     R"(target; grey: obstacle; gold: treasure</text>)"
                     "\n",
                     margin, top + layout.height() * px + 18, max);
  svg += "</svg>\n";
  return svg;
}

void write_text_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error("cannot write " + path.string());
  out << text;
  out.flush();
  if (!out) throw Error("cannot write " + path.string());
}

}  // namespace lethe::eval
