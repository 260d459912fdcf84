#include "lethe/eval/kl_map_svg.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "lethe/eval/gridworld_scenario.hpp"

namespace lethe::eval {
namespace {

env::GridLayout small() {
  return env::layout_from_json(nlohmann::json{{"id", "s"}, {"rows", {"S.#", "..T"}}}, "test");
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

TEST(KlMapSvg, ColoursProbedCellsOnOneScaleAndFramesTargets) {
  KlPanel panel{small(), {{{0, 0}, 0.0}, {{1, 0}, 0.5}, {{1, 1}, 1.0}}, {{1, 0}}};
  const auto svg = kl_map_svg({panel}, "KL <map>");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(occurrences(svg, "<rect class=\"cell"), 6u);
  EXPECT_EQ(occurrences(svg, "class=\"cell probed\""), 3u);
  EXPECT_EQ(occurrences(svg, "class=\"cell obstacle\""), 1u);
  EXPECT_EQ(occurrences(svg, "<path class=\"target\""), 1u);
  EXPECT_NE(svg.find("fill=\"#8c0000\""), std::string::npos) << "the largest value is darkest";
  EXPECT_NE(svg.find(">0.50<"), std::string::npos);
  EXPECT_NE(svg.find("KL &lt;map&gt;"), std::string::npos) << "title escaped";
  EXPECT_NE(svg.find("0 to 1.000 nats"), std::string::npos);
}

TEST(KlMapSvg, RejectsBadInput) {
  EXPECT_THROW(kl_map_svg({}, "t"), Error);
  EXPECT_THROW(kl_map_svg({KlPanel{small(), {{{0, 0}, -0.1}}, {}}}, "t"), Error);
  EXPECT_THROW(kl_map_svg({KlPanel{small(), {{{0, 0}, std::numeric_limits<double>::infinity()}}, {}}}, "t"), Error);
  EXPECT_THROW(kl_map_svg({KlPanel{small(), {{{5, 0}, 0.1}}, {}}}, "t"), Error);
  EXPECT_THROW(kl_map_svg({KlPanel{small(), {}, {{0, 9}}}}, "t"), Error);
  EXPECT_THROW(kl_map_svg({KlPanel{small(), {}, {}}}, "t", 4), Error);
}

}  // namespace
}  // namespace lethe::eval
