#include "lethe/attack/probe_tasks.hpp"

#include <gtest/gtest.h>

#include <set>

#include "attack_test_support.hpp"
#include "lethe/attack/error.hpp"
#include "lethe/attack/traverse_inference.hpp"

namespace lethe::attack {
namespace {

using test::layout_from_rows;

env::GridLayout open5() {
  return layout_from_rows("open5", {
                                       "S....",
                                       ".....",
                                       "..T..",
                                       ".....",
                                       ".....",
                                   });
}

env::Cell from_of(const env::Task& task) { return env::cell_from_json(task.params.at("from"), "t", "from"); }
env::Cell to_of(const env::Task& task) { return env::cell_from_json(task.params.at("to"), "t", "to"); }

TEST(ProbeTasks, OptimalRoutesPassThroughTheSuspectedState) {
  const auto layout = open5();
  const env::Cell target{1, 2};
  const unlearn::ForbiddenRun run({env::state_id(layout, target)});
  const auto tasks = probe_tasks(layout, run, 10);
  ASSERT_EQ(tasks.size(), 10u);
  std::set<std::string> ids;
  int previous_closeness = 0;
  for (const auto& task : tasks) {
    const auto from = from_of(task);
    const auto to = to_of(task);
    EXPECT_NE(from, target);
    EXPECT_NE(to, target);
    const int direct = env::distances_from(layout, from).at(to);
    const int via = env::distances_from(layout, from).at(target) + env::distances_from(layout, target).at(to);
    EXPECT_EQ(direct, via) << task.id;
    const int closeness = via;
    EXPECT_GE(closeness, previous_closeness) << "nearest pairs first";
    previous_closeness = closeness;
    EXPECT_TRUE(ids.insert(task.id).second) << "distinct pairs";
  }
  EXPECT_EQ(probe_tasks(layout, run, 3).size(), 3u);
}

TEST(ProbeTasks, TrajectoryProbesTraverseItInOrder) {
  const auto layout = open5();
  const std::vector<env::Cell> cells{{1, 1}, {2, 1}, {3, 1}};
  std::vector<env::StateId> states;
  for (const auto& c : cells) states.push_back(env::state_id(layout, c));
  const unlearn::ForbiddenRun run(states);
  const auto tasks = probe_tasks(layout, run, 5);
  ASSERT_FALSE(tasks.empty());
  for (const auto& task : tasks) {
    const auto from = from_of(task);
    const auto to = to_of(task);
    // The walk start -> first, along the run, last -> goal is a shortest route and traverses the run.
    auto walk = *env::shortest_path(layout, from, cells.front());
    const auto tail = *env::shortest_path(layout, cells.back(), to);
    std::vector<std::string> actions = walk.actions();
    for (const auto& a : std::vector<std::string>{"right", "right"}) actions.push_back(a);
    for (const auto& a : tail.actions()) actions.push_back(a);
    EXPECT_EQ(static_cast<int>(actions.size()), env::distances_from(layout, from).at(to)) << task.id;
    EXPECT_TRUE(traverses(run)(test::play(layout, task, actions))) << task.id;
  }
}

TEST(ProbeTasks, RejectsTargetsThatAreNotWalks) {
  const auto layout = layout_from_rows("w", {"S.#", "...", "..T"});
  EXPECT_THROW(probe_tasks(layout, unlearn::ForbiddenRun({env::StateId{"w", "(2,0)"}}), 5), Error);
  EXPECT_THROW(probe_tasks(layout, unlearn::ForbiddenRun({env::StateId{"w", "(0,1)"}, env::StateId{"w", "(2,1)"}}), 5),
               Error);
  EXPECT_THROW(probe_tasks(layout, unlearn::ForbiddenRun({env::StateId{"other", "(0,1)"}}), 5), Error);
}

TEST(ProbeTasks, ExplorationSpreadsOverTheLayoutDeterministically) {
  const auto layout = open5();
  const auto a = exploration_tasks(layout, 6, 42);
  const auto b = exploration_tasks(layout, 6, 42);
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.size(), 7u);  // the collect task, then 6 gotos
  EXPECT_EQ(a.front().kind, "collect");
  std::set<std::string> goals;
  for (std::size_t i = 1; i < a.size(); ++i) {
    EXPECT_EQ(a[i].kind, "goto");
    EXPECT_TRUE(goals.insert(env::cell_key(to_of(a[i]))).second) << "goals differ";
  }
}

TEST(ProbeTasks, RepeatAndProbePoints) {
  const auto layout = open5();
  const auto task = env::goto_task(layout, {0, 0}, {0, 3});
  const auto repeated = repeat_tasks({task, env::collect_task(layout)}, 3);
  ASSERT_EQ(repeated.size(), 6u);
  EXPECT_EQ(repeated[2], task);
  EXPECT_EQ(repeated[3].kind, "collect");
  EXPECT_THROW(repeat_tasks({task}, 0), Error);

  const auto points = probe_points(layout, {task, env::goto_task(layout, {0, 1}, {0, 3})});
  ASSERT_EQ(points.size(), 3u);  // (0,0), (0,1), (0,2) towards (0,3); the second task repeats two of them
  EXPECT_EQ(points[0].cell, (env::Cell{0, 0}));
  EXPECT_EQ(points[2].cell, (env::Cell{0, 2}));
  EXPECT_EQ(to_of(points[2].task), (env::Cell{0, 3}));
  EXPECT_EQ(probe_points(layout, {task}, 2).size(), 2u);
}

}  // namespace
}  // namespace lethe::attack
