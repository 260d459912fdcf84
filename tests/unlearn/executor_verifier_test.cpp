#include <gtest/gtest.h>
#include <sqlite3.h>

#include "../agent/agent_doubles.hpp"
#include "lethe/env/grid_world.hpp"
#include "lethe/unlearn/avoidance.hpp"
#include "lethe/unlearn/executor.hpp"
#include "lethe/unlearn/verifier.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::unlearn {
namespace {

using agent::test::prompt_of;
using agent::test::ScriptedLlm;
using agent::test::VectorMemory;

// S . . .
// . # T .
// . . . .
env::GridLayout house() { return env::layout_from_json({{"id", "house"}, {"rows", {"S...", ".#T.", "...."}}}, "test"); }

env::Cell cell_after(const std::string& prompt, const std::string& marker) {
  const auto at = prompt.find(marker);
  const auto end = prompt.find(')', at);
  return env::parse_cell_key(prompt.substr(at + marker.size(), end + 1 - at - marker.size()));
}

// A goto policy: follows the shortest path to the goal, or — once the prompt holds verifier feedback (when
// `heeds_feedback`) or any constraint (when `heeds_constraints`) — the shortest path avoiding `run`.
ScriptedLlm::Script goto_policy(const ForbiddenRun& run, bool heeds_feedback, bool heeds_constraints) {
  return [=](const llm::ChatRequest& request) {
    const auto& prompt = prompt_of(request);
    const auto here = cell_after(prompt, "Observation: pos ");
    const auto goal = cell_after(prompt, "; goal ");
    const bool careful = (heeds_feedback && prompt.find("IMPORTANT") != std::string::npos) ||
                         (heeds_constraints && prompt.find("Constraints: none") == std::string::npos);
    const auto path = careful ? path_avoiding(house(), here, goal, run) : env::shortest_path(house(), here, goal);
    const std::string move(env::move_name(path->moves.front()));
    for (const auto& choice : request.choices) {
      if (choice == move) return move;
    }
    return request.choices.front();
  };
}

std::vector<agent::MemoryEntry> learned_memory(VectorMemory& memory) {
  ScriptedLlm teacher(goto_policy(ForbiddenRun({env::state_id(house(), {3, 2})}), false, false));
  agent::GridAgent learner(teacher, memory);
  env::GridWorld world(house());
  learner.learn(world, {env::goto_task(house(), {0, 0}, {3, 0}), env::goto_task(house(), {0, 0}, {0, 2})}, 1);
  return memory.entries();
}

TEST(Executor, ErasesTheTargetsMemoryAndInstallsTheConstraints) {
  VectorMemory memory;
  const auto before = learned_memory(memory);
  ScriptedLlm llm([](const llm::ChatRequest& r) { return r.choices.front(); });
  agent::GridAgent agent(llm, memory);
  Executor executor(memory, agent);
  const auto request = state_request(house(), {1, 0});
  const auto execution = executor.execute(request, HardMethod(), house());
  ASSERT_EQ(execution.receipts.size(), 1u);
  EXPECT_TRUE(execution.receipts[0].verify());
  EXPECT_FALSE(execution.receipts[0].removed.empty());
  EXPECT_EQ(memory.size() + execution.receipts[0].removed.size(), before.size());
  for (const auto& entry : memory.entries()) EXPECT_FALSE(agent::matches(request.erasure_target(), entry)) << entry.id;
  EXPECT_TRUE(agent.has_action_filter());
  EXPECT_TRUE(agent.constraints().empty());

  executor.execute(request, NlMethod(), house());
  EXPECT_EQ(agent.constraints(), std::vector<std::string>{request.text});
  EXPECT_FALSE(agent.has_action_filter());
}

// The requests stored in a response cache file, read with SQLite directly.
std::vector<std::string> cached_requests(const std::string& path) {
  sqlite3* db = nullptr;
  std::vector<std::string> out;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "SELECT request FROM responses", -1, &s, nullptr);
    while (sqlite3_step(s) == SQLITE_ROW) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
    sqlite3_finalize(s);
  }
  sqlite3_close_v2(db);
  return out;
}

bool mentions(const std::string& text, const std::string& a, const std::string& b) {
  return text.find(a) != std::string::npos && text.find(b) != std::string::npos;
}

