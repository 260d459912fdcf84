#include "lethe/eval/kl_map_svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "lethe/eval/gridworld_scenario.hpp"
#include "lethe/eval/xml_text.hpp"

namespace lethe::eval {

namespace {

// White (0) to dark red (1).
std::string shade(double t) {
  t = std::clamp(t, 0.0, 1.0);
  const auto channel = [t](double from, double to) { return static_cast<int>(std::lround(from + (to - from) * t)); };
  return fmt::format("#{:02x}{:02x}{:02x}", channel(255, 140), channel(255, 0), channel(255, 0));
}

}  // namespace

std::string kl_map_svg(const std::vector<KlPanel>& panels, const std::string& title, int cell_px) {
  if (panels.empty()) throw Error("KL map: no layout to draw");
  if (cell_px < 8) throw Error("KL map: cell size must be at least 8 pixels, got " + std::to_string(cell_px));
  double max_kl = 0.0;
  for (const auto& panel : panels) {
    for (const auto& [cell, kl] : panel.kl) {
      if (!std::isfinite(kl) || kl < 0.0) {
        throw Error("KL map: invalid divergence " + std::to_string(kl) + " at " + env::cell_key(cell));
      }
      if (!panel.layout.contains(cell)) {
        throw Error("KL map: cell " + env::cell_key(cell) + " is outside layout '" + panel.layout.id() + "'");
      }
      max_kl = std::max(max_kl, kl);
    }
    for (const auto& cell : panel.targets) {
      if (!panel.layout.contains(cell)) {
        throw Error("KL map: target " + env::cell_key(cell) + " is outside layout '" + panel.layout.id() + "'");
      }
    }
  }
  const int margin = 10;
  const int header = 50;
  const int legend = 40;
  int width = margin;
  int grid_height = 0;
  for (const auto& panel : panels) {
    width += panel.layout.width() * cell_px + margin;
    grid_height = std::max(grid_height, panel.layout.height() * cell_px);
  }
  width = std::max(width, 560);
  const int height = header + grid_height + legend + margin;
  const double font = cell_px * 0.3;

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\">\n",
      width, height);
  svg += fmt::format("<text x=\"{}\" y=\"20\" font-size=\"14\">{}</text>\n", margin, escape_xml(title));
  int left = margin;
  for (const auto& panel : panels) {
    const auto& layout = panel.layout;
    svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>\n", left, header - 8,
                       escape_xml(layout.id()));
    for (int i = 0; i < layout.cell_count(); ++i) {
      const auto cell = layout.cell_at(i);
      const int x = left + cell.x * cell_px;
      const int y = header + cell.y * cell_px;
      const auto it = panel.kl.find(cell);
      std::string fill = "#ffffff";
      std::string cls = "cell";
      if (layout.is_obstacle(cell)) {
        fill = "#444444";
        cls += " obstacle";
      } else if (it != panel.kl.end()) {
        fill = shade(max_kl > 0.0 ? it->second / max_kl : 0.0);
        cls += " probed";
      }
      svg += fmt::format(
          "<rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#999999\"/>\n", cls,
          x, y, cell_px, cell_px, fill);
      if (layout.treasure_index(cell) >= 0) {
        svg += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"#d4a017\" opacity=\"0.7\"/>\n",
                           x + cell_px / 2, y + cell_px / 2, cell_px / 5);
      }
      if (cell == layout.start()) {
        svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"{:.1f}\">S</text>\n", x + 2, y + font + 1, font);
      }
      if (it != panel.kl.end()) {
        const bool dark = max_kl > 0.0 && it->second / max_kl > 0.55;
        svg += fmt::format(
            "<text class=\"kl\" x=\"{}\" y=\"{}\" font-size=\"{:.1f}\" text-anchor=\"middle\" fill=\"{}\">{:.2f}</text>\n",
            x + cell_px / 2, y + cell_px - 4, font, dark ? "#ffffff" : "#000000", it->second);
      }
    }
    for (const auto& cell : panel.targets) {
      const int x = left + cell.x * cell_px;
      const int y = header + cell.y * cell_px;
      svg += fmt::format(
          "<path class=\"target\" d=\"M{0} {1} h{2} v{2} h-{2} Z\" fill=\"none\" stroke=\"#1f4fd1\" "
          "stroke-width=\"3\"/>\n",
          x + 1, y + 1, cell_px - 2);
    }
    left += layout.width() * cell_px + margin;
  }
  const int ly = header + grid_height + 12;
  for (int i = 0; i <= 10; ++i) {
    svg += fmt::format("<rect class=\"legend\" x=\"{}\" y=\"{}\" width=\"16\" height=\"12\" fill=\"{}\"/>\n",
                       margin + i * 16, ly, shade(i / 10.0));
  }
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\" font-size=\"11\">KL(unlearned || never exposed), 0 to {:.3f} nats; blue frame: "
      "target</text>\n",
      margin + 11 * 16 + 6, ly + 10, max_kl);
  svg += "</svg>\n";
  return svg;
}

}  // namespace lethe::eval
