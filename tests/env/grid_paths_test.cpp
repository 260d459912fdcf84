#include "lethe/env/grid_paths.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <random>

#include "env_test_support.hpp"
#include "lethe/env/grid_generator.hpp"
#include "lethe/env/grid_world.hpp"

namespace lethe::env {
namespace {

using test::expect_error;

// A path is well formed: its moves lead from each cell to the next, and it never enters an obstacle or a
// blocked cell.
void expect_valid_path(const GridLayout& layout, const GridPath& path, Cell from, const CellSet& blocked) {
  ASSERT_FALSE(path.cells.empty());
  ASSERT_EQ(path.moves.size() + 1, path.cells.size());
  EXPECT_EQ(path.cells.front(), from);
  for (std::size_t i = 0; i < path.moves.size(); ++i) {
    EXPECT_EQ(neighbour(path.cells[i], path.moves[i]), path.cells[i + 1]);
    EXPECT_TRUE(layout.is_free(path.cells[i + 1]));
    EXPECT_FALSE(blocked.contains(path.cells[i + 1])) << cell_key(path.cells[i + 1]);
  }
}

// Exhaustive search over simple paths: the shortest walk between two cells is a simple path.
void brute_force(const GridLayout& layout, const CellSet& blocked, Cell cell, Cell to, std::vector<bool>& on_path,
                 int length, int& best) {
  if (length >= best) return;
  if (cell == to) {
    best = length;
    return;
  }
  for (const Move move : kAllMoves) {
    const Cell next = neighbour(cell, move);
    if (!layout.is_free(next) || blocked.contains(next)) continue;
    const auto index = static_cast<std::size_t>(layout.index_of(next));
    if (on_path[index]) continue;
    on_path[index] = true;
    brute_force(layout, blocked, next, to, on_path, length + 1, best);
    on_path[index] = false;
  }
}

int brute_force_distance(const GridLayout& layout, Cell from, Cell to, const CellSet& blocked) {
  if (!layout.is_free(to) || (blocked.contains(to) && to != from)) return DistanceMap::kUnreachable;
  std::vector<bool> on_path(static_cast<std::size_t>(layout.cell_count()), false);
  on_path[static_cast<std::size_t>(layout.index_of(from))] = true;
  int best = INT_MAX;
  brute_force(layout, blocked, from, to, on_path, 0, best);
  return best == INT_MAX ? DistanceMap::kUnreachable : best;
}

// A random small grid whose obstacles may cut regions off (no treasures, so any layout is valid).
GridLayout random_grid(std::mt19937_64& rng, int width, int height) {
  std::vector<Cell> obstacles;
  const Cell start{static_cast<int>(rng() % static_cast<unsigned>(width)),
                   static_cast<int>(rng() % static_cast<unsigned>(height))};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      if (Cell{x, y} != start && rng() % 4 == 0) obstacles.push_back(Cell{x, y});
    }
  }
  return GridLayout("random", width, height, start, {}, obstacles);
}

TEST(GridPaths, BfsMatchesBruteForceOnSmallGrids) {
  std::mt19937_64 rng(7);
  int reachable_pairs = 0;
  int unreachable_pairs = 0;
  for (int round = 0; round < 60; ++round) {
    const int width = 2 + static_cast<int>(rng() % 3);
    const int height = 2 + static_cast<int>(rng() % 3);
    const auto layout = random_grid(rng, width, height);
    CellSet blocked;
    if (round % 2 == 1)
      blocked.insert(layout.cell_at(static_cast<int>(rng() % static_cast<unsigned>(layout.cell_count()))));
    for (int f = 0; f < layout.cell_count(); ++f) {
      const Cell from = layout.cell_at(f);
      if (!layout.is_free(from)) continue;
      const DistanceMap distances = distances_from(layout, from, blocked);
      for (int t = 0; t < layout.cell_count(); ++t) {
        const Cell to = layout.cell_at(t);
        const int expected = brute_force_distance(layout, from, to, blocked);
        ASSERT_EQ(distances.at(to), expected) << render_ascii(layout) << cell_key(from) << "->" << cell_key(to);
        const auto path = shortest_path(layout, from, to, blocked);
        ASSERT_EQ(path.has_value(), expected != DistanceMap::kUnreachable);
        EXPECT_EQ(is_reachable(layout, from, to, blocked), path.has_value());
        if (path) {
          EXPECT_EQ(path->length(), expected);
          EXPECT_EQ(path->cells.back(), to);
          expect_valid_path(layout, *path, from, blocked);
          ++reachable_pairs;
        } else {
          ++unreachable_pairs;
        }
      }
    }
  }
  // The random grids exercised both outcomes.
  EXPECT_GT(reachable_pairs, 100);
  EXPECT_GT(unreachable_pairs, 100);
}

