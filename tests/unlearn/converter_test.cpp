#include "lethe/unlearn/converter.hpp"

#include <gtest/gtest.h>

#include "../agent/agent_doubles.hpp"

namespace lethe::unlearn {
namespace {

using agent::test::prompt_of;
using agent::test::ScriptedLlm;

env::GridLayout house() { return env::layout_from_json({{"id", "house"}, {"rows", {"S...", ".#T.", "...."}}}, "test"); }

TEST(ConversionPrompt, HasTheTaskContextGoalAndAnswerPrefix) {
  const auto prompt = conversion_prompt("Forget (3,2) in house.", house());
  EXPECT_EQ(prompt.rfind("Task: ", 0), 0u);
  EXPECT_NE(prompt.find("Context: map house, 4x3, start (0,0), treasures (2,1)"), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("Goal: "), std::string::npos);
  EXPECT_NE(prompt.find("Request: Forget (3,2) in house.\n"), std::string::npos);
  EXPECT_NE(prompt.find("Answer starting with 'Unlearning Instruction:'."), std::string::npos);
  const std::string suffix = "\nUnlearning Instruction:";
  EXPECT_EQ(prompt.substr(prompt.size() - suffix.size()), suffix);
}

TEST(ConversionPrompt, CompactKeepsTheFactsAndDropsTheFixedSentences) {
  EXPECT_EQ(conversion_prompt("Forget (3,2) in house.", house(), agent::PromptFormat::compact),
            "map house start 00 treasures 21 request Forget (3,2) in house. instruction :");
  const auto none = env::layout_from_json({{"id", "bare"}, {"rows", {".S", ".."}}}, "test");
  EXPECT_EQ(conversion_prompt("x", none, agent::PromptFormat::compact),
            "map bare start 10 treasures none request x instruction :");
}

TEST(Converter, AsksInTheFormatOfTheAgentItWritesFor) {
  ScriptedLlm model([](const llm::ChatRequest&) { return " avoid 32\n"; });
  ConverterOptions options;
  options.format = agent::PromptFormat::compact;
  const Converter converter(model, options);
  EXPECT_EQ(converter.candidates("Forget (3,2) in house.", house(), 1).front(), "avoid 32");
  const auto expected = conversion_prompt("Forget (3,2) in house.", house(), agent::PromptFormat::compact);
  EXPECT_EQ(prompt_of(model.requests.front()), expected);
  EXPECT_EQ(converter.prompt("Forget (3,2) in house.", house()), expected);
}

TEST(CleanCandidate, StripsThePrefixCutsAtTheStopAndTrims) {
  EXPECT_EQ(clean_candidate(" Never enter (3,2).\nRequest: more"), "Never enter (3,2).");
  EXPECT_EQ(clean_candidate("Unlearning Instruction:  Avoid (1,0). "), "Avoid (1,0).");
  EXPECT_EQ(clean_candidate("\n\n Keep away from (2,2)\nthen"), "Keep away from (2,2)");
  EXPECT_EQ(clean_candidate("a. STOP b", {"STOP"}), "a.");
  EXPECT_EQ(clean_candidate("   "), "");
  EXPECT_EQ(clean_candidate(""), "");
  EXPECT_EQ(clean_candidate("ok \xff end"), "ok \xef\xbf\xbd end");  // invalid UTF-8 replaced, not thrown on
}

TEST(ReferenceInstruction, OneSentencePerTarget) {
  const auto layout = house();
  EXPECT_EQ(reference_instruction({state_request(layout, {3, 2})}), "Never enter (3,2) in house; go around it.");
  EXPECT_EQ(reference_instruction({trajectory_request(layout, {{0, 0}, {1, 0}, {2, 0}})}),
            "Never move into (2,0) right after (0,0) then (1,0) in house; the cells stay allowed.");
  EXPECT_EQ(reference_instruction({environment_request(layout)}),
            "You have never been in house: ignore any memory of it.");
  EXPECT_EQ(reference_instruction({state_request(layout, {3, 2}), state_request(layout, {0, 2})}),
            "Never enter (3,2) in house; go around it. Never enter (0,2) in house; go around it.");
}

TEST(NamesTargets, EveryTargetsMapAndCellsMustAppear) {
  const auto layout = house();
  const auto state = state_request(layout, {3, 2});
  const auto route = trajectory_request(layout, {{0, 0}, {1, 0}});
  EXPECT_TRUE(names_targets(reference_instruction({state, route}), {state, route}));
  EXPECT_TRUE(names_targets("Keep out of (3,2) in house.", {state}));
  EXPECT_FALSE(names_targets("Keep out of (3,1) in house.", {state}));          // wrong cell
  EXPECT_FALSE(names_targets("Keep out of (3,2) in house-2.", {state}));        // another map
  EXPECT_FALSE(names_targets("Keep out of (3,2) in the warehouse.", {state}));  // not a whole word
  EXPECT_FALSE(names_targets("Never move into (1,0) in house.", {route}));      // half the route
  EXPECT_FALSE(names_targets("Never enter (3,2) in house.", {state, route}));   // one target of two
  EXPECT_TRUE(names_targets("Forget house: you were never there.", {environment_request(layout)}));
  EXPECT_FALSE(names_targets("", {state}));
}

TEST(ReferenceInstruction, CompactForAnAgentThatReadsTheCompactFormat) {
  const auto layout = house();
  const auto compact = agent::PromptFormat::compact;
  EXPECT_EQ(
      reference_instruction({state_request(layout, {3, 2}), trajectory_request(layout, {{0, 0}, {1, 0}})}, compact),
      "avoid 32 ; avoid 00 then 10");
  EXPECT_EQ(reference_instruction({environment_request(layout)}, compact), "forget map");
}

TEST(NamesTargets, CompactNamesEachCellAsAWord) {
  const auto layout = house();
  const auto compact = agent::PromptFormat::compact;
  const auto state = state_request(layout, {3, 2});
  const auto route = trajectory_request(layout, {{0, 0}, {1, 0}});
  EXPECT_TRUE(names_targets("never enter 32 ; never walk 00 10", {state, route}, compact));
  EXPECT_FALSE(names_targets("avoid 320", {state}, compact));  // not a whole word
  EXPECT_FALSE(names_targets("avoid (3,2)", {state}, compact));
  EXPECT_FALSE(names_targets("avoid 00", {route}, compact));  // half the route
  EXPECT_TRUE(names_targets("forget map", {environment_request(layout)}, compact));
}

TEST(Converter, SamplesKCandidatesTogetherWithDistinctSeedsAndCleansThem) {
  ScriptedLlm model([](const llm::ChatRequest& request) {
    return " Unlearning Instruction: avoid cell " + std::to_string(request.sampling.seed) + "\nmore";
  });
  ConverterOptions options;
  options.candidates = 3;
  const Converter converter(model, options);
  const auto candidates = converter.candidates("Forget (3,2) in house.", house(), 0, 40);
  EXPECT_EQ(candidates, (std::vector<std::string>{"avoid cell 40", "avoid cell 41", "avoid cell 42"}));
  EXPECT_EQ(model.batch_calls, 1u);
  ASSERT_EQ(model.requests.size(), 3u);
  for (const auto& request : model.requests) {
    EXPECT_EQ(prompt_of(request), conversion_prompt("Forget (3,2) in house.", house()));
    EXPECT_EQ(request.stop, std::vector<std::string>{"\n"});
    EXPECT_GT(request.sampling.temperature, 0.0);
  }
  EXPECT_EQ(converter.candidates("x", house(), 5, 0).size(), 5u);
}

TEST(Converter, PlugsIntoTheNlMethod) {
  ScriptedLlm model([](const llm::ChatRequest&) { return " Never enter (3,2); go around it.\n"; });
  const Converter converter(model);
  const NlMethod method(converter.nl_converter({house()}, 9));
  const auto request = state_request(house(), {3, 2});
  const auto constraints = method.constraints(request, house());
  EXPECT_EQ(constraints.prompt_lines, std::vector<std::string>{"Never enter (3,2); go around it."});
  EXPECT_NE(prompt_of(model.requests.back()).find(request.text), std::string::npos);
  EXPECT_EQ(model.requests.back().sampling.seed, 9u);

  const auto other = env::layout_from_json({{"id", "other"}, {"rows", {"S..", "..."}}}, "test");
  const NlMethod lost(converter.nl_converter({other}));
  EXPECT_THROW((void)lost.constraints(request, house()), Error);
}

}  // namespace
}  // namespace lethe::unlearn
