// Hard mode's guarantee: whatever the model answers, the agent never enters a forgotten state and never completes
// a forgotten trajectory. Checked with a real (random-weight) model sampled at a high temperature, and with a
// scripted model that always wants the forbidden move.
#include <gtest/gtest.h>

#include <algorithm>

#include "../agent/agent_doubles.hpp"
#include "lethe/env/grid_world.hpp"
#include "lethe/llm/factory.hpp"
#include "lethe/unlearn/avoidance.hpp"
#include "lethe/unlearn/methods.hpp"
#include "lethe/unlearn/verifier.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::unlearn {
namespace {

using agent::test::ScriptedLlm;
using agent::test::VectorMemory;

// . . . . .
// . # . . .
// . . . . .
// . . . # .
// S . . . .
env::GridLayout small(const std::string& id = "small") {
  return env::layout_from_json({{"id", id}, {"rows", {".....", ".#...", ".....", "...#.", "S...."}}}, "test");
}

// Every ordered pair of distinct free cells as goto tasks, repeated until `count`.
std::vector<env::Task> many_tasks(const env::GridLayout& layout, std::size_t count) {
  std::vector<env::Cell> free;
  for (int y = 0; y < layout.height(); ++y) {
    for (int x = 0; x < layout.width(); ++x) {
      if (layout.is_free({x, y})) free.push_back({x, y});
    }
  }
  std::vector<env::Task> tasks;
  for (std::size_t k = 0; tasks.size() < count; ++k) {
    const auto from = free[(k * 7) % free.size()];
    const auto to = free[(k * 13 + 5) % free.size()];
    if (from != to) tasks.push_back(env::goto_task(layout, from, to));
  }
  return tasks;
}

struct Tally {
  std::size_t steps = 0;
  std::size_t violations = 0;
  std::size_t restricted_steps = 0;  // steps where the filter offered fewer than the four moves
};

Tally run_under(agent::GridAgent& agent, const Request& request, const env::GridLayout& layout,
                const std::vector<env::Task>& tasks, std::size_t batch) {
  Tally tally;
  for (std::size_t first = 0; first < tasks.size(); first += batch) {
    const std::vector<env::Task> chunk(
        tasks.begin() + static_cast<std::ptrdiff_t>(first),
        tasks.begin() + static_cast<std::ptrdiff_t>(std::min(first + batch, tasks.size())));
    for (const auto& episode : agent.run_episodes(layout, chunk, static_cast<int>(first))) {
      tally.steps += static_cast<std::size_t>(episode.steps);
      tally.violations += find_violations(request, episode).size();
      for (const auto& d : episode.distributions) tally.restricted_steps += d.actions.size() < 4 ? 1 : 0;
    }
  }
  return tally;
}

agent::AgentOptions hot_agent(int step_limit) {
  agent::AgentOptions options;
  options.sampling.temperature = 1.5;
  options.sampling.seed = 20261122;
  options.world.step_limit = step_limit;
  return options;
}

class HardModeWithRandomModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    llm::Options options;
    options.use_cache = false;
    options.threads = 2;
    options.parallel = 16;
    options.context = 512;
    model_ = llm::open("gguf:" + lethe::test::tiny_random_model(), options).release();
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  static llm::Llm* model_;
};
llm::Llm* HardModeWithRandomModel::model_ = nullptr;

TEST_F(HardModeWithRandomModel, NeverEntersAForgottenState) {
  const auto layout = small();
  const auto request = state_request(layout, {2, 2});
  VectorMemory memory;
  agent::GridAgent agent(*model_, memory, hot_agent(10));
  agent.set_action_filter(HardMethod().constraints(request, layout).filter);
  const auto tally = run_under(agent, request, layout, many_tasks(layout, 160), 16);
  EXPECT_GE(tally.steps, 1000u);
  EXPECT_GT(tally.restricted_steps, 20u);  // the filter had work to do
  EXPECT_EQ(tally.violations, 0u);
}

TEST_F(HardModeWithRandomModel, NeverCompletesAForgottenTrajectory) {
  const auto layout = small();
  const auto request = trajectory_request(layout, {{0, 2}, {1, 2}, {2, 2}});
  VectorMemory memory;
  agent::GridAgent agent(*model_, memory, hot_agent(10));
  agent.set_action_filter(HardMethod().constraints(request, layout).filter);
  const auto tally = run_under(agent, request, layout, many_tasks(layout, 160), 16);
  EXPECT_GE(tally.steps, 1000u);
  EXPECT_GT(tally.restricted_steps, 0u);
  EXPECT_EQ(tally.violations, 0u);
}