TEST(GridPaths, AvoidSetForcesADetour) {
  // S . . .
  // . # # .
  // . . . G
  const GridLayout layout("detour", 4, 3, Cell{0, 0}, {}, {Cell{1, 1}, Cell{2, 1}});
  const Cell goal{3, 2};
  const auto direct = shortest_path(layout, layout.start(), goal);
  ASSERT_TRUE(direct);
  EXPECT_EQ(direct->length(), 5);

  // Block (1,0): the top route is closed, the bottom one remains and is just as long.
  const auto around = shortest_path(layout, layout.start(), goal, {Cell{1, 0}});
  ASSERT_TRUE(around);
  EXPECT_EQ(around->length(), 5);
  EXPECT_EQ(std::count(around->cells.begin(), around->cells.end(), Cell{1, 0}), 0);
  EXPECT_EQ(around->actions(), (std::vector<std::string>{"down", "down", "right", "right", "right"}));

  // Block both routes: no path.
  EXPECT_FALSE(shortest_path(layout, layout.start(), goal, {Cell{1, 0}, Cell{0, 2}}));
  EXPECT_FALSE(is_reachable(layout, layout.start(), goal, {Cell{1, 0}, Cell{0, 2}}));
  // Blocking the goal makes it unreachable; blocking the start does not stop leaving it.
  EXPECT_FALSE(shortest_path(layout, layout.start(), goal, {goal}));
  EXPECT_TRUE(shortest_path(layout, layout.start(), goal, {layout.start()}));
  // Cells outside the grid in the avoid set are ignored.
  const CellSet outside{Cell{-1, 0}, Cell{9, 9}};
  EXPECT_EQ(shortest_path(layout, layout.start(), goal, outside)->length(), 5);
}

TEST(GridPaths, TiesBreakInMoveOrder) {
  const GridLayout open("open", 3, 3, Cell{0, 0}, {}, {});
  // up and left are walls; down comes before right.
  EXPECT_EQ(shortest_path(open, Cell{0, 0}, Cell{2, 2})->actions(),
            (std::vector<std::string>{"down", "down", "right", "right"}));
  const auto same = shortest_path(open, Cell{1, 1}, Cell{1, 1});
  ASSERT_TRUE(same);
  EXPECT_EQ(same->length(), 0);
  EXPECT_EQ(same->cells, (std::vector<Cell>{Cell{1, 1}}));
}

TEST(GridPaths, BadEndpointsAreErrors) {
  const GridLayout layout("g", 3, 2, Cell{0, 0}, {}, {Cell{1, 0}});
  expect_error([&] { shortest_path(layout, Cell{3, 0}, Cell{0, 0}); }, {"(3,0)", "outside the 3x2 grid 'g'"});
  expect_error([&] { distances_from(layout, Cell{1, 0}); }, {"(1,0)", "obstacle"});
  expect_error([&] { shortest_path(layout, Cell{0, 0}, Cell{0, 2}); }, {"goal (0,2)", "outside"});
  EXPECT_FALSE(shortest_path(layout, Cell{0, 0}, Cell{1, 0}));  // into an obstacle: no path
  EXPECT_EQ(distances_from(layout, Cell{0, 0}).at(Cell{5, 5}), DistanceMap::kUnreachable);
}

