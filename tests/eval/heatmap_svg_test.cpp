#include "lethe/eval/heatmap_svg.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <vector>

#include "lethe/eval/gridworld_scenario.hpp"

namespace lethe::eval {
namespace {

env::GridLayout room() { return env::layout_from_json({{"id", "room"}, {"rows", {"S..#", ".#.T", "...."}}}, "test"); }

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Checks that elements nest properly: every <name ...> is closed by </name> or is self-closing.
bool well_nested(const std::string& svg) {
  std::vector<std::string> open;
  const std::regex tag(R"(<(/?)([A-Za-z][A-Za-z0-9:_-]*)([^<>]*?)(/?)>)");
  const std::string body = svg.substr(svg.find("?>") + 2);
  std::string rest;
  for (auto it = std::sregex_iterator(body.begin(), body.end(), tag); it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    if (m[1] == "/") {
      if (open.empty() || open.back() != m[2]) return false;
      open.pop_back();
    } else if (m[4] != "/") {
      open.push_back(m[2]);
    }
  }
  return open.empty();
}

std::string fill_of_cell(const std::string& svg, const std::string& key) {
  const auto title = svg.find("<title>" + key + " ");
  const auto rect = svg.rfind("<rect", title);
  const auto fill = svg.find("fill=\"", rect);
  return svg.substr(fill + 6, 7);
}

TEST(HeatmapSvg, HasOneRectPerCellAndOutlinesTheTargets) {
  std::vector<int> visits(12, 0);
  visits[0] = 5;
  visits[1] = 1;
  visits[2] = 20;
  const auto svg = heatmap_svg(room(), visits, {{1, 0}, {2, 0}}, HeatmapOptions{"before <unlearning> & co"});
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_TRUE(well_nested(svg));
  EXPECT_EQ(count(svg, "<rect"), 12u);
  EXPECT_EQ(count(svg, "class=\"cell obstacle\""), 2u);
  EXPECT_EQ(count(svg, "class=\"target\""), 2u);
  EXPECT_EQ(count(svg, "class=\"treasure\""), 1u);
  EXPECT_EQ(count(svg, "class=\"start\""), 1u);
  EXPECT_NE(svg.find("before &lt;unlearning&gt; &amp; co"), std::string::npos);
  EXPECT_EQ(svg.find("<unlearning>"), std::string::npos);
}

TEST(HeatmapSvg, ColoursFollowTheVisitCounts) {
  std::vector<int> visits(12, 0);
  visits[0] = 1;
  visits[2] = 30;
  const auto svg = heatmap_svg(room(), visits, {});
  EXPECT_EQ(fill_of_cell(svg, "(1,0)"), "#ffffff");  // never visited
  EXPECT_EQ(fill_of_cell(svg, "(3,0)"), "#444444");  // obstacle
  const auto rarely = fill_of_cell(svg, "(0,0)");
  const auto most = fill_of_cell(svg, "(2,0)");
  EXPECT_NE(rarely, "#ffffff");
  EXPECT_NE(rarely, most);
  // The most visited cell is the darkest: its green channel is the lowest.
  EXPECT_LT(std::stoi(most.substr(3, 2), nullptr, 16), std::stoi(rarely.substr(3, 2), nullptr, 16));
}

TEST(HeatmapSvg, RejectsInconsistentInput) {
  EXPECT_THROW(heatmap_svg(room(), std::vector<int>(11, 0), {}), Error);
  EXPECT_THROW(heatmap_svg(room(), std::vector<int>(12, -1), {}), Error);
  EXPECT_THROW(heatmap_svg(room(), std::vector<int>(12, 0), {{4, 0}}), Error);
  EXPECT_THROW(heatmap_svg(room(), std::vector<int>(12, 0), {}, HeatmapOptions{"t", 2}), Error);
}

}  // namespace
}  // namespace lethe::eval