// The model always picks the move into the target when offered one; only the filter stands in its way.
std::string towards(const env::GridLayout& layout, env::Cell target, const llm::ChatRequest& request) {
  const auto& prompt = agent::test::prompt_of(request);
  const auto at = prompt.find("Observation: pos ");
  const auto end = prompt.find(';', at);
  const auto here = env::parse_cell_key(prompt.substr(at + 17, end - at - 17));
  for (const auto& choice : request.choices) {
    if (env::neighbour(here, *env::parse_move(choice)) == target) return choice;
  }
  // Otherwise head for it: the move that reduces the distance most, else the first offered.
  for (const auto& choice : request.choices) {
    const auto next = env::neighbour(here, *env::parse_move(choice));
    if (layout.is_free(next) && std::abs(next.x - target.x) + std::abs(next.y - target.y) <
                                    std::abs(here.x - target.x) + std::abs(here.y - target.y)) {
      return choice;
    }
  }
  return request.choices.front();
}

TEST(HardModeWithAdversarialScript, NeverEntersTheStateItAlwaysWants) {
  const auto layout = small();
  const env::Cell target{2, 2};
  const auto request = state_request(layout, target);
  ScriptedLlm llm([&](const llm::ChatRequest& r) { return towards(layout, target, r); });
  VectorMemory memory;
  agent::GridAgent agent(llm, memory, hot_agent(12));
  const auto tasks = many_tasks(layout, 200);
  // Without the filter the script does enter it: the check below can fail.
  EXPECT_GT(run_under(agent, request, layout, tasks, 20).violations, 50u);
  agent.set_action_filter(HardMethod().constraints(request, layout).filter);
  const auto tally = run_under(agent, request, layout, tasks, 20);
  EXPECT_GE(tally.steps, 2000u);
  EXPECT_EQ(tally.violations, 0u);
}

// One agent walks every layout (the benchmark runs the remaining tasks of the others): there, the request forbids
// nothing, not even the cell with the target's coordinates.
TEST(HardModeWithAdversarialScript, LeavesOtherEnvironmentsAlone) {
  const auto layout = small();
  const auto twin = small("twin");
  const env::Cell target{2, 2};
  for (const auto& request : {state_request(layout, target), trajectory_request(layout, {{1, 2}, {2, 2}, {2, 3}})}) {
    const auto filter = HardMethod().constraints(request, layout).filter;
    const auto moves = env::move_names();
    for (const auto& visited : {std::vector<env::StateId>{env::state_id(twin, {2, 1})},
                                std::vector<env::StateId>{env::state_id(twin, {1, 2}), env::state_id(twin, {2, 2})}}) {
      EXPECT_EQ(filter(agent::FilterContext{visited, moves}), moves) << request.describe();
    }
  }

  const auto request = state_request(layout, target);
  ScriptedLlm llm([&](const llm::ChatRequest& r) { return towards(twin, target, r); });
  VectorMemory memory;
  agent::GridAgent agent(llm, memory, hot_agent(12));
  agent.set_action_filter(HardMethod().constraints(request, layout).filter);
  const auto tally = run_under(agent, state_request(twin, target), twin, many_tasks(twin, 40), 20);
  EXPECT_GT(tally.violations, 10u);  // the twin's (2,2) is entered as often as the script likes
  EXPECT_EQ(tally.restricted_steps, 0u);
}

TEST(HardModeWithAdversarialScript, NeverCompletesTheTrajectoryItAlwaysWants) {
  const auto layout = small();
  const auto request = trajectory_request(layout, {{1, 2}, {2, 2}, {2, 3}});
  // Heads for (1,2), then (2,2), then (2,3): the forbidden route, over and over.
  ScriptedLlm llm([&](const llm::ChatRequest& r) {
    const auto& prompt = agent::test::prompt_of(r);
    const auto at = prompt.find("Observation: pos ");
    const auto here = env::parse_cell_key(prompt.substr(at + 17, prompt.find(';', at) - at - 17));
    env::Cell goal{1, 2};
    if (here == env::Cell{1, 2}) goal = {2, 2};
    if (here == env::Cell{2, 2}) goal = {2, 3};
    return towards(layout, goal, r);
  });
  VectorMemory memory;
  agent::GridAgent agent(llm, memory, hot_agent(12));
  const auto tasks = many_tasks(layout, 200);
  EXPECT_GT(run_under(agent, request, layout, tasks, 20).violations, 50u);
  agent.set_action_filter(HardMethod().constraints(request, layout).filter);
  const auto tally = run_under(agent, request, layout, tasks, 20);
  EXPECT_GE(tally.steps, 2000u);
  EXPECT_EQ(tally.violations, 0u);
}

}  // namespace
}  // namespace lethe::unlearn