TEST(Executor, WithACacheAttachedErasesTheCachedExchangesDerivedFromTheTarget) {
  const auto path = (test::scratch_dir("executor_cache") / "responses.sqlite").string();
  VectorMemory memory;
  llm::CachedLlm cached(std::make_unique<ScriptedLlm>(goto_policy(ForbiddenRun({env::state_id(house(), {3, 2})}),
                                                                  false, false)),
                        path);
  agent::GridAgent agent(cached, memory);
  env::GridWorld world(house());
  // The first task's prompts never name (3,0), not even as a neighbour; the second's all do (its goal).
  agent.learn(world, {env::goto_task(house(), {0, 0}, {0, 2}), env::goto_task(house(), {0, 0}, {3, 0})}, 1);
  const auto before = cached_requests(path);
  const auto about_state = [](const std::string& r) { return mentions(r, "grid world 'house'", "(3,0)"); };
  ASSERT_TRUE(std::any_of(before.begin(), before.end(), about_state));

  Executor executor(memory, agent);
  executor.attach_response_cache(&cached);
  const auto execution = executor.execute(state_request(house(), {3, 0}), NlMethod(), house());

  const auto after = cached_requests(path);
  EXPECT_GT(execution.cached_exchanges_erased, 0u);
  EXPECT_EQ(after.size() + execution.cached_exchanges_erased, before.size());
  EXPECT_FALSE(std::any_of(after.begin(), after.end(), about_state));
  EXPECT_FALSE(after.empty()) << "exchanges that never touched the state stay cached";

  executor.execute(environment_request(house()), NlMethod(), house());
  EXPECT_TRUE(cached_requests(path).empty());
}

TEST(Verifier, FeedbackForACompactAgentRestatesTheRequestCompactly) {
  const auto request = state_request(house(), {1, 0});
  const Violation violation{"t", 1, request.states[0], "entered (1,0) at step 1"};
  EXPECT_EQ(feedback_line(request, violation, 1, agent::PromptFormat::compact), "avoid 10");
  EXPECT_NE(feedback_line(request, violation, 1).find("Never move into (1,0)"), std::string::npos);
}

TEST(Executor, ChecksEveryRequestBeforeErasingAnything) {
  VectorMemory memory;
  const auto before = learned_memory(memory);
  ScriptedLlm llm([](const llm::ChatRequest& r) { return r.choices.front(); });
  agent::GridAgent agent(llm, memory);
  Executor executor(memory, agent);
  Request elsewhere = state_request(house(), {3, 0});
  elsewhere.environment = "garden";
  elsewhere.states[0].environment = "garden";
  EXPECT_THROW(executor.execute({state_request(house(), {1, 0}), elsewhere}, HardMethod(), {house()}), Error);
  EXPECT_EQ(memory.size(), before.size());

  const auto execution =
      executor.execute({state_request(house(), {1, 0}), environment_request(house())}, CodeMethod(), {house()});
  EXPECT_EQ(execution.receipts.size(), 2u);
  EXPECT_EQ(memory.size(), 0u);
  EXPECT_EQ(agent.constraints().size(), 2u);
}

TEST(Verifier, FeedbackAfterAFailedAttemptLeadsToSuccess) {
  const auto request = state_request(house(), {1, 0});
  ScriptedLlm llm(goto_policy(ForbiddenRun(request.states), true, false));
  VectorMemory memory;
  agent::GridAgent agent(llm, memory);
  Executor executor(memory, agent);
  const auto installed = executor.execute(request, NlMethod(), house()).constraints;
  Verifier verifier(agent, memory, VerifierOptions{5, 2});
  const auto verification = verifier.verify(request, house(), installed);
  ASSERT_EQ(verification.tasks.size(), 2u);
  EXPECT_TRUE(verification.efficacy);
  EXPECT_FALSE(verification.unlearn_at_1);
  EXPECT_EQ(verification.attempts_used, 2);
  ASSERT_EQ(verification.attempts.size(), 2u);
  const auto& failed = verification.attempts[0];
  EXPECT_FALSE(failed.success);
  ASSERT_FALSE(failed.violations.empty());
  EXPECT_EQ(failed.violations[0].state, request.states[0]);
  EXPECT_EQ(failed.violations[0].step, 1);
  EXPECT_TRUE(failed.feedback.empty());
  const auto& second = verification.attempts[1];
  ASSERT_EQ(second.feedback.size(), 1u);
  EXPECT_EQ(second.feedback[0], feedback_line(request, failed.violations[0], 1));
  EXPECT_NE(second.feedback[0].find("step 1"), std::string::npos) << second.feedback[0];
  EXPECT_NE(second.feedback[0].find("Never move into (1,0)"), std::string::npos) << second.feedback[0];
  EXPECT_TRUE(second.success);
  EXPECT_DOUBLE_EQ(verification.task_success, 1.0);
  // The prompts of the second attempt carried the feedback; the installed constraints are back afterwards.
  EXPECT_NE(prompt_of(llm.requests.back()).find("IMPORTANT: attempt 1 failed"), std::string::npos);
  EXPECT_EQ(agent.constraints(), installed.prompt_lines);
}

