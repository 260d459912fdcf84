#include "lethe/eval/gridworld_scenario.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "../agent/agent_doubles.hpp"
#include "lethe/env/grid_paths.hpp"
#include "lethe/unlearn/avoidance.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::eval {
namespace {

using agent::test::prompt_of;
using agent::test::ScriptedLlm;

ScenarioConfig small_config(const std::string& name) {
  ScenarioConfig config;
  config.generated_layouts = 1;
  config.generator.width = 5;
  config.generator.height = 5;
  config.generator.treasures = 2;
  config.generator.obstacle_density = 0.15;
  config.episodes = 1;
  config.seed = 7;
  config.work_dir = test::scratch_dir(name);
  return config;
}

ScriptedLlm first_choice_llm() {
  return ScriptedLlm([](const llm::ChatRequest& request) { return request.choices.front(); });
}

std::vector<std::string> ids(const std::vector<env::Task>& tasks) {
  std::vector<std::string> out;
  for (const auto& task : tasks) out.push_back(task.id);
  return out;
}

TEST(GridworldScenario, PreparesEveryAgentAndTaskSetDeterministically) {
  auto config = small_config("scenario_state");
  config.targets = 2;
  auto llm = first_choice_llm();
  const auto scenario = prepare_scenario(config, llm);
  ASSERT_EQ(scenario.requests.size(), 2u);
  ASSERT_EQ(scenario.unlearning_tasks.size(), 2u);
  for (const auto& tasks : scenario.unlearning_tasks) EXPECT_FALSE(tasks.empty());
  ASSERT_EQ(scenario.layouts.size(), 1u);
  const auto& layout = scenario.layouts.front();
  for (const auto& request : scenario.requests) {
    EXPECT_EQ(request.scenario, unlearn::Scenario::state);
    const auto cell = env::cell_from_state_id(layout, request.states.front());
    EXPECT_FALSE(cell == layout.start());
    EXPECT_LT(layout.treasure_index(cell), 0);
  }
  // Remaining tasks touch no target and are not unlearning tasks.
  const auto unlearning = ids(scenario.all_unlearning_tasks());
  for (const auto& task : scenario.remaining_tasks) {
    for (const auto& request : scenario.requests) EXPECT_FALSE(touches(request, layout, task)) << task.id;
    EXPECT_EQ(std::find(unlearning.begin(), unlearning.end(), task.id), unlearning.end());
  }
  // The learned memory is kept as "before"; the unlearned memory lost the targets; the reference never had them.
  EXPECT_EQ(scenario.before_memory->size(), scenario.learn_report.entries_added);
  ASSERT_TRUE(scenario.execution.has_value());
  std::size_t erased = 0;
  for (const auto& receipt : scenario.execution->receipts) erased += receipt.removed.size();
  EXPECT_EQ(scenario.memory->size() + erased, scenario.before_memory->size());
  EXPECT_TRUE(unlearn::holds_nothing_of(*scenario.memory, scenario.requests));
  EXPECT_TRUE(unlearn::holds_nothing_of(*scenario.reference_memory, scenario.requests));
  EXPECT_TRUE(scenario.agent->has_action_filter());  // hard method
  EXPECT_FALSE(scenario.reference->agent().has_action_filter());
  EXPECT_FALSE(scenario.before_agent->has_action_filter());
  // Learning the same tasks: the unlearning tasks are among them.
  for (const auto& id : unlearning) {
    const auto& learned = scenario.learning.front().tasks;
    EXPECT_NE(std::find_if(learned.begin(), learned.end(), [&](const env::Task& t) { return t.id == id; }),
              learned.end());
  }

  // Same seed, same scenario.
  auto again_config = config;
  again_config.work_dir = test::scratch_dir("scenario_state_again");
  auto llm_again = first_choice_llm();
  const auto again = prepare_scenario(again_config, llm_again);
  EXPECT_EQ(again.requests, scenario.requests);
  EXPECT_EQ(ids(again.remaining_tasks), ids(scenario.remaining_tasks));
  EXPECT_EQ(again.before_memory->size(), scenario.before_memory->size());
}

TEST(GridworldScenario, TheNlMethodPromptsWithTheConvertersWordsOrTheRequestsOwn) {
  auto config = small_config("scenario_nl");
  config.method = "nl";
  auto llm = first_choice_llm();
  const auto raw = prepare_scenario(config, llm);
  ASSERT_EQ(raw.requests.size(), 1u);
  EXPECT_EQ(raw.agent->constraints(), std::vector<std::string>{raw.requests[0].text});
  EXPECT_FALSE(raw.agent->has_action_filter());

  std::vector<std::string> converted;
  config.converter = [&converted](const unlearn::Request& request) {
    converted.push_back(request.text);
    return "avoid " + request.states.front().key;
  };
  config.work_dir = test::scratch_dir("scenario_nl_converter");
  const auto with_converter = prepare_scenario(config, llm);
  EXPECT_EQ(converted, std::vector<std::string>{raw.requests[0].text});
  EXPECT_EQ(with_converter.agent->constraints(),
            std::vector<std::string>{"avoid " + raw.requests[0].states.front().key});
  EXPECT_EQ(to_json(config)["converter"], "model");
}

TEST(GridworldScenario, TrajectoryTargetsHaveThreeCellsAndARouteAroundThem) {
  auto config = small_config("scenario_trajectory");
  config.scenario = unlearn::Scenario::trajectory;
  config.memory_kind = "sqlite";
  config.method = "none";
  auto llm = first_choice_llm();
  const auto scenario = prepare_scenario(config, llm);
  ASSERT_EQ(scenario.requests.size(), 1u);
  EXPECT_EQ(scenario.requests[0].states.size(), 3u);
  EXPECT_FALSE(scenario.execution.has_value());
  EXPECT_EQ(scenario.memory->size(), scenario.before_memory->size());  // "none" erases nothing
  EXPECT_EQ(scenario.memory->kind(), "sqlite");
  EXPECT_TRUE(unlearn::holds_nothing_of(*scenario.reference_memory, scenario.requests));
}

TEST(GridworldScenario, EnvironmentScenarioForgetsALayoutAndKeepsTheOthersTasks) {
  auto config = small_config("scenario_environment");
  config.scenario = unlearn::Scenario::environment;
  config.generated_layouts = 2;
  auto llm = first_choice_llm();
  const auto scenario = prepare_scenario(config, llm);
  ASSERT_EQ(scenario.requests.size(), 1u);
  const auto forgotten = scenario.requests[0].environment;
  EXPECT_TRUE(scenario.memory->entries(forgotten).empty());
  EXPECT_FALSE(scenario.before_memory->entries(forgotten).empty());
  EXPECT_TRUE(scenario.reference_memory->entries(forgotten).empty());
  EXPECT_FALSE(scenario.remaining_tasks.empty());
  for (const auto& task : scenario.remaining_tasks) EXPECT_NE(task.environment, forgotten);
}

// A corridor holds no possible target (no way around any cell), so every target lies in the second layout while
// the unlearned agent also walks the first: the hard filter must leave it alone there.
TEST(GridworldScenario, TargetsInTheSecondLayoutLeaveTheFirstUsable) {
  for (const auto scenario : {unlearn::Scenario::state, unlearn::Scenario::trajectory}) {
    const auto name = "scenario_second_layout_" + unlearn::to_string(scenario);
    auto config = small_config(name);
    config.scenario = scenario;
    const auto corridor = config.work_dir / "corridor.json";
    std::ofstream(corridor) << R"({"id": "corridor", "rows": ["S...."]})";
    config.layout_names = {corridor.string()};
    auto llm = first_choice_llm();
    const auto prepared = prepare_scenario(config, llm);
    ASSERT_EQ(prepared.layouts.size(), 2u);
    const auto& second = prepared.layouts[1].id();
    for (const auto& request : prepared.requests) EXPECT_EQ(request.environment, second);
    EXPECT_TRUE(prepared.holds_target(second));
    EXPECT_FALSE(prepared.holds_target("corridor"));

    const auto other = prepared.other_layout_tasks();
    const auto own = prepared.target_layout_tasks();
    ASSERT_FALSE(other.empty());
    EXPECT_EQ(other.size() + own.size(), prepared.remaining_tasks.size());
    for (const auto& task : other) EXPECT_EQ(task.environment, "corridor");
    for (const auto& task : own) EXPECT_EQ(task.environment, second);

    const auto episodes = run_tasks(*prepared.agent, prepared.layouts, prepared.remaining_tasks, 0);
    ASSERT_EQ(episodes.size(), prepared.remaining_tasks.size());
    for (const auto& episode : episodes) {
      if (episode.environment != "corridor") continue;
      EXPECT_FALSE(episode.stuck) << episode.task.id;
      for (const auto& offered : episode.distributions) EXPECT_EQ(offered.actions.size(), 4u) << episode.task.id;
    }
  }
}

TEST(GridworldScenario, NamedLayoutsComeFromTheLayoutDirectory) {
  auto config = small_config("scenario_named");
  config.generated_layouts = 0;
  config.layout_names = {"house", "maze"};
  // The repository's data/gridworld (this file is <repo>/tests/eval/...).
  config.layout_dir = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "data" / "gridworld";
  const auto layouts = load_scenario_layouts(config);
  ASSERT_EQ(layouts.size(), 2u);
  EXPECT_EQ(layouts[0].id(), "house");
  EXPECT_EQ(layouts[1].id(), "maze");
}

TEST(GridworldScenario, RejectsWhatCannotWork) {
  auto llm = first_choice_llm();
  auto config = small_config("scenario_bad");
  config.method = "magic";
  EXPECT_THROW(validate(config), Error);
  config = small_config("scenario_bad");
  config.targets = 0;
  EXPECT_THROW(validate(config), Error);
  config = small_config("scenario_bad");
  config.memory_kind = "xml";
  EXPECT_THROW(validate(config), Error);

  config = small_config("scenario_bad");
  config.targets = 500;
  try {
    choose_requests(config, load_scenario_layouts(config));
    FAIL() << "500 targets on a 5x5 layout";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("more than the"), std::string::npos) << e.what();
  }
  config = small_config("scenario_bad");
  config.scenario = unlearn::Scenario::environment;  // one layout: none may be forgotten
  EXPECT_THROW(prepare_scenario(config, llm), Error);

  config = small_config("scenario_bad");
  config.layout_names = {"no-such-layout"};
  config.layout_dir = test::scratch_dir("scenario_bad_layouts");
  try {
    load_scenario_layouts(config);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-layout"), std::string::npos);
  }
}

}  // namespace
}  // namespace lethe::eval
