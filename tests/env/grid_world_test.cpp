#include "lethe/env/grid_world.hpp"

#include <gtest/gtest.h>

#include "env_test_support.hpp"

namespace lethe::env {
namespace {

using nlohmann::json;
using test::expect_error;

// S . # .
// . T . .
// # . . T
// . # . .
GridLayout layout() { return layout_from_json(json{{"id", "w"}, {"rows", {"S.#.", ".T..", "#..T", ".#.."}}}, "test"); }

TEST(GridWorld, ResetGivesTheStartObservation) {
  GridWorld world(layout());
  const Observation obs = world.reset(collect_task(layout()));
  EXPECT_EQ(obs.text,
            "pos (0,0); up: wall; down (0,1): free; left: wall; right (1,0): free; treasures collected: 0; "
            "treasures left: 2");
  EXPECT_EQ(obs.state.str(), "w:(0,0)");
  EXPECT_EQ(world.current_state(), obs.state);
  EXPECT_EQ(world.step_count(), 0);
  EXPECT_EQ(world.id(), "w");
  EXPECT_EQ(world.admissible_actions(), (std::vector<std::string>{"up", "down", "left", "right"}));
}

TEST(GridWorld, MovesAndBumps) {
  GridWorld world(layout());
  world.reset(collect_task(layout()));

  auto r = world.step("up");  // border: stays
  EXPECT_EQ(world.position(), (Cell{0, 0}));
  EXPECT_EQ(world.step_count(), 1);
  EXPECT_EQ(r.reward, 0.0);
  EXPECT_FALSE(r.done);

  r = world.step("left");  // border: stays
  EXPECT_EQ(world.position(), (Cell{0, 0}));
  EXPECT_EQ(world.step_count(), 2);

  r = world.step("right");
  EXPECT_EQ(world.position(), (Cell{1, 0}));
  EXPECT_EQ(r.observation.text,
            "pos (1,0); up: wall; down (1,1): treasure; left (0,0): free; right (2,0): obstacle; "
            "treasures collected: 0; treasures left: 2");
  EXPECT_EQ(r.observation.state.str(), "w:(1,0)");

  r = world.step("right");  // obstacle at (2,0): stays
  EXPECT_EQ(world.position(), (Cell{1, 0}));
  EXPECT_EQ(world.step_count(), 4);

  world.step("left");
  world.step("down");
  r = world.step("down");  // obstacle at (0,2): stays
  EXPECT_EQ(world.position(), (Cell{0, 1}));
  EXPECT_EQ(r.observation.text,
            "pos (0,1); up (0,0): free; down (0,2): obstacle; left: wall; right (1,1): treasure; "
            "treasures collected: 0; treasures left: 2");
}

TEST(GridWorld, CollectingTreasuresRewardsOnceAndSucceeds) {
  GridWorld world(layout());
  world.reset(collect_task(layout()));
  world.step("down");
  auto r = world.step("right");  // (1,1): treasure
  EXPECT_EQ(r.reward, 1.0);
  EXPECT_FALSE(r.done);
  EXPECT_EQ(world.treasures_collected(), 1);
  EXPECT_EQ(world.treasures_left(), 1);
  EXPECT_EQ(r.observation.text,
            "pos (1,1); up (1,0): free; down (1,2): free; left (0,1): free; right (2,1): free; "
            "treasures collected: 1; treasures left: 1");

  r = world.step("left");
  EXPECT_NE(r.observation.text.find("right (1,1): free"), std::string::npos);  // collected treasure is gone
  r = world.step("right");                                                     // back on the emptied cell
  EXPECT_EQ(r.reward, 0.0);

  world.step("right");
  world.step("down");
  r = world.step("right");  // (3,2): last treasure
  EXPECT_EQ(r.reward, 1.0);
  EXPECT_TRUE(r.done);
  EXPECT_TRUE(r.success);
  EXPECT_TRUE(world.done());
  EXPECT_EQ(world.step_count(), 7);
  EXPECT_TRUE(world.admissible_actions().empty());
  expect_error([&] { world.step("up"); }, {"episode", "over", "reset"});
}

TEST(GridWorld, StepLimitEndsTheEpisodeWithoutSuccess) {
  GridWorld defaults(layout());
  EXPECT_EQ(defaults.step_limit(), 4 * (4 + 4));

  GridWorld world(layout(), GridWorldOptions{1, 3});
  world.reset(collect_task(layout()));
  EXPECT_FALSE(world.step("up").done);
  EXPECT_FALSE(world.step("up").done);
  const auto r = world.step("up");
  EXPECT_TRUE(r.done);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reward, 0.0);
  expect_error([&] { world.step("down"); }, {"over after 3 steps"});

