// The hand-made layouts shipped in data/gridworld/.
#include <gtest/gtest.h>

#include "env_test_support.hpp"
#include "lethe/env/grid_paths.hpp"
#include "lethe/env/grid_world.hpp"

namespace lethe::env {
namespace {

TEST(ExampleLayouts, AllLoadAndAreSolvableWithinTheStepLimit) {
  const auto dir = test::example_layouts_dir();
  for (const char* name : {"house", "maze", "open"}) {
    SCOPED_TRACE(name);
    const auto layout = load_layout_file(dir / (std::string(name) + ".json"));
    EXPECT_EQ(layout.id(), name);
    EXPECT_EQ(layout.width(), 8);
    EXPECT_EQ(layout.height(), 8);
    EXPECT_FALSE(layout.description().empty());
    EXPECT_EQ(layout.treasures().size(), 3u);

    // The optimal tour fits the default step limit, and following it in GridWorld succeeds.
    const auto tour = shortest_collect_tour(layout);
    ASSERT_TRUE(tour);
    GridWorld world(layout);
    EXPECT_LT(tour->length(), world.step_limit());
    world.reset(collect_task(layout));
    StepResult last;
    for (const auto& action : tour->actions()) last = world.step(action);
    EXPECT_TRUE(last.success);
  }
}

// "six" is the micro agent's kind of layout, for audits of that agent (README).
TEST(ExampleLayouts, SixIsASolvableSixBySixLayoutWithTwoTreasures) {
  const auto layout = load_layout_file(test::example_layouts_dir() / "six.json");
  EXPECT_EQ(layout.id(), "six");
  EXPECT_EQ(layout.width(), 6);
  EXPECT_EQ(layout.height(), 6);
  EXPECT_EQ(layout.treasures().size(), 2u);
  const auto tour = shortest_collect_tour(layout);
  ASSERT_TRUE(tour);
  EXPECT_LT(tour->length(), GridWorld(layout).step_limit());
}

TEST(ExampleLayouts, EveryFileInTheFolderLoads) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::example_layouts_dir())) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    EXPECT_NO_THROW(load_layouts_file(entry.path())) << entry.path();
  }
  EXPECT_GE(files, 4);
}

TEST(ExampleLayouts, MazeHasOnlyOneWayIn) {
  const auto layout = load_layout_file(test::example_layouts_dir() / "maze.json");
  // The maze's corridors make the tour much longer than the straight-line distances.
  EXPECT_GT(shortest_collect_tour(layout)->length(), 20);
}

}  // namespace
}  // namespace lethe::env
