#include "lethe/eval/gridworld_metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "lethe/env/grid_world.hpp"

namespace lethe::eval {
namespace {

// S . .
// . # .
// . . T
env::GridLayout room() { return env::layout_from_json({{"id", "room"}, {"rows", {"S..", ".#.", "..T"}}}, "test"); }

agent::EpisodeResult episode(const std::vector<env::Cell>& cells, bool success,
                             const std::string& environment = "room") {
  agent::EpisodeResult result;
  result.environment = environment;
  result.success = success;
  result.steps = static_cast<int>(cells.size()) - 1;
  for (const auto& cell : cells) result.states.push_back(env::StateId{environment, env::cell_key(cell)});
  for (std::size_t i = 1; i < cells.size(); ++i) {
    result.actions.push_back("right");
    result.rewards.push_back(0.0);
  }
  return result;
}

TEST(GridworldMetrics, SuccessAndStepsAreMeansOverEpisodes) {
  const std::vector<agent::EpisodeResult> episodes{episode({{0, 0}, {1, 0}, {2, 0}}, true),
                                                   episode({{0, 0}, {0, 1}, {0, 2}, {1, 2}, {2, 2}}, false),
                                                   episode({{0, 0}, {1, 0}}, true)};
  EXPECT_DOUBLE_EQ(success_rate(episodes), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(mean_steps(episodes), (2.0 + 4.0 + 1.0) / 3.0);
}

TEST(GridworldMetrics, NoEpisodesGiveNaNAndJsonNull) {
  EXPECT_TRUE(std::isnan(success_rate({})));
  EXPECT_TRUE(std::isnan(mean_steps({})));
  const auto json = figures({}, {}).to_json();
  EXPECT_TRUE(json.at("success").is_null());
  EXPECT_EQ(json.at("episodes"), 0);
}

TEST(GridworldMetrics, AvoidanceCountsEpisodesThatEnterAForgottenStateOrCompleteARoute) {
  const auto forget_state = unlearn::state_request(room(), {1, 0});
  const auto forget_route = unlearn::trajectory_request(room(), {{0, 1}, {0, 2}, {1, 2}});
  const std::vector<agent::EpisodeResult> episodes{
      episode({{0, 0}, {1, 0}, {2, 0}}, true),                  // enters (1,0)
      episode({{0, 0}, {0, 1}, {0, 2}, {1, 2}, {2, 2}}, true),  // completes the route
      episode({{0, 0}, {0, 1}, {0, 2}, {0, 2}, {1, 2}}, true),  // a bump breaks the route
      episode({{1, 0}, {2, 0}}, true)};                         // starts there: not an entry
  EXPECT_DOUBLE_EQ(avoidance_rate({forget_state}, episodes), 3.0 / 4.0);
  EXPECT_DOUBLE_EQ(avoidance_rate({forget_route}, episodes), 3.0 / 4.0);
  EXPECT_DOUBLE_EQ(avoidance_rate({forget_state, forget_route}, episodes), 2.0 / 4.0);
  // An environment request forbids no move.
  EXPECT_DOUBLE_EQ(avoidance_rate({unlearn::environment_request(room())}, episodes), 1.0);
}

TEST(GridworldMetrics, VisitCountsEveryStateOfTheLayoutsEpisodes) {
  const std::vector<agent::EpisodeResult> episodes{episode({{0, 0}, {1, 0}, {1, 0}, {2, 0}}, true),
                                                   episode({{0, 0}, {0, 1}}, false),
                                                   episode({{0, 0}, {1, 0}}, false, "elsewhere")};
  const auto counts = visit_counts(room(), episodes);
  ASSERT_EQ(counts.size(), 9u);
  EXPECT_EQ(counts[0], 2);  // (0,0)
  EXPECT_EQ(counts[1], 2);  // (1,0), stayed once
  EXPECT_EQ(counts[2], 1);  // (2,0)
  EXPECT_EQ(counts[3], 1);  // (0,1)
  EXPECT_EQ(counts[8], 0);
  EXPECT_EQ(episodes_in(episodes, "elsewhere").size(), 1u);
}

}  // namespace
}  // namespace lethe::eval
