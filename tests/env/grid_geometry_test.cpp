#include "lethe/env/grid_geometry.hpp"

#include <gtest/gtest.h>

namespace lethe::env {
namespace {

TEST(OffsetText, NamesTheVerticalPartFirstAndOmitsZeroParts) {
  EXPECT_EQ(offset_text(Cell{2, 3}, Cell{0, 0}), "3 up, 2 left");
  EXPECT_EQ(offset_text(Cell{0, 0}, Cell{4, 1}), "1 down, 4 right");
  EXPECT_EQ(offset_text(Cell{3, 2}, Cell{3, 5}), "3 down");
  EXPECT_EQ(offset_text(Cell{3, 2}, Cell{1, 2}), "2 left");
  EXPECT_EQ(offset_text(Cell{3, 2}, Cell{3, 2}), "here");
}

TEST(OffsetText, ItsFirstMoveLeadsCloser) {
  for (int x = 0; x < 4; ++x) {
    for (int y = 0; y < 4; ++y) {
      const Cell from{1, 2};
      const Cell to{x, y};
      const auto text = offset_text(from, to);
      if (text == "here") continue;
      const auto move = parse_move(text.substr(text.find(' ') + 1, text.find(',') - text.find(' ') - 1));
      ASSERT_TRUE(move) << text;
      const Cell next = neighbour(from, *move);
      EXPECT_EQ(std::abs(next.x - to.x) + std::abs(next.y - to.y) + 1,
                std::abs(from.x - to.x) + std::abs(from.y - to.y))
          << text;
    }
  }
}

}  // namespace
}  // namespace lethe::env
