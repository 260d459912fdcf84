#include "lethe/agent/compact_prompt.hpp"

#include <gtest/gtest.h>

#include "lethe/env/error.hpp"

namespace lethe::agent {
namespace {

TEST(CompactPrompt, GoldenFormatWithMemoryAndConstraints) {
  PromptInputs inputs;
  inputs.task = "go from (0,0) to (2,1)";
  inputs.observation =
      "pos (0,0); up: wall; down (0,1): obstacle; left: wall; right (1,0): treasure; goal (2,1): 1 down, 2 right";
  inputs.memory.routes = {"route house/goto: (0,0) right right down -> (2,1)"};
  inputs.memory.facts = {"fact: treasure at (2,2)", "fact: obstacle at (1,1)", "fact: wall up of (0,0)"};
  inputs.memory.reflections = {"reflection: go right first"};  // free text: left out
  inputs.constraints = {"avoid 10", "if next = 20 : no"};
  inputs.actions = {"up", "down", "left", "right"};
  inputs.recall = {"treasure (2,2): 2 down, 2 right", "treasure (0,3): 3 down"};
  EXPECT_EQ(build_compact_prompt(inputs),
            "goto 21 mem route 00 r r d 21 t 22 o 11 w 00 u rules avoid 10 ; if next = 20 : no "
            "at 00 u w d 01 x l w r 10 t goal d 1 r 2 recall t 22 d 2 r 2 t 03 d 3 :");
  EXPECT_EQ(build_prompt(inputs, PromptFormat::compact), build_compact_prompt(inputs));
}

TEST(CompactPrompt, GoldenFormatWhenEmptyOnACollectTask) {
  PromptInputs inputs;
  inputs.observation =
      "pos (1,1); up (1,0): free; down (1,2): free; left (0,1): free; right (2,1): obstacle; also in view: "
      "treasure (1,3), obstacle (3,1); treasures collected: 1; treasures left: 2";
  EXPECT_EQ(build_compact_prompt(inputs),
            "collect mem none rules none at 11 u 10 d 12 l 01 r 21 x see t 13 o 31 got 1 of 3 recall none :");
}

TEST(CompactPrompt, WritesCellsAsTwoDigitsAndMovesAsLetters) {
  EXPECT_EQ(compact_cell(env::Cell{3, 4}), "34");
  EXPECT_EQ(compact_cell("(9,0)"), "90");
  EXPECT_EQ(compact_move("left"), "l");
  EXPECT_THROW(compact_cell(env::Cell{10, 0}), env::Error);
  EXPECT_THROW(compact_cell("3,4"), env::Error);
  EXPECT_THROW(compact_move("jump"), env::Error);
}

TEST(CompactPrompt, RejectsWhatIsNotAGridWorldObservation) {
  PromptInputs inputs;
  inputs.observation = "You are in the kitchen.";
  EXPECT_THROW(build_compact_prompt(inputs), env::Error);
  inputs.observation = "pos (1,1); up (1,0): lava";
  EXPECT_THROW(build_compact_prompt(inputs), env::Error);
  inputs.observation = "pos (1,1)";
  inputs.memory.facts = {"fact: the owner is kind"};
  EXPECT_THROW(build_compact_prompt(inputs), env::Error);
}

TEST(PromptFormat, NamesRoundTripAndUnknownOnesThrow) {
  EXPECT_EQ(prompt_format_from_string(to_string(PromptFormat::compact)), PromptFormat::compact);
  EXPECT_EQ(prompt_format_from_string("text"), PromptFormat::text);
  EXPECT_THROW(prompt_format_from_string("json"), std::invalid_argument);
}

}  // namespace
}  // namespace lethe::agent
