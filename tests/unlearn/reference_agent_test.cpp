#include "lethe/unlearn/reference_agent.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "../agent/agent_doubles.hpp"
#include "lethe/env/grid_paths.hpp"
#include "lethe/env/grid_world.hpp"
#include "lethe/unlearn/avoidance.hpp"

namespace lethe::unlearn {
namespace {

using agent::test::prompt_of;
using agent::test::ScriptedLlm;
using agent::test::VectorMemory;

// S . . .
// . # T .
// . . . .
env::GridLayout house() { return env::layout_from_json({{"id", "house"}, {"rows", {"S...", ".#T.", "...."}}}, "test"); }
env::GridLayout field() { return env::layout_from_json({{"id", "field"}, {"rows", {"S..", "..T"}}}, "test"); }

env::Cell cell_after(const std::string& prompt, const std::string& marker) {
  const auto at = prompt.find(marker);
  const auto end = prompt.find(')', at);
  return env::parse_cell_key(prompt.substr(at + marker.size(), end + 1 - at - marker.size()));
}

// Goto tasks: the first move of the shortest path to the goal when it is offered, else the first offered action.
// Collect tasks: "right" when offered, else "down", else the first offered.
ScriptedLlm::Script shortest_route_policy(const env::GridLayout& layout) {
  return [layout](const llm::ChatRequest& request) {
    const auto& prompt = prompt_of(request);
    std::string wanted;
    if (prompt.find("; goal ") != std::string::npos) {
      const auto path =
          env::shortest_path(layout, cell_after(prompt, "Observation: pos "), cell_after(prompt, "; goal "));
      wanted = std::string(env::move_name(path->moves.front()));
    }
    for (const std::string& choice : {wanted, std::string("right"), std::string("down")}) {
      if (std::find(request.choices.begin(), request.choices.end(), choice) != request.choices.end()) return choice;
    }
    return request.choices.front();
  };
}

std::vector<LayoutTasks> house_schedule() {
  return {LayoutTasks{
      house(),
      {env::goto_task(house(), {0, 0}, {3, 0}), env::goto_task(house(), {0, 0}, {0, 2}), env::collect_task(house())}}};
}

bool entered(const std::vector<agent::EpisodeResult>& episodes, const env::StateId& state) {
  for (const auto& episode : episodes) {
    for (std::size_t i = 1; i < episode.states.size(); ++i) {
      if (episode.states[i] == state) return true;
    }
  }
  return false;
}

TEST(ReferenceAgent, NeverEntersAForgottenStateAndKeepsNothingAboutIt) {
  ScriptedLlm llm(shortest_route_policy(house()));
  const auto request = state_request(house(), {1, 0});

  VectorMemory original_memory;
  agent::GridAgent original(llm, original_memory);
  const auto original_report = learn_schedule(original, house_schedule(), 2);
  // The original agent's route to (3,0) goes through (1,0): there is something to forget.
  ASSERT_TRUE(entered(original_report.episodes, request.states[0]));
  ASSERT_FALSE(holds_nothing_of(original_memory, {request}));

  VectorMemory memory;
  ReferenceAgent reference(llm, memory, {}, {request});
  const auto report = reference.learn(house_schedule(), 2);
  EXPECT_FALSE(entered(report.learned.episodes, request.states[0]));
  EXPECT_TRUE(holds_nothing_of(memory, {request}));
  EXPECT_GT(memory.size(), 0u);
  EXPECT_TRUE(report.excluded.empty());

  // Same tasks, same episodes (numbers and so seeds) as the original.
  ASSERT_EQ(report.learned.episodes.size(), original_report.episodes.size());
  for (std::size_t i = 0; i < report.learned.episodes.size(); ++i) {
    EXPECT_EQ(report.learned.episodes[i].task.id, original_report.episodes[i].task.id);
    EXPECT_EQ(report.learned.episodes[i].episode, original_report.episodes[i].episode);
  }
  // The goto (0,0)->(3,0) episode could not take the original's route.
  EXPECT_NE(report.learned.episodes[0].states, original_report.episodes[0].states);

  // At evaluation time the reference agent carries no unlearning constraint.
  EXPECT_FALSE(reference.agent().has_action_filter());
  EXPECT_TRUE(reference.agent().constraints().empty());
}

TEST(ReferenceAgent, DropsFactsAboutAForgottenTreasureCell) {
  ScriptedLlm llm(shortest_route_policy(house()));
  const auto request = state_request(house(), {2, 1});  // the treasure
  VectorMemory memory;
  ReferenceAgent reference(llm, memory, {}, {request});
  const auto report = reference.learn(house_schedule(), 1);
  // Seen from (2,0) or (3,1), the treasure would be a fact about the forgotten state.
  EXPECT_GT(report.entries_dropped, 0u);
  EXPECT_TRUE(holds_nothing_of(memory, {request}));
  EXPECT_FALSE(entered(report.learned.episodes, request.states[0]));
}

TEST(ReferenceAgent, SkipsTasksThatEndInAForgottenStateButKeepsEpisodeNumbers) {
  ScriptedLlm llm(shortest_route_policy(house()));
  const auto request = state_request(house(), {0, 2});
  VectorMemory memory;
  ReferenceAgent reference(llm, memory, {}, {request});
  const auto report = reference.learn(house_schedule(), 2);
  ASSERT_EQ(report.excluded.size(), 2u);  // goto (0,0)->(0,2), in each round
  EXPECT_EQ(report.excluded[0].task.id, house_schedule()[0].tasks[1].id);
  EXPECT_NE(report.excluded[0].reason.find("ends in the forgotten state house:(0,2)"), std::string::npos);
  EXPECT_EQ(report.excluded[0].episode, 2);
  EXPECT_EQ(report.excluded[1].episode, 5);
  ASSERT_EQ(report.learned.episodes.size(), 4u);
  EXPECT_EQ(report.learned.episodes[1].episode, 3);
  EXPECT_TRUE(holds_nothing_of(memory, {request}));
}

TEST(ReferenceAgent, NeverCompletesAForgottenTrajectory) {
  ScriptedLlm llm(shortest_route_policy(house()));
  const auto request = trajectory_request(house(), {{1, 0}, {2, 0}, {3, 0}});
  const ForbiddenRun run(request.states);

  VectorMemory original_memory;
  agent::GridAgent original(llm, original_memory);
  const auto original_report = learn_schedule(original, house_schedule(), 1);
  ASSERT_TRUE(run.first_completion(original_report.episodes[0].states).has_value());

  VectorMemory memory;
  ReferenceAgent reference(llm, memory, {}, {request});
  const auto report = reference.learn(house_schedule(), 1);
  for (const auto& episode : report.learned.episodes) {
    EXPECT_FALSE(run.first_completion(episode.states).has_value()) << episode.task.id;
  }
  EXPECT_TRUE(holds_nothing_of(memory, {request}));
  // Each state of the trajectory stays reachable: the goal (3,0) was reached another way.
  EXPECT_TRUE(report.learned.episodes[0].success);
}

TEST(ReferenceAgent, NeverTrainsOnAForgottenEnvironmentAndLearnsTheOthersAsTheOriginalDoes) {
  std::vector<LayoutTasks> schedule = house_schedule();
  schedule.push_back(LayoutTasks{field(), {env::collect_task(field()), env::goto_task(field(), {0, 0}, {2, 0})}});
  ScriptedLlm llm([](const llm::ChatRequest& request) { return request.choices.back(); });
  const auto request = environment_request(house());

  VectorMemory original_memory;
  agent::GridAgent original(llm, original_memory);
  learn_schedule(original, schedule, 1);

  VectorMemory memory;
  ReferenceAgent reference(llm, memory, {}, {request});
  const auto report = reference.learn(schedule, 1);
  EXPECT_TRUE(memory.entries("house").empty());
  EXPECT_TRUE(holds_nothing_of(memory, {request}));
  EXPECT_EQ(report.excluded.size(), 3u);
  for (const auto& episode : report.learned.episodes) EXPECT_EQ(episode.environment, "field");

  // On the other environment it learned exactly what the original learned.
  const auto mine = memory.entries("field");
  const auto theirs = original_memory.entries("field");
  ASSERT_EQ(mine.size(), theirs.size());
  for (std::size_t i = 0; i < mine.size(); ++i) {
    EXPECT_EQ(mine[i].id, theirs[i].id);
    EXPECT_EQ(mine[i].provenance, theirs[i].provenance);
    EXPECT_EQ(mine[i].text, theirs[i].text);
  }
}

}  // namespace
}  // namespace lethe::unlearn
