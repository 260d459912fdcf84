#include "lethe/agent/grid_agent.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "agent_doubles.hpp"
#include "memory_fixtures.hpp"
#include "lethe/env/error.hpp"
#include "lethe/env/grid_layout.hpp"

namespace lethe::agent {
namespace {

using test::prompt_of;
using test::ScriptedLlm;
using test::VectorMemory;

// S . . .
// . # T .
// . . . .
env::GridLayout house() { return env::layout_from_json({{"id", "house"}, {"rows", {"S...", ".#T.", "...."}}}, "test"); }

env::StateId at(int x, int y) { return env::state_id(house(), env::Cell{x, y}); }

// Picks `preferred` when offered, else the first offered action.
ScriptedLlm::Script prefer(std::string preferred) {
  return [preferred](const llm::ChatRequest& request) {
    const auto& c = request.choices;
    return std::find(c.begin(), c.end(), preferred) != c.end() ? preferred : c.front();
  };
}

// Plays the actions in order, one per call.
ScriptedLlm::Script sequence(std::vector<std::string> actions) {
  auto next = std::make_shared<std::size_t>(0);
  return [actions, next](const llm::ChatRequest&) { return actions.at((*next)++ % actions.size()); };
}

TEST(GridAgent, RunsAnEpisodeRecordingStatesActionsAndDistributions) {
  ScriptedLlm llm(sequence({"right", "right"}));
  VectorMemory memory;
  GridAgent agent(llm, memory);
  env::GridWorld world(house());
  const auto task = env::goto_task(house(), {0, 0}, {2, 0});
  const auto result = agent.run_episode(world, task, 4);
  EXPECT_TRUE(result.success);
  EXPECT_FALSE(result.stuck);
  EXPECT_EQ(result.steps, 2);
  EXPECT_EQ(result.episode, 4);
  EXPECT_EQ(result.states, (std::vector<env::StateId>{at(0, 0), at(1, 0), at(2, 0)}));
  EXPECT_EQ(result.actions, (std::vector<std::string>{"right", "right"}));
  ASSERT_EQ(result.distributions.size(), 2u);
  EXPECT_EQ(result.distributions[0].actions, env::move_names());
  EXPECT_DOUBLE_EQ(result.distributions[0].probabilities[3], 0.7);
  EXPECT_EQ(result.observations.size(), 3u);
  ASSERT_EQ(llm.requests.size(), 2u);
  EXPECT_EQ(llm.requests[0].choices, env::move_names());
  EXPECT_NE(llm.requests[0].sampling.seed, llm.requests[1].sampling.seed);
  const auto& prompt = prompt_of(llm.requests[0]);
  EXPECT_EQ(prompt.rfind("Task: " + task.description + "\n", 0), 0u) << prompt;
  EXPECT_NE(prompt.find("Observation: " + result.observations[0] + "\n"), std::string::npos) << prompt;
  EXPECT_TRUE(prompt.ends_with("Action:"));
}

TEST(GridAgent, ActionFilterRemovesActionsBeforeTheCall) {
  ScriptedLlm llm(prefer("right"));
  VectorMemory memory;
  GridAgent agent(llm, memory);
  std::size_t filter_calls = 0;
  agent.set_action_filter([&](const FilterContext& ctx) {
    ++filter_calls;
    EXPECT_FALSE(ctx.visited.empty());
    std::vector<std::string> kept;
    for (const auto& a : ctx.actions) {
      if (a != "right") kept.push_back(a);
    }
    return kept;
  });
  agent.set_constraints({"Never go right."});
  env::GridWorld world(house(), {1, 6});
  const auto result = agent.run_episode(world, env::goto_task(house(), {0, 0}, {3, 2}));
  EXPECT_EQ(result.steps, 6);
  EXPECT_GE(filter_calls, 6u);
  EXPECT_EQ(std::count(result.actions.begin(), result.actions.end(), "right"), 0);
  for (const auto& request : llm.requests) {
    EXPECT_EQ(std::count(request.choices.begin(), request.choices.end(), "right"), 0);
    EXPECT_NE(prompt_of(request).find("Constraints:\n- Never go right.\n"), std::string::npos);
  }
}

TEST(GridAgent, StaysAndStopsWhenTheFilterRemovesEveryAction) {
  ScriptedLlm llm(prefer("up"));
  VectorMemory memory;
  GridAgent agent(llm, memory);
  agent.set_action_filter([](const FilterContext&) { return std::vector<std::string>{}; });
  env::GridWorld world(house());
  const auto result = agent.run_episode(world, env::goto_task(house(), {0, 0}, {3, 2}));
  EXPECT_TRUE(result.stuck);
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.steps, 0);
  EXPECT_EQ(result.states, std::vector<env::StateId>{at(0, 0)});
  EXPECT_TRUE(llm.requests.empty());
}

TEST(GridAgent, SingleRemainingActionIsTakenWithoutACall) {
  ScriptedLlm llm(prefer("up"));
  VectorMemory memory;
  GridAgent agent(llm, memory);
  agent.set_action_filter([](const FilterContext&) { return std::vector<std::string>{"right"}; });
  env::GridWorld world(house());
  const auto result = agent.run_episode(world, env::goto_task(house(), {0, 0}, {3, 0}));
  EXPECT_TRUE(result.success);
  EXPECT_EQ(result.steps, 3);
  EXPECT_TRUE(llm.requests.empty());
  EXPECT_EQ(result.distributions[0].probabilities, std::vector<double>{1.0});
}

TEST(GridAgent, AnswerOutsideTheOfferedActionsIsAnError) {
  ScriptedLlm llm([](const llm::ChatRequest&) { return std::string("jump"); });
  VectorMemory memory;
  GridAgent agent(llm, memory);
  env::GridWorld world(house());
  EXPECT_THROW(agent.run_episode(world, env::goto_task(house(), {0, 0}, {3, 2})), llm::Error);
}

TEST(GridAgent, BatchedEpisodesMatchSequentialOnes) {
  const std::vector<env::Task> tasks{env::goto_task(house(), {0, 0}, {3, 2}), env::goto_task(house(), {3, 0}, {0, 2}),
                                     env::collect_task(house())};
  // Deterministic policy of the prompt alone: prefer right, then down.
  auto script = [](const llm::ChatRequest& request) {
    const auto& c = request.choices;
    const auto& prompt = prompt_of(request);
    const auto right = prompt.find("; right (");
    const auto seen = right == std::string::npos ? std::string{} : prompt.substr(prompt.find(')', right) + 1, 11);
    const bool right_free = seen.starts_with(": free") || seen.starts_with(": treasure");
    if (right_free && std::find(c.begin(), c.end(), "right") != c.end()) return std::string("right");
    return std::find(c.begin(), c.end(), "down") != c.end() ? std::string("down") : c.back();
  };
  ScriptedLlm batched_llm(script);
  ScriptedLlm single_llm(script);
  VectorMemory memory;
  GridAgent batched(batched_llm, memory);
  GridAgent single(single_llm, memory);
  const auto results = batched.run_episodes(house(), tasks, 10);
  ASSERT_EQ(results.size(), tasks.size());
  EXPECT_GT(batched_llm.batch_calls, 0u);
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    env::GridWorld world(house());
    const auto expected = single.run_episode(world, tasks[i], 10 + static_cast<int>(i));
    EXPECT_EQ(results[i].states, expected.states) << i;
    EXPECT_EQ(results[i].actions, expected.actions) << i;
    EXPECT_EQ(results[i].success, expected.success) << i;
    EXPECT_EQ(results[i].episode, 10 + static_cast<int>(i));
  }
}

