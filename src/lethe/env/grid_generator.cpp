#include "lethe/env/grid_generator.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "lethe/env/error.hpp"

namespace lethe::env {

namespace {

// Uniform in [0, bound) from mt19937_64's raw output by rejection. std::uniform_int_distribution is not used
// because its algorithm differs between standard libraries, and layouts must not.
std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t bound) {
  const std::uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound: the biased low values to reject
  for (;;) {
    const std::uint64_t r = rng();
    if (r >= threshold) return r % bound;
  }
}

template <typename T>
void shuffle(std::vector<T>& items, std::mt19937_64& rng) {
  for (std::size_t i = items.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(uniform_below(rng, i));
    std::swap(items[i - 1], items[j]);
  }
}

// Obstacles on a grid padded with a ring of obstacles, so that flood fills need no bounds checks; the fill's
// buffers are reused across the many connectivity checks a layout needs.
class ObstacleGrid {
 public:
  ObstacleGrid(int width, int height)
      : stride_(width + 2),
        blocked_(static_cast<std::size_t>((width + 2) * (height + 2)), 1),
        seen_(blocked_.size(), 0) {
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) blocked_[padded(Cell{x, y})] = 0;
    }
  }

  bool free(Cell c) const { return blocked_[padded(c)] == 0; }  // c may lie one cell outside the grid
  void set(Cell c, bool obstacle) { blocked_[padded(c)] = obstacle ? 1 : 0; }

  // Whether every free cell is reachable from `from`, given `free_count` free cells.
  bool connected(Cell from, int free_count) {
    if (++stamp_ == 0) {  // wrapped: clear the marks once
      std::fill(seen_.begin(), seen_.end(), 0u);
      stamp_ = 1;
    }
    const int steps[4] = {-stride_, stride_, -1, 1};
    frontier_.clear();
    frontier_.push_back(static_cast<int>(padded(from)));
    seen_[padded(from)] = stamp_;
    int reached = 1;
    while (!frontier_.empty()) {
      const int cell = frontier_.back();
      frontier_.pop_back();
      for (const int step : steps) {
        const auto next = static_cast<std::size_t>(cell + step);
        if (blocked_[next] != 0 || seen_[next] == stamp_) continue;
        seen_[next] = stamp_;
        ++reached;
        frontier_.push_back(static_cast<int>(next));
      }
    }
    return reached == free_count;
  }

  // Whether the free four-neighbours of `c` are joined to each other through the eight cells around it. If so,
  // making `c` an obstacle cannot disconnect anything, and no flood fill is needed.
  bool neighbours_joined_locally(Cell c) const {
    static constexpr std::array<std::array<int, 2>, 8> ring{
        {{-1, -1}, {0, -1}, {1, -1}, {1, 0}, {1, 1}, {0, 1}, {-1, 1}, {-1, 0}}};  // odd positions: 4-neighbours
    const auto ring_free = [&](int i) {
      const auto& offset = ring[static_cast<std::size_t>(i)];
      return free(Cell{c.x + offset[0], c.y + offset[1]});
    };
    int first_blocked = -1;
    for (int i = 0; i < 8 && first_blocked < 0; ++i) {
      if (!ring_free(i)) first_blocked = i;  // runs are scanned from just after it, so none wraps around
    }
    if (first_blocked < 0) return true;  // the whole ring is free
    int runs_with_neighbour = 0;
    bool in_run = false;
    bool run_has_neighbour = false;
    for (int step = 1; step <= 8; ++step) {
      const int i = (first_blocked + step) % 8;
      if (ring_free(i)) {
        in_run = true;
        run_has_neighbour = run_has_neighbour || i % 2 == 1;
      } else if (in_run) {
        runs_with_neighbour += run_has_neighbour ? 1 : 0;
        in_run = false;
        run_has_neighbour = false;
      }
    }
    return runs_with_neighbour <= 1;
  }

 private:
  std::size_t padded(Cell c) const { return static_cast<std::size_t>((c.y + 1) * stride_ + c.x + 1); }

  int stride_;
  std::vector<std::uint8_t> blocked_;
  std::vector<std::uint32_t> seen_;
  std::uint32_t stamp_ = 0;
  std::vector<int> frontier_;
};

void check_options(const GeneratorOptions& options) {
  const auto side_ok = [](int side) { return side >= 1 && side <= GridLayout::kMaxSide; };
  if (!side_ok(options.width) || !side_ok(options.height)) {
    throw Error("generator: size " + std::to_string(options.width) + "x" + std::to_string(options.height) +
                " is outside 1.." + std::to_string(GridLayout::kMaxSide));
  }
  if (!(options.obstacle_density >= 0.0 && options.obstacle_density < 1.0)) {
    throw Error("generator: obstacle density " + std::to_string(options.obstacle_density) + " is outside [0, 1)");
  }
  const int cells = options.width * options.height;
  if (options.treasures < 0 || options.treasures > cells - 1) {
    throw Error("generator: " + std::to_string(options.treasures) + " treasures do not fit a " +
                std::to_string(options.width) + "x" + std::to_string(options.height) +
                " grid (at most cells - 1 = " + std::to_string(cells - 1) + ")");
  }
}

}  // namespace

GridLayout generate_layout(const GeneratorOptions& options) {
  check_options(options);
  std::mt19937_64 rng(options.seed);
  const int width = options.width;
  const int height = options.height;
  const int cells = width * height;
  const auto cell_at = [width](int i) { return Cell{i % width, i / width}; };

  const Cell start = cell_at(static_cast<int>(uniform_below(rng, static_cast<std::uint64_t>(cells))));

  const auto wanted = static_cast<int>(std::llround(options.obstacle_density * cells));
  const int obstacle_target = std::min(wanted, cells - 1 - options.treasures);
  std::vector<Cell> candidates;
  for (int i = 0; i < cells; ++i) {
    if (cell_at(i) != start) candidates.push_back(cell_at(i));
  }
  shuffle(candidates, rng);

  ObstacleGrid grid(width, height);
  std::vector<Cell> obstacles;
  int free_count = cells;
  for (const Cell cell : candidates) {
    if (static_cast<int>(obstacles.size()) >= obstacle_target) break;
    grid.set(cell, true);
    if (grid.neighbours_joined_locally(cell) || grid.connected(start, free_count - 1)) {
      obstacles.push_back(cell);
      --free_count;
    } else {
      grid.set(cell, false);
    }
  }

  std::vector<Cell> open;
  for (int i = 0; i < cells; ++i) {
    const Cell cell = cell_at(i);
    if (cell != start && grid.free(cell)) open.push_back(cell);
  }
  std::vector<Cell> treasures;
  for (int i = 0; i < options.treasures; ++i) {
    const auto remaining = static_cast<std::uint64_t>(open.size() - static_cast<std::size_t>(i));
    const auto j = static_cast<std::size_t>(i) + static_cast<std::size_t>(uniform_below(rng, remaining));
    std::swap(open[static_cast<std::size_t>(i)], open[j]);
    treasures.push_back(open[static_cast<std::size_t>(i)]);
  }

  std::string id = options.id.empty() ? "gen-" + std::to_string(width) + "x" + std::to_string(height) + "-" +
                                            std::to_string(options.seed)
                                      : options.id;
  return GridLayout(std::move(id), width, height, start, std::move(treasures), std::move(obstacles));
}

}  // namespace lethe::env
