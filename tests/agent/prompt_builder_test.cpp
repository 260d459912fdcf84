#include "lethe/agent/prompt_builder.hpp"

#include <gtest/gtest.h>

#include "memory_fixtures.hpp"

namespace lethe::agent {
namespace {

using test::cell;

TEST(PromptBuilder, GoldenFormatWithMemoryAndConstraints) {
  PromptInputs inputs;
  inputs.task = "go from (0,0) to (2,1)";
  inputs.observation =
      "pos (0,0); up: wall; down (0,1): free; left: wall; right (1,0): free; goal (2,1): 1 down, 2 right";
  inputs.memory.routes = {"route house/goto: (0,0) right right down -> (2,1)"};
  inputs.memory.facts = {"fact: obstacle at (1,1)", "fact: wall up of (0,0)"};
  inputs.memory.reflections = {"reflection: go right first"};
  inputs.constraints = {"Never enter (1,0).", "rule:\n  if next_state == (1,0): forbidden"};
  inputs.actions = {"up", "down", "left", "right"};
  inputs.recall = {"treasure (2,2): 2 down, 2 right", "treasure (0,3): 3 down"};
  EXPECT_EQ(
      build_prompt(inputs),
      "Task: go from (0,0) to (2,1)\n"
      "Memory:\n"
      "- route house/goto: (0,0) right right down -> (2,1)\n"
      "- fact: obstacle at (1,1)\n"
      "- fact: wall up of (0,0)\n"
      "- reflection: go right first\n"
      "Constraints:\n"
      "- Never enter (1,0).\n"
      "- rule:\n"
      "    if next_state == (1,0): forbidden\n"
      "Observation: pos (0,0); up: wall; down (0,1): free; left: wall; right (1,0): free; goal (2,1): 1 down, 2 right\n"
      "Recall: treasure (2,2): 2 down, 2 right; treasure (0,3): 3 down\n"
      "Actions: up, down, left, right\n"
      "Action:");
}

TEST(PromptBuilder, GoldenFormatWhenEmpty) {
  PromptInputs inputs;
  inputs.task = "collect all treasures";
  inputs.observation = "pos (1,1); up: free; down: free; left: free; right: obstacle";
  inputs.actions = {"up", "left"};
  EXPECT_EQ(build_prompt(inputs),
            "Task: collect all treasures\n"
            "Memory: none\n"
            "Constraints: none\n"
            "Observation: pos (1,1); up: free; down: free; left: free; right: obstacle\n"
            "Recall: none\n"
            "Actions: up, left\n"
            "Action:");
}

TEST(PromptBuilder, DigestKeepsEnvironmentPrefersTaskRoutesAndDropsDuplicateFacts) {
  auto long_route = test::trajectory(
      "t1", "house", {cell("house", 0, 0), cell("house", 1, 0), cell("house", 2, 0), cell("house", 2, 1)});
  auto short_route = test::trajectory("t2", "house", {cell("house", 0, 0), cell("house", 0, 1)});
  short_route.provenance.task = "other";
  auto failed = test::trajectory("t3", "house", {cell("house", 0, 0), cell("house", 0, 1)});
  failed.outcome->success = false;
  auto elsewhere = test::trajectory("t4", "maze", {cell("maze", 0, 0), cell("maze", 0, 1)});
  std::vector<MemoryEntry> entries{
      long_route,
      short_route,
      failed,
      elsewhere,
      test::fact("f1", "house", cell("house", 1, 1), "obstacle at (1,1)"),
      test::fact("f2", "house", cell("house", 1, 1), "obstacle at (1,1)"),
      test::fact("f3", "maze", cell("maze", 1, 1), "treasure at (1,1)"),
      test::reflection("r1", "house", "old"),
      test::reflection("r2", "house", "new\nline"),
  };
  PromptLimits limits;
  limits.reflections = 1;
  const auto digest = digest_memory(entries, "house", "collect-treasures", limits);
  ASSERT_EQ(digest.routes.size(), 2u);
  EXPECT_EQ(digest.routes[0], "route collect-treasures: (0,0) right down right -> (2,1)");
  EXPECT_EQ(digest.routes[1], "route other: (0,0) right -> (0,1)");
  EXPECT_EQ(digest.facts, std::vector<std::string>{"fact: obstacle at (1,1)"});
  EXPECT_EQ(digest.reflections, std::vector<std::string>{"reflection: new line"});
  EXPECT_TRUE(digest_memory(entries, "nowhere").empty());
}

TEST(PromptBuilder, DigestPutsTreasuresThenObstaclesFirstAndCapsFacts) {
  std::vector<MemoryEntry> entries{
      test::fact("f1", "house", cell("house", 0, 0), "wall up of (0,0)"),
      test::fact("f2", "house", cell("house", 1, 1), "obstacle at (1,1)"),
      test::fact("f3", "house", cell("house", 2, 1), "treasure at (2,1)"),
      test::fact("f4", "house", cell("house", 3, 1), "obstacle at (3,1)"),
  };
  PromptLimits limits;
  limits.facts = 3;
  EXPECT_EQ(
      digest_memory(entries, "house", "", limits).facts,
      (std::vector<std::string>{"fact: treasure at (2,1)", "fact: obstacle at (1,1)", "fact: obstacle at (3,1)"}));
}

}  // namespace
}  // namespace lethe::agent
