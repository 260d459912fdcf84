#include "lethe/attack/reconstruction.hpp"

#include <gtest/gtest.h>

#include "attack_test_support.hpp"
#include "lethe/attack/error.hpp"

namespace lethe::attack {
namespace {

using test::follow;
using test::layout_from_rows;
using test::play;

// Every obstacle touches a free cell, so a walk over every free cell can reveal the whole layout.
env::GridLayout rooms() {
  return layout_from_rows("rooms", {
                                       "S..#.",
                                       ".#.#T",
                                       ".#...",
                                       "T..#.",
                                   });
}

// The collect tour, then a goto from the start to every free cell: full coverage.
std::vector<agent::EpisodeResult> full_coverage(const env::GridLayout& layout) {
  std::vector<agent::EpisodeResult> episodes;
  episodes.push_back(follow(layout, env::collect_task(layout), *env::shortest_collect_tour(layout)));
  for (int i = 0; i < layout.cell_count(); ++i) {
    const auto cell = layout.cell_at(i);
    if (!layout.is_free(cell) || cell == layout.start()) continue;
    const auto task = env::goto_task(layout, layout.start(), cell);
    episodes.push_back(follow(layout, task, *env::shortest_path(layout, layout.start(), cell)));
  }
  return episodes;
}

TEST(Reconstruction, RecoversTheLayoutExactlyFromFullCoverage) {
  const auto layout = rooms();
  const auto map = reconstruct(layout.id(), layout.width(), layout.height(), full_coverage(layout));
  EXPECT_EQ(map.render_ascii(),
            "...#.\n"
            ".#.#T\n"
            ".#...\n"
            "T..#.\n");
  const auto s = score(map, layout);
  EXPECT_EQ(s.cells, 20);
  EXPECT_EQ(s.correct, 20);
  EXPECT_DOUBLE_EQ(s.rate(), 1.0);
  EXPECT_EQ(s.obstacles_found, s.obstacles);
  EXPECT_EQ(s.treasures_found, 2);
}

TEST(Reconstruction, DegradesGracefullyWithFewerTrajectories) {
  const auto layout = rooms();
  const auto all = full_coverage(layout);
  double previous = -1.0;
  for (std::size_t n = 0; n <= all.size(); ++n) {
    const std::vector<agent::EpisodeResult> some(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
    const auto map = reconstruct(layout.id(), layout.width(), layout.height(), some);
    const double rate = score(map, layout).rate();
    EXPECT_GE(rate, previous - 0.1) << n << " episodes";  // more evidence never costs much
    if (n == 0) {
      EXPECT_DOUBLE_EQ(rate, 0.0);
    }
    if (n < all.size() / 2) {
      EXPECT_LT(rate, 1.0) << n << " episodes";
    }
    previous = rate;
  }
  EXPECT_DOUBLE_EQ(previous, 1.0);
}

TEST(Reconstruction, BumpsRevealObstaclesWithoutInference) {
  const auto layout = rooms();
  const auto task = env::goto_task(layout, layout.start(), env::Cell{0, 2});
  // From the start: right (to (1,0)), down bumps into the obstacle at (1,1), left, down, down.
  const auto episode = play(layout, task, {"right", "down", "left", "down", "down"});
  ReconstructionOptions strict;
  strict.infer_unentered_obstacles = false;
  const auto map = reconstruct(layout.id(), layout.width(), layout.height(), {episode}, strict);
  EXPECT_EQ(map.at({1, 1}), CellGuess::obstacle);
  EXPECT_EQ(map.at({0, 2}), CellGuess::free);
  EXPECT_EQ(map.at({2, 0}), CellGuess::unknown);
  EXPECT_EQ(map.count(CellGuess::obstacle), 1);
  // With inference, the never-entered neighbours of the walk are guessed obstacles, (2,0) wrongly.
  const auto guessed = reconstruct(layout.id(), layout.width(), layout.height(), {episode});
  EXPECT_EQ(guessed.at({2, 0}), CellGuess::obstacle);
  EXPECT_EQ(guessed.at({1, 2}), CellGuess::obstacle);
}

TEST(Reconstruction, GotoRewardsAreNotTreasures) {
  const auto layout = rooms();
  const env::Cell treasure{0, 3};
  const auto task = env::goto_task(layout, layout.start(), treasure);
  const auto episode = follow(layout, task, *env::shortest_path(layout, layout.start(), treasure));
  ASSERT_TRUE(episode.success);
  const auto map = reconstruct(layout.id(), layout.width(), layout.height(), {episode});
  EXPECT_EQ(map.at(treasure), CellGuess::free);
}

TEST(Reconstruction, IgnoresOtherEnvironmentsAndRejectsBadInput) {
  const auto layout = rooms();
  auto episodes = full_coverage(layout);
  const auto map = reconstruct("elsewhere", layout.width(), layout.height(), episodes);
  EXPECT_EQ(map.count(CellGuess::unknown), layout.cell_count());
  EXPECT_THROW(score(map, layout), Error);
  EXPECT_THROW(ReconstructedMap("x", 0, 3), Error);
  episodes[0].states[1].key = "(9,9)";
  EXPECT_THROW(reconstruct(layout.id(), layout.width(), layout.height(), episodes), Error);
  episodes[0].states[1].key = "nowhere";
  EXPECT_THROW(reconstruct(layout.id(), layout.width(), layout.height(), episodes), Error);
}

}  // namespace
}  // namespace lethe::attack
