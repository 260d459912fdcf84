#include "lethe/unlearn/compact_constraints.hpp"

#include <gtest/gtest.h>

#include "lethe/unlearn/methods.hpp"

namespace lethe::unlearn {
namespace {

// S . . .
// . # T .
// . . . .
env::GridLayout house() { return env::layout_from_json({{"id", "house"}, {"rows", {"S...", ".#T.", "...."}}}, "test"); }

TEST(CompactConstraints, NlPhrasingsNameTheCellsAsOneWordEach) {
  const auto state = state_request(house(), {2, 0});
  EXPECT_EQ(compact_request_text(state, 0), "avoid 20");
  EXPECT_EQ(compact_request_text(state, 1), "never enter 20");
  EXPECT_EQ(compact_request_text(state, 2), "forget 20");
  EXPECT_EQ(compact_request_text(state, 3), "avoid 20");
  const auto trajectory = trajectory_request(house(), {{0, 0}, {1, 0}, {2, 0}});
  EXPECT_EQ(compact_request_text(trajectory, 0), "avoid 00 then 10 then 20");
  EXPECT_EQ(compact_request_text(trajectory, 1), "never enter 00 then 10 then 20");
  EXPECT_EQ(compact_request_text(environment_request(house()), 1), "forget new map");
  EXPECT_EQ(compact_phrasings(Scenario::state), 3u);
  EXPECT_EQ(compact_phrasings(Scenario::trajectory), 2u);
}

TEST(CompactConstraints, MethodsWriteTheCompactFormatWhenAsked) {
  const auto state = state_request(house(), {1, 0});
  EXPECT_EQ(CodeMethod(agent::PromptFormat::compact).constraints(state, house()).prompt_lines,
            std::vector<std::string>{"if next = 10 : no"});
  EXPECT_EQ(CodeMethod(agent::PromptFormat::compact)
                .constraints(trajectory_request(house(), {{0, 0}, {1, 0}, {2, 0}}), house())
                .prompt_lines,
            std::vector<std::string>{"if last 00 10 and next = 20 : no"});
  // (0,0) -> (2,0): the direct way crosses (1,0); around it goes down the left column and along the bottom.
  EXPECT_EQ(ExampleMethod(2, agent::PromptFormat::compact).constraints(state, house()).prompt_lines,
            std::vector<std::string>{"eg bad 00 10 20 ok 00 01 02 12 22 21 20"});
  const auto environment = environment_request(house());
  EXPECT_EQ(HardMethod(agent::PromptFormat::compact).constraints(environment, house()).prompt_lines,
            std::vector<std::string>{compact_new_environment_line()});
  EXPECT_EQ(make_method("code", {}, agent::PromptFormat::compact)->constraints(environment, house()).prompt_lines,
            std::vector<std::string>{"if map : reset"});
  EXPECT_TRUE(HardMethod(agent::PromptFormat::compact).constraints(state, house()).filter);
}

TEST(CompactConstraints, AnExampleWithoutADetourStillNamesTheTarget) {
  // A corridor: nothing can go around (1,0).
  const auto corridor = env::layout_from_json({{"id", "corridor"}, {"rows", {"S.."}}}, "test");
  EXPECT_EQ(compact_example_lines(state_request(corridor, {1, 0}), corridor, 1),
            std::vector<std::string>{"eg bad 10"});
}

}  // namespace
}  // namespace lethe::unlearn
