// The micro agent's demonstrations: prompts exactly as GridAgent sends them, an expert that keeps every
// constraint, and a clean split between training and held-out layouts and phrasings.
#include "lethe/eval/micro_agent_data.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "lethe/agent/grid_agent.hpp"
#include "lethe/agent/json_file_memory.hpp"
#include "lethe/env/grid_paths.hpp"
#include "lethe/env/grid_world.hpp"
#include "lethe/eval/compact_vocabulary.hpp"
#include "lethe/unlearn/avoidance.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::eval {
namespace {

// Answers each single-choice call with the next scripted action and records the prompt it was sent.
class ScriptedLlm final : public llm::Llm {
 public:
  explicit ScriptedLlm(std::vector<std::string> actions) : actions_(std::move(actions)) {}
  std::string describe() const override { return "scripted"; }
  std::string identity() const override { return "scripted"; }
  std::vector<std::string> prompts;
  std::vector<std::vector<std::string>> choices;

 protected:
  llm::ChatResponse do_complete(const llm::ChatRequest& request) override {
    prompts.push_back(request.messages.at(0).content);
    choices.push_back(request.choices);
    llm::ChatResponse response;
    response.text = actions_.at(next_++);
    response.choice_probs.assign(request.choices.size(), 1.0 / static_cast<double>(request.choices.size()));
    return response;
  }