TEST(GridAgent, PromptsRecallRememberedTreasuresUntilVisited) {
  VectorMemory memory;
  memory.add(test::fact("f1", "house", at(2, 1), "treasure at (2,1)"));
  const auto recall_lines = [](const ScriptedLlm& llm) {
    std::vector<std::string> lines;
    for (const auto& request : llm.requests) {
      const auto& prompt = prompt_of(request);
      const auto begin = prompt.find("Recall:");
      lines.push_back(prompt.substr(begin, prompt.find('\n', begin) - begin));
    }
    return lines;
  };
  const std::vector<std::string> expected{"Recall: treasure (2,1): 1 down, 2 right",
                                          "Recall: treasure (2,1): 1 down, 1 right", "Recall: treasure (2,1): 1 down",
                                          "Recall: none"};
  // Sequential: goto (3,0) along the top row passes beside the treasure.
  ScriptedLlm single(sequence({"right", "right", "right"}));
  GridAgent agent(single, memory);
  env::GridWorld world(house());
  agent.run_episode(world, env::goto_task(house(), {0, 0}, {3, 0}), 1);
  EXPECT_EQ(recall_lines(single), std::vector<std::string>(expected.begin(), expected.begin() + 3));

  // Batched: goto (3,2) through the treasure's cell; once stood on, it is no longer recalled.
  ScriptedLlm batched(sequence({"right", "right", "down", "down", "right"}));
  GridAgent batched_agent(batched, memory);
  batched_agent.run_episodes(house(), {env::goto_task(house(), {0, 0}, {3, 2})}, 1);
  EXPECT_EQ(recall_lines(batched),
            (std::vector<std::string>{expected[0], expected[1], expected[2], expected[3], "Recall: none"}));
}

