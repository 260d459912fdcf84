#include "lethe/unlearn/preference_pairs.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "../agent/agent_doubles.hpp"
#include "lethe/env/grid_world.hpp"
#include "lethe/train/jsonl_data.hpp"
#include "lethe/unlearn/avoidance.hpp"
#include "lethe/unlearn/verifier.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::unlearn {
namespace {

using agent::test::prompt_of;
using agent::test::ScriptedLlm;
using agent::test::VectorMemory;

// S . . . .
// . # . # .
// . . . . .
env::GridLayout town() {
  return env::layout_from_json({{"id", "town"}, {"rows", {"S....", ".#.#.", "....."}}}, "test");
}

CandidateOutcome outcome(const std::string& text, bool success) {
  CandidateOutcome o;
  o.candidate = text;
  o.forgot = success;
  o.success = success;
  return o;
}

TEST(PreferencePairs, EveryPreferredWithEveryDispreferred) {
  const std::vector<CandidateOutcome> outcomes{outcome("good 1", true), outcome("bad 1", false),
                                               outcome("good 2", true), outcome("bad 2", false),
                                               outcome("bad 3", false)};
  const auto pairs = preference_pairs("PROMPT", outcomes, "forget it", "state/erasure-1");
  ASSERT_EQ(pairs.size(), 6u);  // 2 x 3
  const std::vector<std::pair<std::string, std::string>> expected{
      {" good 1", " bad 1"}, {" good 1", " bad 2"}, {" good 1", " bad 3"},
      {" good 2", " bad 1"}, {" good 2", " bad 2"}, {" good 2", " bad 3"}};
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    EXPECT_EQ(pairs[i].prompt, "PROMPT");
    EXPECT_EQ(std::make_pair(pairs[i].chosen, pairs[i].rejected), expected[i]);
    EXPECT_EQ(pairs[i].chosen_evidence["success"], true);
    EXPECT_EQ(pairs[i].rejected_evidence["success"], false);
    EXPECT_EQ(pairs[i].template_id, "state/erasure-1");
  }
}

TEST(PreferencePairs, NoneWhenAllSucceedOrAllFail) {
  EXPECT_TRUE(preference_pairs("P", {outcome("a", true), outcome("b", true), outcome("c", true)}).empty());
  EXPECT_TRUE(preference_pairs("P", {outcome("a", false), outcome("b", false)}).empty());
  EXPECT_TRUE(preference_pairs("P", {}).empty());
  EXPECT_EQ(preference_pairs("P", {outcome("a", true), outcome("b", false)}).size(), 1u);
}

TEST(PreferencePairs, JsonlIsWhatTheDpoTrainerReads) {
  const auto pairs = preference_pairs("Task: x\nUnlearning Instruction:",
                                      {outcome("keep \"away\"", true), outcome("", false)}, "req", "t");
  const auto dir = test::scratch_dir("preference_pairs_jsonl");
  std::ofstream(dir / "pairs.jsonl") << to_jsonl(pairs);
  const auto records = train::read_dpo_jsonl((dir / "pairs.jsonl").string());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].prompt, "Task: x\nUnlearning Instruction:");
  EXPECT_EQ(records[0].chosen, " keep \"away\"");
  EXPECT_EQ(records[0].rejected, " ");
  const auto line = nlohmann::json::parse(to_jsonl(pairs));
  EXPECT_EQ(line["request"], "req");
  EXPECT_TRUE(line["chosen_evidence"].contains("remaining_success"));
  EXPECT_TRUE(line["rejected_evidence"].contains("violations"));
}

TEST(RemainingTasks, AvoidTheTargetsAndAreDeterministic) {
  const auto layout = town();
  const auto target = state_request(layout, {2, 1});
  const auto tasks = remaining_tasks({target}, layout, 5, 3);
  ASSERT_EQ(tasks.size(), 5u);
  EXPECT_EQ(tasks, remaining_tasks({target}, layout, 5, 3));
  EXPECT_NE(tasks, remaining_tasks({target}, layout, 5, 4));
  const ForbiddenRun run(target.states);
  for (const auto& task : tasks) {
    const auto from = env::cell_from_json(task.params["from"], "t", "from");
    const auto to = env::cell_from_json(task.params["to"], "t", "to");
    const auto path = env::shortest_path(layout, from, to);
    std::vector<env::StateId> states;
    for (const auto cell : path->cells) states.push_back(env::state_id(layout, cell));
    EXPECT_FALSE(run.first_completion(states)) << task.id;
    EXPECT_NE(from, env::Cell({2, 1}));
  }
}

