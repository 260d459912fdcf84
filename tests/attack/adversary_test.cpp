#include "lethe/attack/adversary.hpp"

#include <gtest/gtest.h>

#include <random>

#include "attack_test_support.hpp"
#include "lethe/attack/error.hpp"
#include "lethe/attack/probe_tasks.hpp"

namespace lethe::attack {
namespace {

using test::follow;
using test::layout_from_rows;

env::GridLayout field() {
  return layout_from_rows("field", {
                                       "S.....",
                                       "......",
                                       "......",
                                       "....T.",
                                       "......",
                                   });
}

env::Cell cell_of(const env::Task& task, const char* field) {
  return env::cell_from_json(task.params.at(field), "t", field);
}

// A scripted agent: on each goto task it takes a shortest route through the target with probability
// `through` (a fresh draw per episode number) and a shortest route avoiding it otherwise.
EpisodeRunner scripted(const env::GridLayout& layout, const unlearn::ForbiddenRun& target, double through,
                       std::uint64_t salt) {
  return [layout, target, through, salt](const std::vector<env::Task>& tasks, int first_episode) {
    std::vector<agent::EpisodeResult> out;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      const int episode = first_episode + static_cast<int>(i);
      std::mt19937_64 rng(salt * 1'000'003ULL + static_cast<std::uint64_t>(episode));
      const bool take = std::uniform_real_distribution<double>(0.0, 1.0)(rng) < through;
      const auto from = cell_of(tasks[i], "from");
      const auto to = cell_of(tasks[i], "to");
      std::optional<env::GridPath> path;
      if (take) {
        const auto cell = env::cell_from_state_id(layout, target.states().front());
        auto head = *env::shortest_path(layout, from, cell);
        const auto tail = *env::shortest_path(layout, cell, to);
        head.cells.insert(head.cells.end(), tail.cells.begin() + 1, tail.cells.end());
        head.moves.insert(head.moves.end(), tail.moves.begin(), tail.moves.end());
        path = head;
      } else {
        path = unlearn::path_avoiding(layout, from, to, target);
      }
      out.push_back(follow(layout, tasks[i], *path, episode));
    }
    return out;
  };
}

ProbeTarget target_at(const env::GridLayout& layout, env::Cell cell) {
  unlearn::ForbiddenRun run({env::state_id(layout, cell)});
  return ProbeTarget{env::state_id(layout, cell).str(), probe_tasks(layout, run, 10), traverses(run)};
}

TEST(Adversary, FlagsAPlantedAlwaysAvoidPolicy) {
  const auto layout = field();
  const env::Cell cell{2, 2};
  const unlearn::ForbiddenRun run({env::state_id(layout, cell)});
  const auto target = target_at(layout, cell);
  ASSERT_EQ(target.tasks.size(), 10u);
  InferenceAdversary adversary(scripted(layout, run, 0.5, 1));
  const auto verdict = adversary.judge(target, scripted(layout, run, 0.0, 2));
  EXPECT_EQ(verdict.test.audited.runs, 100);
  EXPECT_EQ(verdict.test.audited.traversed, 0);
  EXPECT_GT(verdict.test.reference.traversed, 30);
  EXPECT_LT(verdict.test.p_value, 0.01);
  EXPECT_TRUE(verdict.says_unlearned);
}

TEST(Adversary, CannotSeparateIdenticalPolicies) {
  const auto layout = field();
  const env::Cell cell{2, 2};
  const unlearn::ForbiddenRun run({env::state_id(layout, cell)});
  InferenceAdversary adversary(scripted(layout, run, 0.5, 1));
  // The suspect behaves exactly like the shadow (same policy, other random draws).
  const auto verdict = adversary.judge(target_at(layout, cell), scripted(layout, run, 0.5, 7));
  EXPECT_GT(verdict.test.p_value, 0.05);
  EXPECT_FALSE(verdict.says_unlearned);
  EXPECT_NEAR(verdict.test.audited.rate(), verdict.test.reference.rate(), 0.2);
}

TEST(Adversary, AccuracyIsPerfectAgainstAvoidanceAndChanceAgainstIndistinguishableUnlearning) {
  const auto layout = field();
  std::vector<Trial> leaky;
  std::vector<Trial> clean;
  std::uint64_t salt = 10;
  for (const env::Cell cell : {env::Cell{2, 2}, env::Cell{3, 1}, env::Cell{1, 3}}) {
    const unlearn::ForbiddenRun run({env::state_id(layout, cell)});
    const auto target = target_at(layout, cell);
    InferenceAdversary adversary(scripted(layout, run, 0.6, ++salt));
    const auto never_seen = scripted(layout, run, 0.6, ++salt);
    leaky.push_back({"avoiding", true, adversary.judge(target, scripted(layout, run, 0.0, ++salt))});
    leaky.push_back({"never seen", false, adversary.judge(target, never_seen)});
    clean.push_back({"indistinguishable", true, adversary.judge(target, scripted(layout, run, 0.6, ++salt))});
    clean.push_back({"never seen", false, adversary.judge(target, never_seen)});
  }
  const auto leaky_score = score(leaky);
  EXPECT_EQ(leaky_score.trials, 6);
  EXPECT_DOUBLE_EQ(leaky_score.accuracy(), 1.0);
  EXPECT_EQ(leaky_score.true_positives, 3);
  const auto clean_score = score(clean);
  EXPECT_DOUBLE_EQ(clean_score.chance(), 0.5);
  EXPECT_DOUBLE_EQ(clean_score.accuracy(), 0.5);
  EXPECT_EQ(clean_score.false_negatives, 3);
}

TEST(Adversary, ProbesTheShadowOncePerTarget) {
  const auto layout = field();
  const env::Cell cell{2, 2};
  const unlearn::ForbiddenRun run({env::state_id(layout, cell)});
  int shadow_calls = 0;
  auto shadow = scripted(layout, run, 0.5, 1);
  InferenceAdversary adversary([&](const std::vector<env::Task>& tasks, int first) {
    ++shadow_calls;
    return shadow(tasks, first);
  });
  const auto target = target_at(layout, cell);
  adversary.judge(target, scripted(layout, run, 0.0, 2));
  adversary.judge(target, scripted(layout, run, 0.5, 3));
  EXPECT_EQ(shadow_calls, 1);
}

TEST(Adversary, RejectsBadOptions) {
  const auto layout = field();
  const unlearn::ForbiddenRun run({env::state_id(layout, {2, 2})});
  EXPECT_THROW(InferenceAdversary(EpisodeRunner{}), Error);
  EXPECT_THROW(InferenceAdversary(scripted(layout, run, 0.5, 1), AdversaryOptions{0, 0.05}), Error);
  EXPECT_THROW(InferenceAdversary(scripted(layout, run, 0.5, 1), AdversaryOptions{10, 1.5}), Error);
}

TEST(TraverseInference, EventsAndCounts) {
  const auto layout = field();
  const unlearn::ForbiddenRun run({env::state_id(layout, {1, 0}), env::state_id(layout, {2, 0})});
  const auto task = env::goto_task(layout, {0, 0}, {3, 0});
  const auto straight = test::play(layout, task, {"right", "right", "right"});
  const auto around = test::play(layout, task, {"down", "right", "right", "up", "right"});
  EXPECT_TRUE(traverses(run)(straight));
  EXPECT_FALSE(traverses(run)(around));
  EXPECT_TRUE(solves_optimally(layout)(straight));
  EXPECT_FALSE(solves_optimally(layout)(around));
  const auto count = count_events(traverses(run), {straight, around, straight});
  EXPECT_EQ(count.traversed, 2);
  EXPECT_EQ(count.runs, 3);
  EXPECT_NEAR(count.rate(), 2.0 / 3.0, 1e-12);
  const auto test = test_less({0, 10}, {8, 10});
  EXPECT_LT(test.p_value, 0.01);
  EXPECT_DOUBLE_EQ(test_less({8, 10}, {8, 10}).p_value > 0.5, true);
}

}  // namespace
}  // namespace lethe::attack