// The optimal tour length is the best visiting order of the treasures with shortest paths between them.
int brute_force_tour(const GridLayout& layout, const CellSet& blocked) {
  std::vector<Cell> order = layout.treasures();
  std::sort(order.begin(), order.end());
  int best = INT_MAX;
  do {
    int total = 0;
    Cell at = layout.start();
    for (const Cell t : order) {
      const int d = distances_from(layout, at, blocked).at(t);
      if (d == DistanceMap::kUnreachable) return DistanceMap::kUnreachable;
      total += d;
      at = t;
    }
    best = std::min(best, total);
  } while (std::next_permutation(order.begin(), order.end()));
  return best;
}

TEST(GridPaths, TourIsOptimalOnSmallCases) {
  int tours = 0;
  for (std::uint64_t seed = 0; seed < 60; ++seed) {
    GeneratorOptions options;
    options.width = 4 + static_cast<int>(seed % 4);
    options.height = 4 + static_cast<int>(seed % 3);
    options.treasures = 1 + static_cast<int>(seed % 5);
    options.obstacle_density = 0.25;
    options.seed = seed;
    const auto layout = generate_layout(options);
    CellSet blocked;
    if (seed % 3 == 0) blocked.insert(Cell{static_cast<int>(seed) % options.width, 0});
    const int expected = brute_force_tour(layout, blocked);
    const auto tour = shortest_collect_tour(layout, blocked);
    ASSERT_EQ(tour.has_value(), expected != DistanceMap::kUnreachable) << render_ascii(layout);
    if (!tour) continue;
    ++tours;
    EXPECT_EQ(tour->length(), expected) << render_ascii(layout);
    expect_valid_path(layout, *tour, layout.start(), blocked);
    for (const Cell t : layout.treasures()) {
      EXPECT_NE(std::find(tour->cells.begin(), tour->cells.end(), t), tour->cells.end());
    }
    // Replaying the tour in GridWorld collects everything on the last step.
    GridWorld world(layout, GridWorldOptions{1, tour->length() + 1});
    world.reset(collect_task(layout));
    StepResult last;
    for (const auto& action : tour->actions()) last = world.step(action);
    EXPECT_TRUE(last.success);
    EXPECT_EQ(world.step_count(), expected);
  }
  EXPECT_GT(tours, 40);
}

TEST(GridPaths, TourEdgeCases) {
  const GridLayout none("none", 3, 3, Cell{1, 1}, {}, {});
  const auto empty = shortest_collect_tour(none);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->length(), 0);

  // A treasure in the avoid set, or cut off by it, makes the tour impossible.
  const GridLayout line("line", 4, 1, Cell{0, 0}, {Cell{3, 0}}, {});
  EXPECT_FALSE(shortest_collect_tour(line, {Cell{3, 0}}));
  EXPECT_FALSE(shortest_collect_tour(line, {Cell{2, 0}}));
  EXPECT_EQ(shortest_collect_tour(line)->length(), 3);

  // Passing over a treasure on the way counts: S T T in a row is a 2-step tour.
  const GridLayout row("row", 3, 1, Cell{0, 0}, {Cell{1, 0}, Cell{2, 0}}, {});
  EXPECT_EQ(shortest_collect_tour(row)->length(), 2);
}

TEST(GridPaths, TourTooLargeIsAnError) {
  GeneratorOptions options;
  options.width = 32;
  options.height = 32;
  options.treasures = 13;
  options.obstacle_density = 0.0;
  const auto layout = generate_layout(options);
  expect_error([&] { shortest_collect_tour(layout); }, {"13 treasures", "32x32"});
}

}  // namespace
}  // namespace lethe::env
