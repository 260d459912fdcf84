#include "lethe/unlearn/methods.hpp"

#include <gtest/gtest.h>

#include "lethe/unlearn/avoidance.hpp"

namespace lethe::unlearn {
namespace {

// S . . .
// . # T .
// . . . .
env::GridLayout house() { return env::layout_from_json({{"id", "house"}, {"rows", {"S...", ".#T.", "...."}}}, "test"); }

env::StateId at(int x, int y) { return env::state_id(house(), env::Cell{x, y}); }

std::vector<std::string> allowed(const agent::ActionFilter& filter, const std::vector<env::StateId>& visited) {
  const auto all = env::move_names();
  return filter(agent::FilterContext{visited, all});
}

TEST(NlMethod, UsesTheRequestTextOrTheConverter) {
  const auto request = state_request(house(), {2, 0});
  EXPECT_EQ(NlMethod().constraints(request, house()).prompt_lines, std::vector<std::string>{request.text});
  const NlMethod converted([](const Request& r) { return "Avoid " + r.states[0].key + "."; });
  const auto constraints = converted.constraints(request, house());
  EXPECT_EQ(constraints.prompt_lines, std::vector<std::string>{"Avoid (2,0)."});
  EXPECT_FALSE(constraints.filter);
}

TEST(CodeMethod, WritesARuleBlockPerScenario) {
  EXPECT_EQ(CodeMethod().constraints(state_request(house(), {2, 0}), house()).prompt_lines,
            std::vector<std::string>{"rule forget_state:\n  if next_state == (2,0): forbidden"});
  EXPECT_EQ(CodeMethod().constraints(trajectory_request(house(), {{0, 0}, {1, 0}, {2, 0}}), house()).prompt_lines,
            std::vector<std::string>{
                "rule forget_trajectory:\n  if last_states == [(0,0), (1,0)] and next_state == (2,0): forbidden"});
  EXPECT_EQ(CodeMethod().constraints(environment_request(house()), house()).prompt_lines,
            std::vector<std::string>{"rule forget_environment:\n  memory[\"house\"] = {}\n  "
                                     "treat_as_never_visited(\"house\")"});
}

TEST(ExampleMethod, DemonstratesAnAvoidingRoute) {
  const auto lines = ExampleMethod(1).constraints(state_request(house(), {1, 0}), house()).prompt_lines;
  ASSERT_EQ(lines.size(), 1u);
  // (0,0) -> (2,0): the direct way crosses (1,0); around it goes down the left column and along the bottom.
  EXPECT_EQ(lines[0],
            "Example: going from (0,0) to (2,0). Wrong: (0,0) right right -> (2,0) (uses forgotten (1,0)). Right: "
            "(0,0) down down right right up up -> (2,0).");
  const auto environment = ExampleMethod().constraints(environment_request(house()), house()).prompt_lines;
  EXPECT_EQ(environment.front(), new_environment_line("house"));
}

TEST(HardMethod, FiltersMovesIntoAForgottenState) {
  const auto constraints = HardMethod().constraints(state_request(house(), {1, 0}), house());
  EXPECT_TRUE(constraints.prompt_lines.empty());
  ASSERT_TRUE(constraints.filter);
  EXPECT_EQ(allowed(constraints.filter, {at(0, 0)}), (std::vector<std::string>{"up", "down", "left"}));
  EXPECT_EQ(allowed(constraints.filter, {at(2, 0)}), (std::vector<std::string>{"up", "down", "right"}));
  EXPECT_EQ(allowed(constraints.filter, {at(0, 1)}), env::move_names());
}

TEST(HardMethod, FiltersOnlyTheMoveCompletingAForgottenTrajectory) {
  const auto filter = HardMethod().constraints(trajectory_request(house(), {{0, 0}, {1, 0}, {2, 0}}), house()).filter;
  ASSERT_TRUE(filter);
  // After (0,0),(1,0) the move right would complete the route.
  EXPECT_EQ(allowed(filter, {at(0, 0), at(1, 0)}), (std::vector<std::string>{"up", "down", "left"}));
  // Coming from elsewhere, or after a bump at (1,0), going right is fine.
  EXPECT_EQ(allowed(filter, {at(0, 0), at(1, 0), at(1, 0)}), env::move_names());
  EXPECT_EQ(allowed(filter, {at(1, 0)}), env::move_names());
  EXPECT_EQ(allowed(filter, {at(0, 1), at(0, 0)}), env::move_names());
}

TEST(HardMethod, ForAnEnvironmentTellsTheAgentItIsNew) {
  const auto constraints = HardMethod().constraints(environment_request(house()), house());
  EXPECT_EQ(constraints.prompt_lines, std::vector<std::string>{new_environment_line("house")});
  EXPECT_FALSE(constraints.filter);
}

TEST(Methods, RejectARequestForAnotherLayoutAndUnknownNames) {
  const auto other = env::layout_from_json({{"id", "other"}, {"rows", {"S.."}}}, "test");
  EXPECT_THROW(HardMethod().constraints(state_request(house(), {1, 0}), other), Error);
  EXPECT_THROW(make_method("magic"), Error);
  EXPECT_EQ(make_method("code")->name(), "code");
  EXPECT_EQ(make_method("hard")->name(), "hard");
}

TEST(Methods, MergeConcatenatesLinesAndIntersectsFilters) {
  const auto a = HardMethod().constraints(state_request(house(), {1, 0}), house());
  const auto b = HardMethod().constraints(state_request(house(), {0, 1}), house());
  const auto merged = merge({a, Constraints{{"x"}, {}}, b});
  EXPECT_EQ(merged.prompt_lines, std::vector<std::string>{"x"});
  EXPECT_EQ(allowed(merged.filter, {at(0, 0)}), (std::vector<std::string>{"up", "left"}));
}

TEST(Avoidance, RunProgressAndAvoidingPaths) {
  const ForbiddenRun run({at(0, 0), at(1, 0), at(2, 0)});
  EXPECT_EQ(run.progress({at(0, 0), at(1, 0)}), 2u);
  EXPECT_EQ(run.first_completion({at(0, 1), at(0, 0), at(1, 0), at(2, 0)}), 3u);
  EXPECT_FALSE(run.first_completion({at(0, 0), at(1, 0), at(1, 0), at(2, 0)}));
  const auto path = path_avoiding(house(), {0, 0}, {2, 0}, run);
  ASSERT_TRUE(path);
  EXPECT_FALSE(run.first_completion([&] {
    std::vector<env::StateId> states;
    for (const auto cell : path->cells) states.push_back(env::state_id(house(), cell));
    return states;
  }()));
  const ForbiddenRun repeated({at(0, 0), at(0, 0)});
  EXPECT_EQ(repeated.advance(1, at(0, 0)), 2u);
  EXPECT_EQ(repeated.advance(2, at(0, 0)), 2u);
  const auto tasks = crossing_tasks(house(), ForbiddenRun({at(1, 0)}), 3);
  ASSERT_EQ(tasks.size(), 3u);
  EXPECT_EQ(tasks[0].params["from"], nlohmann::json::array({0, 0}));
  EXPECT_EQ(tasks[0].params["to"], nlohmann::json::array({2, 0}));
}

}  // namespace
}  // namespace lethe::unlearn