 private:
  std::vector<std::string> actions_;
  std::size_t next_ = 0;
};

MicroDataOptions small_options(int train_layouts = 6, int heldout_layouts = 4) {
  MicroDataOptions options;
  options.seed = 7;
  options.train_layouts = train_layouts;
  options.heldout_layouts = heldout_layouts;
  return options;
}

class MicroAgentPrompts : public testing::TestWithParam<agent::PromptFormat> {};

TEST_P(MicroAgentPrompts, AreByteIdenticalToWhatGridAgentSends) {
  auto options = small_options(3, 1);
  options.prompt_format = GetParam();
  const auto episodes = micro_episodes(options, false);
  ASSERT_FALSE(episodes.empty());
  std::set<std::string> kinds;
  const auto dir = test::scratch_dir("micro_agent_prompts");
  for (std::size_t i = 0; i < episodes.size(); ++i) {
    const auto& episode = episodes[i];
    kinds.insert(episode.scenario.kind);
    std::vector<std::string> actions;
    for (const auto& step : episode.steps) actions.push_back(step.action);
    ScriptedLlm llm(actions);
    agent::JsonFileMemory memory(dir / ("memory" + std::to_string(i) + ".json"));
    if (!episode.scenario.memory.empty()) memory.add_all(episode.scenario.memory);
    agent::AgentOptions agent_options;
    agent_options.limits = options.limits;
    agent_options.prompt_format = options.prompt_format;
    agent_options.world.view_radius = options.view_radius;
    agent::GridAgent agent(llm, memory, agent_options);
    agent.set_constraints(episode.scenario.constraints);
    env::GridWorld world(episode.scenario.layout, agent_options.world);
    const auto result = agent.run_episode(world, episode.scenario.task, 1);
    ASSERT_EQ(llm.prompts.size(), episode.steps.size()) << episode.scenario.kind;
    for (std::size_t s = 0; s < episode.steps.size(); ++s) {
      ASSERT_EQ(llm.prompts[s], episode.steps[s].prompt) << episode.scenario.kind << " step " << s;
      EXPECT_EQ(llm.choices[s], env::move_names());
    }
    EXPECT_EQ(result.states, episode.states);
    EXPECT_EQ(result.success, episode.success);
  }
  // Every kind of scenario took part.
  for (const char* kind : {"explore", "collect-memory", "goto", "goto-memory", "constraint-goto"}) {
    EXPECT_TRUE(kinds.contains(kind)) << kind;
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, MicroAgentPrompts,
                         testing::Values(agent::PromptFormat::text, agent::PromptFormat::compact),
                         [](const auto& param_info) { return agent::to_string(param_info.param); });

TEST(MicroAgentData, CompactPromptsUseOnlyTheCompactVocabularysWords) {
  auto options = small_options(8, 4);
  options.prompt_format = agent::PromptFormat::compact;
  options.drills = 4;
  const auto words = compact_prompt_words();
  const std::set<std::string> vocabulary(words.begin(), words.end());
  std::set<std::string> phrasings;
  for (const bool held_out : {false, true}) {
    auto episodes = micro_episodes(options, held_out);
    for (const auto& record : sft_records(episodes, 1, {.forbidden_questions = true})) {
      std::istringstream prompt(record.prompt + record.completion);
      std::string word;
      while (prompt >> word) {
        if (word.back() == ',') word.pop_back();  // between the moves of a forbidden-move answer
        EXPECT_TRUE(vocabulary.contains(word)) << word << " in " << record.prompt;
      }
    }
    for (const auto& episode : episodes) phrasings.insert(episode.scenario.constraint.phrasing);
  }
  for (const char* phrasing : {"nl-state-0", "nl-state-2", "nl-trajectory-1", "code-state", "example-trajectory"}) {
    EXPECT_TRUE(phrasings.contains(phrasing)) << phrasing;
  }
}

TEST(MicroAgentData, CompactTrainingNeverShowsAHeldOutPhrasingButKnowsItsWords) {
  auto options = small_options(30, 4);
  options.prompt_format = agent::PromptFormat::compact;
  std::set<std::string> words;
  for (const auto& episode : micro_episodes(options, false)) {
    for (const auto& line : episode.scenario.constraints) {
      EXPECT_FALSE(line.starts_with("forget ") && line != "forget map") << line;  // state, held out
      EXPECT_FALSE(line.starts_with("never enter") && line.find(" then ") != std::string::npos) << line;
      EXPECT_NE(line, "forget new map");
      std::istringstream in(line);
      for (std::string word; in >> word;) words.insert(word);
    }
  }
  for (const char* word : {"forget", "never", "enter", "then", "map", "new"}) {
    EXPECT_TRUE(words.contains(word)) << word;
  }
}

TEST(MicroAgentData, ExpertSucceedsAndNeverViolatesAConstraint) {
  for (const bool held_out : {false, true}) {
    std::size_t constrained = 0;
    std::size_t detours = 0;
    for (const auto& episode : micro_episodes(small_options(10, 6), held_out)) {
      EXPECT_TRUE(episode.success) << episode.scenario.kind << " on " << episode.scenario.layout.id();
      const auto& request = episode.scenario.constraint.request;
      if (!request || request->scenario == unlearn::Scenario::environment) continue;
      ++constrained;
      EXPECT_FALSE(violates(*request, episode.states)) << episode.scenario.layout.id() << " " << request->describe();
      if (episode.scenario.kind != "constraint-goto") continue;
      // The constraint forbids the shortest route: the unconstrained shortest path would break it.
      const auto from = env::cell_from_json(episode.scenario.task.params.at("from"), "t", "from");
      const auto to = env::cell_from_json(episode.scenario.task.params.at("to"), "t", "to");
      const auto direct = env::shortest_path(episode.scenario.layout, from, to);
      ASSERT_TRUE(direct);
      std::vector<env::StateId> direct_states;
      for (const auto cell : direct->cells) direct_states.push_back(env::state_id(episode.scenario.layout, cell));
      EXPECT_TRUE(violates(*request, direct_states));
      if (static_cast<int>(episode.steps.size()) > direct->length()) ++detours;
    }
    EXPECT_GT(constrained, 10u);
    EXPECT_GT(detours, 0u);
  }
}

TEST(MicroAgentData, HeldOutLayoutsAndPhrasingsAreDisjointFromTraining) {
  const auto options = small_options(30, 12);
  const auto train = micro_layouts(options, false);
  const auto held = micro_layouts(options, true);
  ASSERT_EQ(train.size(), 30u);
  ASSERT_EQ(held.size(), 12u);
  std::set<std::string> train_grids, train_ids;
  for (const auto& layout : train) {
    train_grids.insert(env::render_ascii(layout));
    train_ids.insert(layout.id());
  }
  for (const auto& layout : held) {
    EXPECT_FALSE(train_grids.contains(env::render_ascii(layout))) << layout.id();
    EXPECT_FALSE(train_ids.contains(layout.id()));
  }
  // Training data never shows a held-out phrasing; the held-out split does.
  const std::string held_out_state_ending =
      " withdrew consent: erase what you know about that cell and never step on it.";
  for (const auto& episode : micro_episodes(options, false)) {
    EXPECT_FALSE(episode.scenario.constraint.held_out_phrasing);
    for (const auto& line : episode.scenario.constraints) {
      EXPECT_EQ(line.find(held_out_state_ending), std::string::npos) << line;
    }
  }
  std::size_t held_out_phrasings = 0;
  for (const auto& episode : micro_episodes(options, true)) {
    held_out_phrasings += episode.scenario.constraint.held_out_phrasing ? 1 : 0;
  }
  EXPECT_GT(held_out_phrasings, 0u);
}

TEST(MicroAgentData, MemoryLetsTheExpertGoStraightToTheTreasures) {
  long long explore_steps = 0;
  long long memory_steps = 0;
  for (const auto& episode : micro_episodes(small_options(8, 1), false)) {
    if (episode.scenario.kind == "explore") {
      explore_steps += static_cast<long long>(episode.steps.size());
      EXPECT_NE(episode.steps.front().prompt.find("Memory: none"), std::string::npos);
      EXPECT_NE(episode.steps.front().prompt.find("\nRecall: none\n"), std::string::npos);
    }
    if (episode.scenario.kind == "collect-memory") {
      memory_steps += static_cast<long long>(episode.steps.size());
      EXPECT_NE(episode.steps.front().prompt.find("- fact: treasure at "), std::string::npos);
      EXPECT_NE(episode.steps.front().prompt.find("- route "), std::string::npos);
      EXPECT_NE(episode.steps.front().prompt.find("\nRecall: treasure ("), std::string::npos);
    }
  }
  EXPECT_LT(memory_steps, explore_steps);
}

TEST(MicroAgentData, DecisiveStepsAreWhereTheConstraintChangesTheMoveAndCanBeRepeated) {
  const auto episodes = micro_episodes(small_options(10, 1), false);
  std::size_t steps = 0;
  std::size_t decisive = 0;
  for (const auto& episode : episodes) {
    const auto& request = episode.scenario.constraint.request;
    const bool keeps_a_run = request && request->scenario != unlearn::Scenario::environment;
    for (const auto& step : episode.steps) {
      ++steps;
      if (!step.decisive) continue;
      ++decisive;
      EXPECT_TRUE(keeps_a_run) << episode.scenario.kind;
    }
  }
  // A constraint on the shortest route makes the expert turn away at least once per constraint-goto episode.
  std::size_t constraint_goto = 0;
  for (const auto& episode : episodes) constraint_goto += episode.scenario.kind == "constraint-goto" ? 1 : 0;
  EXPECT_GE(decisive, constraint_goto);
  EXPECT_LT(decisive, steps / 4);
  EXPECT_EQ(sft_records(episodes, 1).size(), steps);
  EXPECT_EQ(sft_records(episodes, 1, {.decisive_repeats = 3}).size(), steps + 2 * decisive);
}

TEST(MicroAgentData, DrillsPutTheConstraintWhereTheFirstMoveWouldBreakIt) {
  auto options = small_options(8, 1);
  options.drills = 6;
  std::size_t drills = 0;
  std::size_t decisive = 0;
  std::vector<std::string> other_prompts;
  for (const auto& episode : micro_episodes(options, false)) {
    if (episode.scenario.kind != kDrillKind) {
      for (const auto& step : episode.steps) other_prompts.push_back(step.prompt);
      continue;
    }
    ++drills;
    ASSERT_EQ(episode.steps.size(), 1u) << "a drill demonstrates its first step only";
    ASSERT_EQ(episode.scenario.task.kind, "goto");
    const auto& request = *episode.scenario.constraint.request;
    ASSERT_NE(request.scenario, unlearn::Scenario::environment);
    const auto& layout = episode.scenario.layout;
    const auto from = env::cell_from_json(episode.scenario.task.params.at("from"), "t", "from");
    const auto forbidden = env::cell_from_state_id(layout, request.states.back());
    EXPECT_EQ(std::abs(forbidden.x - from.x) + std::abs(forbidden.y - from.y), 1) << request.describe();
    EXPECT_FALSE(violates(request, episode.states)) << request.describe();
    decisive += episode.steps.front().decisive ? 1 : 0;
  }
  EXPECT_GE(drills, 8u * 5);
  EXPECT_LE(drills, 8u * 6);
  // Most drills change the expert's move; the controls (about a quarter) forbid a neighbour it does not take.
  EXPECT_GT(decisive, drills / 2);
  EXPECT_LT(decisive, drills);

  // The drills come on top of the other scenarios, which stay exactly as without them.
  options.drills = 0;
  std::vector<std::string> without;
  for (const auto& episode : micro_episodes(options, false)) {
    for (const auto& step : episode.steps) without.push_back(step.prompt);
  }
  EXPECT_EQ(other_prompts, without);
}

TEST(MicroAgentData, ForbiddenMovesAreExactlyTheMovesThatWouldBreakTheConstraint) {
  auto options = small_options(8, 1);
  options.drills = 3;
  const auto episodes = micro_episodes(options, false);
  std::size_t steps = 0;
  std::size_t constrained_steps = 0;
  std::size_t forbidding_steps = 0;
  for (const auto& episode : episodes) {
    const auto& layout = episode.scenario.layout;
    for (std::size_t i = 0; i < episode.steps.size(); ++i) {
      const auto& step = episode.steps[i];
      ++steps;
      if (!forbids_moves(episode.scenario)) {
        EXPECT_TRUE(step.forbidden_moves.empty()) << episode.scenario.kind;
        continue;
      }
      ++constrained_steps;
      forbidding_steps += step.forbidden_moves.empty() ? 0 : 1;
      if (episode.scenario.kind == kDrillKind) {
        EXPECT_EQ(step.forbidden_moves.size(), 1u);
      }
      const auto here = env::cell_from_state_id(layout, episode.states[i]);
      for (const auto move : env::kAllMoves) {
        auto next = env::neighbour(here, move);
        if (!layout.is_free(next)) next = here;
        std::vector<env::StateId> visited(episode.states.begin(), episode.states.begin() + static_cast<long>(i) + 1);
        visited.push_back(env::state_id(layout, next));
        const auto name = std::string(env::move_name(move));
        const bool listed =
            std::find(step.forbidden_moves.begin(), step.forbidden_moves.end(), name) != step.forbidden_moves.end();
        EXPECT_EQ(listed, violates(*episode.scenario.constraint.request, visited))
            << name << " at step " << i << " of " << episode.scenario.constraint.request->describe();
      }
    }
  }
  EXPECT_GT(forbidding_steps, 0u);
  EXPECT_LT(forbidding_steps, constrained_steps) << "most constrained steps forbid nothing";

  // Asking adds one question per constrained step, next to its action record.
  EXPECT_EQ(sft_records(episodes, 1).size(), steps);
  const auto records = sft_records(episodes, 1, {.forbidden_questions = true});
  ASSERT_EQ(records.size(), steps + constrained_steps);
  std::size_t questions = 0;
  for (const auto& record : records) {
    if (!record.prompt.ends_with("\nForbidden moves:")) continue;
    ++questions;
    EXPECT_TRUE(record.completion == " none" || record.completion == " up" || record.completion.starts_with(" down") ||
                record.completion.starts_with(" left") || record.completion == " right")
        << record.completion;
  }
  EXPECT_EQ(questions, constrained_steps);

  // A questions-only probe keeps exactly those questions.
  const auto probe = sft_records(episodes, 1, {.questions_only = true});
  ASSERT_EQ(probe.size(), constrained_steps);
  for (const auto& record : probe) EXPECT_TRUE(record.prompt.ends_with("\nForbidden moves:")) << record.prompt;
}

TEST(MicroAgentData, AForbiddenMoveQuestionIsTheActionPromptAskingWhichMovesBreakTheConstraint) {
  MicroStep step;
  step.prompt = "Task: t\nObservation: o\nAction:";
  step.action = "up";
  EXPECT_EQ(forbidden_question_record(step).prompt, "Task: t\nObservation: o\nForbidden moves:");
  EXPECT_EQ(forbidden_question_record(step).completion, " none");
  step.forbidden_moves = {"down", "left"};
  EXPECT_EQ(forbidden_question_record(step).completion, " down, left");
  step.prompt = "goto 22 at 12 :";
  EXPECT_EQ(forbidden_question_record(step).prompt, "goto 22 at 12 forbidden :");
  step.prompt = "Task: t";
  EXPECT_THROW(forbidden_question_record(step), std::logic_error);
}

TEST(MicroAgentData, RecordsAreDeterministicAndReadableByTheTrainer) {
  const auto options = small_options(3, 1);
  const auto a = sft_records(micro_episodes(options, false), 3, {.max_records = 50});
  const auto b = sft_records(micro_episodes(options, false), 3, {.max_records = 50});
  ASSERT_EQ(a.size(), 50u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].prompt, b[i].prompt);
    EXPECT_EQ(a[i].completion, b[i].completion);
    EXPECT_TRUE(a[i].prompt.ends_with("\nAction:"));
    EXPECT_TRUE(a[i].completion == " up" || a[i].completion == " down" || a[i].completion == " left" ||
                a[i].completion == " right")
        << a[i].completion;
  }
  auto other = options;
  other.seed = 8;
  const auto c = sft_records(micro_episodes(other, false), 3, {.max_records = 50});
  EXPECT_NE(a.front().prompt, c.front().prompt);

  const auto path = test::scratch_dir("micro_agent_jsonl") / "data.jsonl";
  write_sft_jsonl(path, a);
  const auto back = train::read_sft_jsonl(path.string());
  ASSERT_EQ(back.size(), a.size());
  EXPECT_EQ(back[7].prompt, a[7].prompt);
  EXPECT_EQ(back[7].completion, a[7].completion);
}

}  // namespace
}  // namespace lethe::eval