TEST(Verifier, GivesUpAfterFiveAttemptsWithGrowingFeedback) {
  const auto request = trajectory_request(house(), {{0, 0}, {1, 0}, {2, 0}});
  ScriptedLlm llm(goto_policy(ForbiddenRun(request.states), false, false));
  VectorMemory memory;
  agent::GridAgent agent(llm, memory);
  Verifier verifier(agent, memory);
  const auto verification = verifier.verify(request, house(), CodeMethod().constraints(request, house()));
  EXPECT_FALSE(verification.efficacy);
  EXPECT_FALSE(verification.unlearn_at_1);
  EXPECT_EQ(verification.attempts_used, 5);
  ASSERT_EQ(verification.attempts.size(), 5u);
  EXPECT_EQ(verification.attempts[4].feedback.size(), 4u);
  EXPECT_NE(verification.attempts[1].feedback[0].find("completed the forgotten route (0,0) -> (1,0) -> (2,0)"),
            std::string::npos)
      << verification.attempts[1].feedback[0];
}

TEST(Verifier, HardMethodSucceedsAtTheFirstAttemptWhateverTheModelWants) {
  const auto request = state_request(house(), {1, 0});
  ScriptedLlm llm(goto_policy(ForbiddenRun(request.states), false, false));
  VectorMemory memory;
  agent::GridAgent agent(llm, memory);
  Executor executor(memory, agent);
  const auto installed = executor.execute(request, HardMethod(), house()).constraints;
  const auto verification = Verifier(agent, memory).verify(request, house(), installed);
  EXPECT_FALSE(verification.tasks.empty());
  EXPECT_TRUE(verification.unlearn_at_1);
  EXPECT_TRUE(verification.efficacy);
  EXPECT_TRUE(agent.has_action_filter());
}

TEST(Verifier, EnvironmentIsForgottenOnlyWhenItsMemoryIsGone) {
  VectorMemory memory;
  learned_memory(memory);
  const auto request = environment_request(house());
  ScriptedLlm llm([](const llm::ChatRequest& r) { return r.choices.front(); });
  agent::GridAgent agent(llm, memory, agent::AgentOptions{.world = {1, 4}});
  const auto installed = HardMethod().constraints(request, house());
  const auto kept = Verifier(agent, memory, VerifierOptions{2, 1}).verify(request, house(), installed);
  EXPECT_FALSE(kept.efficacy);
  ASSERT_FALSE(kept.attempts[0].violations.empty());
  EXPECT_NE(kept.attempts[0].violations[0].description.find("memory still holds"), std::string::npos);

  Executor executor(memory, agent);
  executor.execute(request, HardMethod(), house());
  const auto erased = Verifier(agent, memory).verify(request, house(), installed);
  EXPECT_TRUE(erased.unlearn_at_1);
  ASSERT_EQ(erased.tasks.size(), 1u);
  EXPECT_EQ(erased.tasks[0].kind, "collect");
  EXPECT_NE(prompt_of(llm.requests.back()).find(new_environment_line("house")), std::string::npos);
  EXPECT_NE(prompt_of(llm.requests.back()).find("Memory: none"), std::string::npos);
}

}  // namespace
}  // namespace lethe::unlearn