// A goto policy that avoids the cell (2,1) of town exactly when the constraints mention "(2,1)".
ScriptedLlm::Script heeding_policy() {
  return [](const llm::ChatRequest& request) {
    const auto& prompt = prompt_of(request);
    const auto cell_after = [&](const std::string& marker) {
      const auto at = prompt.find(marker) + marker.size();
      return env::parse_cell_key(prompt.substr(at, prompt.find(')', at) + 1 - at));
    };
    const auto here = cell_after("Observation: pos ");
    const auto goal = cell_after("; goal ");
    const auto from = prompt.find("Constraints:");
    const auto constraints = prompt.substr(from, prompt.find("Observation:") - from);
    const bool careful = constraints.find("(2,1)") != std::string::npos;
    const auto path = careful ? path_avoiding(town(), here, goal, ForbiddenRun({env::state_id(town(), {2, 1})}))
                              : env::shortest_path(town(), here, goal);
    return std::string(env::move_name(path->moves.front()));
  };
}

TEST(CandidateJudge, PrefersThePromptsTheAgentObeys) {
  const auto layout = town();
  const auto target = state_request(layout, {2, 1});
  ScriptedLlm llm(heeding_policy());
  VectorMemory memory;
  agent::GridAgent agent(llm, memory);
  const auto tasks = unlearning_tasks(target, layout, 2);
  ASSERT_FALSE(tasks.empty());
  memory.add_all(expert_memory(agent, layout, tasks, 0));
  ASSERT_FALSE(memory.entries().empty());

  CandidateJudge judge(agent, memory, JudgeOptions{2, 2, 0.0, 1});
  const auto outcomes = judge.judge({target}, layout, {"Never enter (2,1).", "Be kind to everyone.", ""});
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_TRUE(outcomes[0].forgot);
  EXPECT_TRUE(outcomes[0].success);
  EXPECT_DOUBLE_EQ(outcomes[0].remaining_success, 1.0);
  EXPECT_DOUBLE_EQ(outcomes[0].baseline_remaining, 1.0);
  for (const std::size_t bad : {1u, 2u}) {
    EXPECT_FALSE(outcomes[bad].forgot);
    EXPECT_FALSE(outcomes[bad].success);
    ASSERT_FALSE(outcomes[bad].violations.empty());
    EXPECT_NE(outcomes[bad].violations[0].find("(2,1)"), std::string::npos);
  }
  for (const auto& entry : memory.entries()) EXPECT_FALSE(agent::matches(target.erasure_target(), entry)) << entry.id;
  EXPECT_TRUE(agent.constraints().empty());

  const auto pairs = preference_pairs("P", outcomes);
  EXPECT_EQ(pairs.size(), 2u);

  EXPECT_THROW(judge.judge({}, layout, {"x"}), Error);
  const auto elsewhere = env::layout_from_json({{"id", "elsewhere"}, {"rows", {"S..", "..."}}}, "test");
  EXPECT_THROW(judge.judge({target}, elsewhere, {"x"}), Error);
}

TEST(ExpertMemory, HoldsTheShortestRouteOfEachGotoTask) {
  const auto layout = town();
  ScriptedLlm llm([](const llm::ChatRequest& r) { return r.choices.front(); });
  VectorMemory memory;
  agent::GridAgent agent(llm, memory);
  const auto task = env::goto_task(layout, {0, 0}, {4, 2});
  const env::Task collect{"town/collect", "town", "collect", "collect every treasure", nlohmann::json::object()};
  const auto entries = expert_memory(agent, layout, {task, collect}, 5);
  std::size_t routes = 0;
  for (const auto& entry : entries) {
    if (entry.kind != agent::EntryKind::Trajectory) continue;
    ++routes;
    EXPECT_EQ(entry.provenance.episode, 5);
    EXPECT_EQ(entry.provenance.visited.size(), 7u);  // 6 moves
    ASSERT_TRUE(entry.outcome);
    EXPECT_TRUE(entry.outcome->success);
  }
  EXPECT_EQ(routes, 1u);
}

}  // namespace
}  // namespace lethe::unlearn