TEST(FactsFromObservation, ReadsNeighboursAndWhatIsInView) {
  const auto facts = facts_from_observation(
      "pos (2,0); up: wall; down (2,1): treasure; left (1,0): free; right (3,0): obstacle; also in view: obstacle "
      "(1,1), treasure (4,1)");
  EXPECT_EQ(facts, (std::vector<ObservedFact>{{"(2,0)", "wall up of (2,0)"},
                                              {"(2,1)", "treasure at (2,1)"},
                                              {"(3,0)", "obstacle at (3,0)"},
                                              {"(1,1)", "obstacle at (1,1)"},
                                              {"(4,1)", "treasure at (4,1)"}}));
  EXPECT_TRUE(facts_from_observation(
                  "pos (1,1); up (1,0): free; down (1,2): free; left (0,1): free; right (2,1): free; goal (3,3): 2 "
                  "down, 2 right")
                  .empty());
  EXPECT_THROW(facts_from_observation("hello"), env::Error);
  EXPECT_THROW(facts_from_observation("pos (1,1); up: lava"), env::Error);
}

TEST(GridAgentLearning, WritesTrajectoryAndFactsWithProvenance) {
  ScriptedLlm llm(sequence({"right", "right"}));
  VectorMemory memory;
  GridAgent agent(llm, memory);
  env::GridWorld world(house());
  const auto task = env::goto_task(house(), {0, 0}, {2, 0});
  const auto report = agent.learn(world, {task}, 1);
  ASSERT_EQ(report.episodes.size(), 1u);
  EXPECT_TRUE(report.episodes[0].success);
  const auto entries = memory.entries();
  EXPECT_EQ(entries.size(), report.entries_added);
  ASSERT_FALSE(entries.empty());
  const auto& trajectory = entries[0];
  EXPECT_EQ(trajectory.kind, EntryKind::Trajectory);
  EXPECT_EQ(trajectory.provenance.environment, "house");
  EXPECT_EQ(trajectory.provenance.task, task.id);
  EXPECT_EQ(trajectory.provenance.episode, 1);
  EXPECT_EQ(trajectory.provenance.visited, (std::vector<env::StateId>{at(0, 0), at(1, 0), at(2, 0)}));
  ASSERT_EQ(trajectory.steps.size(), 2u);
  EXPECT_EQ(trajectory.steps[1].state, at(1, 0));
  EXPECT_EQ(trajectory.steps[1].action, "right");
  EXPECT_EQ(trajectory.outcome, (Outcome{true, 2}));
  // From (1,0) the obstacle below was seen; from (2,0) the treasure below.
  const auto obstacle = std::find_if(entries.begin(), entries.end(), [](const MemoryEntry& e) {
    return e.kind == EntryKind::Fact && e.text == "obstacle at (1,1)";
  });
  ASSERT_NE(obstacle, entries.end());
  EXPECT_EQ(obstacle->subject, at(1, 1));
  EXPECT_EQ(obstacle->provenance.visited, std::vector<env::StateId>{at(1, 0)});
  EXPECT_EQ(obstacle->provenance.episode, 1);
  const auto treasure = std::find_if(entries.begin(), entries.end(), [](const MemoryEntry& e) {
    return e.kind == EntryKind::Fact && e.text == "treasure at (2,1)";
  });
  ASSERT_NE(treasure, entries.end());
  EXPECT_EQ(treasure->subject, at(2, 1));
  EXPECT_EQ(
      std::count_if(entries.begin(), entries.end(), [](const MemoryEntry& e) { return e.text == "wall up of (0,0)"; }),
      1);
  EXPECT_EQ(std::count_if(entries.begin(), entries.end(),
                          [](const MemoryEntry& e) { return e.kind == EntryKind::Reflection; }),
            0);

  // A second round continues the episode numbers, repeats no fact, and the next prompt shows the memory.
  agent.learn(world, {task}, 1);
  const auto again = memory.entries();
  EXPECT_EQ(
      std::count_if(again.begin(), again.end(), [](const MemoryEntry& e) { return e.text == "obstacle at (1,1)"; }), 1);
  EXPECT_EQ(again.back().provenance.episode, 2);
  const auto& prompt = prompt_of(llm.requests.back());
  EXPECT_NE(prompt.find("- route " + task.id + ": (0,0) right right -> (2,0)\n"), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("- fact: obstacle at (1,1)\n"), std::string::npos) << prompt;
}