  // Succeeding on the very last allowed step is a success.
  GridWorld tight(layout(), GridWorldOptions{1, 2});
  tight.reset(goto_task(layout(), Cell{0, 0}, Cell{0, 1}));
  const auto first = tight.step("down");
  EXPECT_TRUE(first.done && first.success);
}

TEST(GridWorld, DefaultStepLimitAppliesToo) {
  GridWorld world(layout());
  world.reset(collect_task(layout()));
  StepResult r;
  int steps = 0;
  while (!r.done) {
    r = world.step("up");
    ++steps;
  }
  EXPECT_EQ(steps, 32);
  EXPECT_FALSE(r.success);
}

TEST(GridWorld, ResetStartsAFreshEpisode) {
  GridWorld world(layout());
  world.reset(collect_task(layout()));
  world.step("down");
  world.step("right");
  ASSERT_EQ(world.treasures_collected(), 1);
  const auto obs = world.reset(collect_task(layout()));
  EXPECT_EQ(world.treasures_collected(), 0);
  EXPECT_EQ(world.step_count(), 0);
  EXPECT_EQ(world.position(), (Cell{0, 0}));
  EXPECT_EQ(world.trajectory().states.size(), 1u);
  EXPECT_NE(obs.text.find("treasures left: 2"), std::string::npos);
}

TEST(GridWorld, GotoTaskAndObservation) {
  GridWorld world(layout());
  const Task task = goto_task(layout(), Cell{2, 3}, Cell{0, 0});
  EXPECT_EQ(task.kind, "goto");
  EXPECT_EQ(task.environment, "w");
  EXPECT_EQ(task.params, json::parse(R"({"from": [2, 3], "to": [0, 0]})"));
  EXPECT_NE(task.description.find("Go from (2,3) to (0,0) in grid world 'w'"), std::string::npos);

  const auto obs = world.reset(task);
  EXPECT_EQ(obs.text,
            "pos (2,3); up (2,2): free; down: wall; left (1,3): obstacle; right (3,3): free; goal (0,0): 3 up, 2 left");
  EXPECT_EQ(obs.state.str(), "w:(2,3)");
}

TEST(GridWorld, GotoEpisode) {
  GridWorld world(layout());
  world.reset(goto_task(layout(), Cell{2, 1}, Cell{3, 3}));
  auto r = world.step("down");  // (2,2)
  EXPECT_EQ(r.reward, 0.0);
  r = world.step("right");  // (3,2): a treasure, but goto does not collect
  EXPECT_EQ(r.reward, 0.0);
  EXPECT_FALSE(r.done);
  EXPECT_EQ(r.observation.text,
            "pos (3,2); up (3,1): free; down (3,3): free; left (2,2): free; right: wall; goal (3,3): 1 down");
  r = world.step("down");
  EXPECT_EQ(r.reward, 1.0);
  EXPECT_TRUE(r.done);
  EXPECT_TRUE(r.success);
}

TEST(GridWorld, TreasuresShowInGotoButAreNotCollected) {
  GridWorld world(layout());
  world.reset(goto_task(layout(), Cell{1, 0}, Cell{3, 3}));
  EXPECT_NE(world.step("left").observation.text.find("right (1,0): free"), std::string::npos);
  auto r = world.step("down");
  EXPECT_NE(r.observation.text.find("right (1,1): treasure"), std::string::npos);
  r = world.step("right");  // onto the treasure: no reward, nothing collected
  EXPECT_EQ(r.reward, 0.0);
  EXPECT_EQ(world.treasures_collected(), 0);
  r = world.step("left");
  EXPECT_NE(r.observation.text.find("right (1,1): treasure"), std::string::npos);
}

TEST(GridWorld, PartialObservabilityHidesTreasuresOutOfView) {
  GridWorld world(layout());
  auto obs = world.reset(collect_task(layout()));
  // Neither treasure's position is revealed at the start, and no "treasure" at all is in view.
  EXPECT_EQ(obs.text.find("(1,1)"), std::string::npos);
  EXPECT_EQ(obs.text.find("(3,2)"), std::string::npos);
  EXPECT_EQ(obs.text.find(": treasure"), std::string::npos);

  // Radius 2 shows the treasure at (1,1), two steps away, with its position.
  GridWorld wider(layout(), GridWorldOptions{2, 0});
  obs = wider.reset(collect_task(layout()));
  EXPECT_EQ(obs.text,
            "pos (0,0); up: wall; down (0,1): free; left: wall; right (1,0): free; also in view: obstacle (2,0), "
            "treasure (1,1), obstacle (0,2); treasures collected: 0; treasures left: 2");

  // Radius 3 reaches (3,2)? No: it is 5 away. (1,3) is 4 away. Both stay hidden.
  GridWorld three(layout(), GridWorldOptions{3, 0});
  obs = three.reset(collect_task(layout()));
  EXPECT_EQ(obs.text.find("(3,2)"), std::string::npos);
  EXPECT_EQ(obs.text.find("(1,3)"), std::string::npos);
  EXPECT_NE(obs.text.find("obstacle (2,0)"), std::string::npos);

  // Radius 0 shows only the position and the counts.
  GridWorld blind(layout(), GridWorldOptions{0, 0});
  EXPECT_EQ(blind.reset(collect_task(layout())).text, "pos (0,0); treasures collected: 0; treasures left: 2");

  // From (3,0) with radius 2 the treasure at (3,2) comes into view; in an empty field nothing does.
  GridWorld probe(layout(), GridWorldOptions{2, 0});
  EXPECT_EQ(probe.reset(goto_task(layout(), Cell{3, 0}, Cell{3, 1})).text,
            "pos (3,0); up: wall; down (3,1): free; left (2,0): obstacle; right: wall; also in view: treasure (3,2); "
            "goal (3,1): 1 down");
  const GridLayout field("field", 5, 5, Cell{2, 2}, {Cell{0, 0}}, {});
  GridWorld open(field, GridWorldOptions{2, 0});
  EXPECT_EQ(open.reset(collect_task(field)).text,
            "pos (2,2); up (2,1): free; down (2,3): free; left (1,2): free; right (3,2): free; also in view: none; "
            "treasures collected: 0; "
            "treasures left: 1");
}

TEST(GridWorld, ObservationNeverLeaksDistantTreasuresDuringAnEpisode) {
  const GridLayout grid = layout();
  GridWorld world(grid);
  world.reset(collect_task(grid));
  for (const char* action : {"right", "down", "down", "right", "up", "up", "right", "down"}) {
    const auto r = world.step(action);
    const Cell here = world.position();
    for (const Cell t : grid.treasures()) {
      const bool in_view = std::abs(t.x - here.x) + std::abs(t.y - here.y) <= 1;  // neighbours carry their cell
      if (!in_view) {
        EXPECT_EQ(r.observation.text.find(cell_key(t)), std::string::npos) << r.observation.text;
      }
    }
  }
}

TEST(GridWorld, TrajectoryRecordsStatesActionsAndRewards) {
  GridWorld world(layout());
  world.reset(collect_task(layout()));
  world.step("down");
  world.step("right");
  world.step("right");
  world.step("up");
  const Trajectory& t = world.trajectory();
  std::vector<std::string> states;
  for (const auto& s : t.states) states.push_back(s.str());
  EXPECT_EQ(states, (std::vector<std::string>{"w:(0,0)", "w:(0,1)", "w:(1,1)", "w:(2,1)", "w:(2,1)"}));
  EXPECT_EQ(t.actions, (std::vector<std::string>{"down", "right", "right", "up"}));
  EXPECT_EQ(t.rewards, (std::vector<double>{0.0, 1.0, 0.0, 0.0}));
}

TEST(GridWorld, InvalidActionsListTheAdmissibleOnes) {
  GridWorld world(layout());
  expect_error([&] { world.step("up"); }, {"before reset"});
  EXPECT_TRUE(world.admissible_actions().empty());
  world.reset(collect_task(layout()));
  for (const char* bad : {"jump", "Up", " up", "", "north"}) {
    expect_error([&] { world.step(bad); },
                 {"invalid action '" + std::string(bad) + "'", "admissible actions: up, down, left, right"});
  }
  EXPECT_EQ(world.step_count(), 0);  // invalid actions cost nothing
  EXPECT_EQ(world.trajectory().actions.size(), 0u);
}

TEST(GridWorld, BadTasksAreErrorsNamingTheField) {
  GridWorld world(layout());
  Task task = collect_task(layout());
  task.environment = "house";
  expect_error([&] { world.reset(task); }, {"task 'w/collect'", "field 'environment'", "'house'"});

  task = collect_task(layout());
  task.kind = "fly";
  expect_error([&] { world.reset(task); }, {"field 'kind'", "unknown task kind 'fly'"});

  task = goto_task(layout(), Cell{0, 0}, Cell{3, 3});
  task.params.erase("to");
  expect_error([&] { world.reset(task); }, {"field 'params.to'", "missing"});
  task.params["to"] = json::array({9, 0});
  expect_error([&] { world.reset(task); }, {"field 'params.to'", "(9,0)", "outside the 4x4 grid"});
  task.params["to"] = "(3,3)";
  expect_error([&] { world.reset(task); }, {"field 'params.to'", "[x, y]"});
  task.params["to"] = json::array({2, 0});
  expect_error([&] { world.reset(task); }, {"field 'params.to'", "(2,0)", "obstacle"});
  task.params["to"] = json::array({0, 0});
  expect_error([&] { world.reset(task); }, {"field 'params.to'", "same cell"});
  task.params["to"] = json::array({0, 3});  // walled in
  expect_error([&] { world.reset(task); }, {"field 'params.to'", "(0,3)", "unreachable from (0,0)"});
  task.params["to"] = json::array({3, 3});
  task.params["from"] = json::array({-1, 0});
  expect_error([&] { world.reset(task); }, {"field 'params.from'", "outside"});
  task.params = json::array();
  expect_error([&] { world.reset(task); }, {"field 'params'", "object"});

  const GridLayout empty("empty", 2, 2, Cell{0, 0}, {}, {});
  expect_error([&] { collect_task(empty); }, {"'empty'", "no treasures"});
  Task forced = collect_task(layout());
  forced.environment = "";
  GridWorld empty_world(empty);
  expect_error([&] { empty_world.reset(forced); }, {"field 'kind'", "no treasures"});
}

TEST(GridWorld, AFailedResetKeepsTheRunningEpisode) {
  GridWorld world(layout());
  world.reset(collect_task(layout()));
  world.step("down");
  Task bad = collect_task(layout());
  bad.kind = "fly";
  EXPECT_THROW(world.reset(bad), Error);
  EXPECT_EQ(world.position(), (Cell{0, 1}));
  EXPECT_EQ(world.step_count(), 1);
  EXPECT_NO_THROW(world.step("up"));
}

TEST(GridWorld, GotoTaskFactoryValidates) {
  expect_error([] { goto_task(layout(), Cell{0, 0}, Cell{0, 3}); }, {"goto task", "field 'to'", "unreachable"});
  expect_error([] { goto_task(layout(), Cell{2, 0}, Cell{0, 0}); }, {"field 'from'", "obstacle"});
  expect_error([] { goto_task(layout(), Cell{1, 1}, Cell{1, 1}); }, {"same cell"});
  EXPECT_EQ(goto_task(layout(), Cell{1, 1}, Cell{3, 3}).id, "w/goto/(1,1)->(3,3)");
}

TEST(GridWorld, CollectTaskDescribesTheWorld) {
  const Task task = collect_task(layout());
  EXPECT_EQ(task.id, "w/collect");
  EXPECT_EQ(task.kind, "collect");
  EXPECT_EQ(task.environment, "w");
  EXPECT_EQ(task.description,
            "Collect all 2 treasures in grid world 'w' (4x4; (0,0) is the top-left corner, x grows to the right, "
            "y grows downward), starting at (0,0).");
}

TEST(GridWorld, BadOptionsAreErrors) {
  expect_error([] { GridWorld(layout(), GridWorldOptions{-1, 0}); }, {"view radius"});
  expect_error([] { GridWorld(layout(), GridWorldOptions{1, -5}); }, {"step limit"});
}

TEST(GridWorld, WorksThroughTheEnvironmentInterface) {
  std::unique_ptr<Environment> env = std::make_unique<GridWorld>(layout());
  env->reset(collect_task(layout()));
  const auto r = env->step(env->admissible_actions()[1]);  // down
  EXPECT_EQ(r.observation.state.str(), "w:(0,1)");
  EXPECT_EQ(env->trajectory().actions, std::vector<std::string>{"down"});
}

}  // namespace
}  // namespace lethe::env