TEST(GridAgentLearning, FailureWritesATemplatedReflection) {
  ScriptedLlm llm(prefer("up"));
  VectorMemory memory;
  GridAgent agent(llm, memory, AgentOptions{.world = {}});
  env::GridWorld world(house(), {1, 3});
  const auto report = agent.learn(world, {env::goto_task(house(), {0, 0}, {3, 2})}, 1);
  EXPECT_FALSE(report.episodes[0].success);
  const auto entries = memory.entries();
  const auto& reflection = entries.back();
  EXPECT_EQ(reflection.kind, EntryKind::Reflection);
  EXPECT_EQ(reflection.text, templated_reflection(report.episodes[0]));
  EXPECT_NE(reflection.text.find("after 3 steps"), std::string::npos) << reflection.text;
  EXPECT_EQ(reflection.provenance.visited, std::vector<env::StateId>(4, at(0, 0)));
  EXPECT_EQ(entries.front().outcome, (Outcome{false, 3}));
}

TEST(GridAgentLearning, FailureAsksTheLlmForAReflectionWhenConfigured) {
  ScriptedLlm llm([](const llm::ChatRequest& request) {
    return request.choices.empty() ? std::string(" Go down first. \n") : std::string("up");
  });
  VectorMemory memory;
  AgentOptions options;
  options.llm_reflections = true;
  GridAgent agent(llm, memory, options);
  env::GridWorld world(house(), {1, 2});
  agent.learn(world, {env::goto_task(house(), {0, 0}, {3, 2})}, 1);
  const auto& last_request = llm.requests.back();
  EXPECT_TRUE(last_request.choices.empty());
  EXPECT_NE(prompt_of(last_request).find("advice"), std::string::npos);
  EXPECT_EQ(memory.entries().back().text, "Go down first.");
  EXPECT_EQ(memory.entries().back().kind, EntryKind::Reflection);
}

}  // namespace
}  // namespace lethe::agent
