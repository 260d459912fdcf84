#include "lethe/eval/micro_agent_data.hpp"

#include <algorithm>
#include <deque>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <stdexcept>

#include "lethe/agent/erasure.hpp"
#include "lethe/agent/grid_agent.hpp"
#include "lethe/agent/recall.hpp"
#include "lethe/env/grid_generator.hpp"
#include "lethe/env/grid_paths.hpp"
#include "lethe/env/grid_world.hpp"
#include "lethe/unlearn/avoidance.hpp"
#include "lethe/unlearn/compact_constraints.hpp"
#include "lethe/unlearn/methods.hpp"

namespace lethe::eval {
namespace {

constexpr std::uint64_t kHeldOutSeedOffset = 1'000'000'007ULL;

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t x = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL + (a << 6) + (a >> 2));
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  return x;
}

// entries_for needs a GridAgent, which needs an LLM and a store; it uses neither unless asked for LLM reflections.
class NoLlm final : public llm::Llm {
 public:
  std::string describe() const override { return "none"; }
  std::string identity() const override { return "none"; }

 protected:
  llm::ChatResponse do_complete(const llm::ChatRequest&) override {
    throw std::logic_error("the expert's memory never asks an LLM");
  }
};

class NoMemory final : public agent::Memory {
 public:
  std::string kind() const override { return "none"; }

 protected:
  void store(const std::vector<agent::MemoryEntry>&) override {}
  std::vector<agent::MemoryEntry> load(const std::optional<std::string>&) const override { return {}; }
  std::size_t count() const override { return 0; }
  std::vector<agent::RemovedEntry> remove_matching(const agent::ErasureTarget&) override { return {}; }
};

// What the expert knows while it acts: the true layout (planning), or only the cells it has seen this episode.
struct Knowledge {
  const env::GridLayout& layout;
  std::set<env::Cell> seen;  // cells whose content the expert has observed

  void observe(env::Cell here, int radius) {
    for (int dy = -radius; dy <= radius; ++dy) {
      for (int dx = -radius; dx <= radius; ++dx) {
        if (std::abs(dx) + std::abs(dy) > radius) continue;
        const env::Cell cell{here.x + dx, here.y + dy};
        if (layout.contains(cell)) seen.insert(cell);
      }
    }
  }
};

// Breadth-first search over (cell, progress along the forbidden run) from `from`, never completing the run, through
// cells `passable` allows, to the nearest cell `is_goal` accepts. Returns the first move, or nullopt.
template <typename Passable, typename IsGoal>
std::optional<env::Move> first_move(const env::GridLayout& layout, env::Cell from, std::size_t progress,
                                    const std::optional<unlearn::ForbiddenRun>& run, Passable passable,
                                    IsGoal is_goal) {
  const std::size_t levels = run ? run->size() : 1;
  const auto key = [&](env::Cell c, std::size_t p) {
    return (static_cast<std::size_t>(layout.index_of(c)) * levels) + p;
  };
  std::vector<int> first(static_cast<std::size_t>(layout.cell_count()) * levels, -2);
  std::deque<std::pair<env::Cell, std::size_t>> queue;
  first[key(from, progress)] = -1;
  queue.emplace_back(from, progress);
  while (!queue.empty()) {
    const auto [cell, p] = queue.front();
    queue.pop_front();
    if (!(cell == from && p == progress) && is_goal(cell)) {
      return env::kAllMoves[static_cast<std::size_t>(first[key(cell, p)])];
    }
    for (std::size_t m = 0; m < env::kAllMoves.size(); ++m) {
      const auto next = env::neighbour(cell, env::kAllMoves[m]);
      if (!layout.contains(next) || !passable(next)) continue;
      std::size_t next_p = 0;
      if (run) {
        next_p = run->advance(p, env::state_id(layout, next));
        if (next_p == run->size()) continue;
      }
      auto& slot = first[key(next, next_p)];
      if (slot != -2) continue;
      slot = first[key(cell, p)] == -1 ? static_cast<int>(m) : first[key(cell, p)];
      queue.emplace_back(next, next_p);
    }
  }
  return std::nullopt;
}

std::optional<unlearn::ForbiddenRun> forbidden_run(const ConstraintInfo& constraint) {
  if (!constraint.request || constraint.request->scenario == unlearn::Scenario::environment) return std::nullopt;
  return unlearn::ForbiddenRun(constraint.request->states);
}

bool collected(const env::GridWorld& world, env::Cell treasure, const std::vector<env::StateId>& visited) {
  const auto id = env::state_id(world.layout(), treasure);
  return std::find(visited.begin(), visited.end(), id) != visited.end();
}

// The moves from the current position that would complete the forbidden run (a blocked move stays in place).
std::vector<std::string> breaking_moves(const unlearn::ForbiddenRun& run, const env::GridWorld& world,
                                        const std::vector<env::StateId>& visited) {
  const auto& layout = world.layout();
  const auto progress = run.progress(visited);
  std::vector<std::string> moves;
  for (const auto m : env::kAllMoves) {
    auto next = env::neighbour(world.position(), m);
    if (!layout.is_free(next)) next = world.position();
    if (run.advance(progress, env::state_id(layout, next)) == run.size()) moves.emplace_back(env::move_name(m));
  }
  return moves;
}

// The expert's move; `run` is the constraint it keeps (nullopt: none).
std::string expert_action(const MicroScenario& scenario, const std::optional<unlearn::ForbiddenRun>& run,
                          const env::GridWorld& world, const Knowledge& knowledge, const agent::MemoryDigest& digest,
                          const std::vector<env::StateId>& visited) {
  const auto& layout = world.layout();
  const auto here = world.position();
  const std::size_t progress = run ? run->progress(visited) : 0;
  const auto on_layout = [&](env::Cell c) { return layout.is_free(c); };
  std::optional<env::Move> move;
  if (scenario.task.kind == "goto") {
    const auto goal = env::cell_from_json(scenario.task.params.at("to"), "task", "to");
    move = first_move(layout, here, progress, run, on_layout, [&](env::Cell c) { return c == goal; });
  } else {
    // Remembered treasures, in the order the digest lists them.
    for (const auto treasure : agent::remembered_treasures(digest)) {
      if (layout.treasure_index(treasure) < 0 || collected(world, treasure, visited)) continue;
      move = first_move(layout, here, progress, run, on_layout, [&](env::Cell c) { return c == treasure; });
      if (move) break;
    }
    if (!move) {
      // Explore: the nearest seen uncollected treasure, else the nearest unseen cell, through cells not known to be
      // obstacles.
      const auto believed_free = [&](env::Cell c) { return !knowledge.seen.contains(c) || layout.is_free(c); };
      move = first_move(layout, here, progress, run, believed_free, [&](env::Cell c) {
        return knowledge.seen.contains(c) && layout.treasure_index(c) >= 0 && !collected(world, c, visited);
      });
      if (!move) {
        move = first_move(layout, here, progress, run, believed_free,
                          [&](env::Cell c) { return !knowledge.seen.contains(c); });
      }
    }
  }
  if (!move) {
    // Nothing reachable is left to do without breaking the constraint: any move that keeps it.
    const auto breaking = run ? breaking_moves(*run, world, visited) : std::vector<std::string>{};
    for (const auto& name : env::move_names()) {
      if (std::find(breaking.begin(), breaking.end(), name) == breaking.end()) return name;
    }
    return "up";
  }
  return std::string(env::move_name(*move));
}

env::GridWorldOptions world_options(const MicroDataOptions& options) {
  env::GridWorldOptions world;
  world.view_radius = options.view_radius;
  return world;
}

std::vector<env::Cell> free_cells(const env::GridLayout& layout) {
  std::vector<env::Cell> cells;
  for (int i = 0; i < layout.cell_count(); ++i) {
    const auto cell = layout.cell_at(i);
    if (layout.is_free(cell)) cells.push_back(cell);
  }
  return cells;
}

// NL variants a split may use: training never sees the held-out ones; held-out layouts use all of them.
std::uint64_t nl_variant(unlearn::Scenario scenario, bool allow_held_out, std::mt19937_64& rng) {
  while (true) {
    const auto v = rng() % nl_phrasings(scenario);
    if (allow_held_out || v != held_out_variant(scenario)) return v;
  }
}

std::vector<agent::MemoryEntry> erased(std::vector<agent::MemoryEntry> memory, const unlearn::Request& request) {
  const auto target = request.erasure_target();
  std::erase_if(memory, [&](const agent::MemoryEntry& e) { return agent::matches(target, e); });
  return memory;
}

// A scenario of `task` under the request, phrased in a style drawn from `rng` (NL most often), with the memory erasure
// leaves, or none (collect tasks always keep it).
MicroScenario constrained_scenario(const env::GridLayout& layout, const std::vector<agent::MemoryEntry>& memory,
                                   bool held_out_layout, const unlearn::Request& request, const env::Task& task,
                                   const std::string& kind, agent::PromptFormat format, std::mt19937_64& rng) {
  static const std::vector<std::string> styles{"nl", "nl", "code", "example"};
  const auto& style = styles[rng() % styles.size()];
  const auto variant = style == "nl" ? nl_variant(request.scenario, held_out_layout, rng) : 0;
  auto [info, lines] = phrase(request, layout, style, variant, format);
  const bool keep_memory = (rng() % 2) == 0 || task.kind == "collect";
  return {layout,
          task,
          held_out_layout,
          keep_memory ? erased(memory, *info.request) : std::vector<agent::MemoryEntry>{},
          std::move(lines),
          std::move(info),
          kind};
}

// Constraint drills (see kDrillKind): goto tasks whose forbidden state or route lies right in front of the start.
void add_drills(const env::GridLayout& layout, const MicroDataOptions& options, bool held_out_layout,
                std::uint64_t salt, const std::vector<agent::MemoryEntry>& memory, std::vector<MicroScenario>& out) {
  std::mt19937_64 rng(mix(options.seed ^ 0xD2177ULL, salt));
  const auto cells = free_cells(layout);
  const auto free = [&](env::Cell c) { return layout.is_free(c); };
  int made = 0;
  for (int attempt = 0; made < options.drills && attempt < options.drills * 16; ++attempt) {
    const auto from = cells[rng() % cells.size()];
    const auto to = cells[rng() % cells.size()];
    const auto move = first_move(layout, from, 0, std::nullopt, free, [&](env::Cell c) { return c == to; });
    if (!move) continue;
    auto forbidden = env::neighbour(from, *move);
    if (rng() % 4 == 0) {
      // A control: another free neighbour is forbidden, and the expert's move stays the same.
      std::vector<env::Cell> others;
      for (const auto m : env::kAllMoves) {
        const auto cell = env::neighbour(from, m);
        if (m != *move && layout.contains(cell) && layout.is_free(cell)) others.push_back(cell);
      }
      if (others.empty()) continue;
      forbidden = others[rng() % others.size()];
    }
    const bool state = rng() % 2 == 0;
    if (state && (forbidden == to || layout.treasure_index(forbidden) >= 0)) continue;
    const auto request =
        state ? unlearn::state_request(layout, forbidden) : unlearn::trajectory_request(layout, {from, forbidden});
    const unlearn::ForbiddenRun run(request.states);
    const auto progress = run.progress({env::state_id(layout, from)});
    if (!first_move(layout, from, progress, run, free, [&](env::Cell c) { return c == to; })) continue;
    out.push_back(constrained_scenario(layout, memory, held_out_layout, request, env::goto_task(layout, from, to),
                                       std::string(kDrillKind), options.prompt_format, rng));
    ++made;
  }
}

// Reading drills (see kReadingDrillKind): a goto task from a random cell, under a constraint drawn apart from the
// route: half the time about a uniformly drawn free neighbour (a state, or the route into it), else about somewhere
// else (a cell out of reach of one move, or a route that starts elsewhere).
void add_reading_drills(const env::GridLayout& layout, const MicroDataOptions& options, bool held_out_layout,
                        std::uint64_t salt, const std::vector<agent::MemoryEntry>& memory,
                        std::vector<MicroScenario>& out) {
  std::mt19937_64 rng(mix(options.seed ^ 0x4EAD1ULL, salt));
  const auto cells = free_cells(layout);
  const auto free = [&](env::Cell c) { return layout.is_free(c); };
  const auto free_neighbours = [&](env::Cell c) {
    std::vector<env::Cell> cells_around;
    for (const auto m : env::kAllMoves) {
      const auto n = env::neighbour(c, m);
      if (layout.contains(n) && layout.is_free(n)) cells_around.push_back(n);
    }
    return cells_around;
  };
  int made = 0;
  for (int attempt = 0; made < options.reading_drills && attempt < options.reading_drills * 16; ++attempt) {
    const auto from = cells[rng() % cells.size()];
    const auto to = cells[rng() % cells.size()];
    const auto around = free_neighbours(from);
    if (to == from || around.empty()) continue;
    const bool near = rng() % 2 == 0;
    const bool state = rng() % 2 == 0;
    std::vector<env::Cell> run;
    if (near) {
      const auto next = around[rng() % around.size()];
      run = state ? std::vector<env::Cell>{next} : std::vector<env::Cell>{from, next};
    } else {
      const auto elsewhere = cells[rng() % cells.size()];
      if (std::abs(elsewhere.x - from.x) + std::abs(elsewhere.y - from.y) < 2) continue;
      const auto beyond = free_neighbours(elsewhere);
      if (beyond.empty()) continue;
      run = state ? std::vector<env::Cell>{elsewhere} : std::vector<env::Cell>{elsewhere, beyond[rng() % beyond.size()]};
    }
    if (state && (run.front() == to || layout.treasure_index(run.front()) >= 0)) continue;
    const auto request = state ? unlearn::state_request(layout, run.front()) : unlearn::trajectory_request(layout, run);
    const unlearn::ForbiddenRun forbidden(request.states);
    const auto progress = forbidden.progress({env::state_id(layout, from)});
    if (!first_move(layout, from, progress, forbidden, free, [&](env::Cell c) { return c == to; })) continue;
    out.push_back(constrained_scenario(layout, memory, held_out_layout, request, env::goto_task(layout, from, to),
                                       std::string(kReadingDrillKind), options.prompt_format, rng));
    ++made;
  }
}

}  // namespace

std::uint64_t nl_phrasings(unlearn::Scenario scenario) { return scenario == unlearn::Scenario::state ? 3 : 2; }

std::uint64_t held_out_variant(unlearn::Scenario scenario) {
  switch (scenario) {
    case unlearn::Scenario::state:
      return kHeldOutStateVariant;
    case unlearn::Scenario::trajectory:
      return kHeldOutTrajectoryVariant;
    case unlearn::Scenario::environment:
      return kHeldOutEnvironmentVariant;
  }
  return kHeldOutStateVariant;
}

std::pair<ConstraintInfo, std::vector<std::string>> phrase(const unlearn::Request& base, const env::GridLayout& layout,
                                                           const std::string& style, std::uint64_t variant,
                                                           agent::PromptFormat format) {
  ConstraintInfo info;
  info.style = style;
  auto request = base;
  request.text = format == agent::PromptFormat::compact ? unlearn::compact_request_text(request, variant)
                                                        : unlearn::request_text(request, variant);
  const auto scenario = unlearn::to_string(request.scenario);
  if (style == "nl") {
    info.phrasing = "nl-" + scenario + "-" + std::to_string(variant);
    info.held_out_phrasing = variant == held_out_variant(request.scenario);
  } else {
    info.phrasing = style + "-" + scenario;
  }
  auto lines = unlearn::make_method(style, {}, format)->constraints(request, layout).prompt_lines;
  info.request = std::move(request);
  return {std::move(info), std::move(lines)};
}

std::vector<env::GridLayout> micro_layouts(const MicroDataOptions& options, bool held_out) {
  const auto make = [&](int index, std::uint64_t seed) {
    env::GeneratorOptions generator;
    generator.id = "w" + std::to_string(index);
    generator.width = options.width;
    generator.height = options.height;
    generator.obstacle_density = options.obstacle_density;
    generator.treasures = options.treasures;
    generator.seed = seed;
    return env::generate_layout(generator);
  };
  std::vector<env::GridLayout> train;
  std::set<std::string> train_grids;
  for (int i = 0; i < options.train_layouts; ++i) {
    train.push_back(make(i, mix(options.seed, static_cast<std::uint64_t>(i))));
    train_grids.insert(env::render_ascii(train.back()));
  }
  if (!held_out) return train;
  std::vector<env::GridLayout> test;
  for (std::uint64_t k = 0; static_cast<int>(test.size()) < options.heldout_layouts; ++k) {
    auto layout =
        make(options.train_layouts + static_cast<int>(test.size()), mix(options.seed, kHeldOutSeedOffset + k));
    if (train_grids.contains(env::render_ascii(layout))) continue;
    test.push_back(std::move(layout));
  }
  return test;
}

std::vector<agent::MemoryEntry> expert_memory(const env::GridLayout& layout, const MicroDataOptions& options) {
  MicroScenario explore{layout, env::collect_task(layout), false, {}, {}, {"none", "none", false, {}}, "explore"};
  const auto episode = demonstrate(explore, options);
  agent::EpisodeResult result;
  result.environment = layout.id();
  result.task = explore.task;
  result.episode = 1;
  result.success = episode.success;
  result.steps = static_cast<int>(episode.steps.size());
  result.states = episode.states;
  env::GridWorld world(layout, world_options(options));
  auto observation = world.reset(explore.task);
  result.observations.push_back(observation.text);
  for (const auto& step : episode.steps) {
    const auto next = world.step(step.action);
    result.actions.push_back(step.action);
    result.rewards.push_back(next.reward);
    result.observations.push_back(next.observation.text);
  }
  NoLlm llm;
  NoMemory store;
  agent::GridAgent agent(llm, store);
  return agent.entries_for(result, {});
}

std::vector<MicroScenario> micro_scenarios(const env::GridLayout& layout, const MicroDataOptions& options,
                                           bool held_out_layout, std::uint64_t salt) {
  std::mt19937_64 rng(mix(options.seed ^ 0xA5A5A5A5ULL, salt));
  const auto memory = expert_memory(layout, options);
  const auto collect = env::collect_task(layout);
  const ConstraintInfo none{"none", "none", false, {}};
  std::vector<MicroScenario> out;
  out.push_back({layout, collect, held_out_layout, {}, {}, none, "explore"});
  out.push_back({layout, collect, held_out_layout, memory, {}, none, "collect-memory"});

  const auto cells = free_cells(layout);
  const auto random_cell = [&] { return cells[rng() % cells.size()]; };
  for (int k = 0; k < 2; ++k) {
    const auto from = random_cell();
    auto to = random_cell();
    for (int tries = 0; to == from && tries < 16; ++tries) to = random_cell();
    if (to == from) continue;
    const bool with_memory = k == 1;
    out.push_back({layout,
                   env::goto_task(layout, from, to),
                   held_out_layout,
                   with_memory ? memory : std::vector<agent::MemoryEntry>{},
                   {},
                   none,
                   with_memory ? "goto-memory" : "goto"});
  }

  const auto add_constraint = [&](const unlearn::Request& request, const env::Task& task, const std::string& kind) {
    out.push_back(
        constrained_scenario(layout, memory, held_out_layout, request, task, kind, options.prompt_format, rng));
  };

  // A forgotten state on the shortest route of goto tasks.
  for (int k = 0; k < 2; ++k) {
    const auto cell = random_cell();
    if (layout.treasure_index(cell) >= 0) continue;
    const auto request = unlearn::state_request(layout, cell);
    const auto tasks = unlearn::crossing_tasks(layout, unlearn::ForbiddenRun(request.states), 8);
    if (tasks.empty()) continue;
    add_constraint(request, tasks[rng() % tasks.size()], "constraint-goto");
  }
  // A forgotten trajectory: three consecutive cells of a shortest path between two random cells.
  for (int k = 0; k < 2; ++k) {
    const auto from = random_cell();
    const auto to = random_cell();
    const auto path = env::shortest_path(layout, from, to);
    if (!path || path->cells.size() < 4) continue;
    const auto first = 1 + rng() % (path->cells.size() - 3);
    const std::vector<env::Cell> run(path->cells.begin() + static_cast<std::ptrdiff_t>(first),
                                     path->cells.begin() + static_cast<std::ptrdiff_t>(first + 2));
    const auto request = unlearn::trajectory_request(layout, run);
    const auto tasks = unlearn::crossing_tasks(layout, unlearn::ForbiddenRun(request.states), 8);
    if (tasks.empty()) continue;
    add_constraint(request, tasks[rng() % tasks.size()], "constraint-goto");
  }
  // A forgotten cell on the remembered collect route (not the start, not a treasure), when the tour can avoid it.
  if (!memory.empty() && !memory.front().steps.empty()) {
    const auto& visited = memory.front().provenance.visited;
    std::vector<env::Cell> candidates;
    for (std::size_t i = 1; i < visited.size(); ++i) {
      const auto cell = env::cell_from_state_id(layout, visited[i]);
      if (cell == layout.start() || layout.treasure_index(cell) >= 0) continue;
      candidates.push_back(cell);
    }
    if (!candidates.empty()) {
      const auto cell = candidates[rng() % candidates.size()];
      if (env::shortest_collect_tour(layout, env::CellSet{cell})) {
        add_constraint(unlearn::state_request(layout, cell), collect, "constraint-collect");
      }
    }
  }
  // Forget the environment: memory erased, the method's lines, exploration.
  if (rng() % 2 == 0) {
    static const std::vector<std::string> env_styles{"nl", "code", "example"};
    const auto& style = env_styles[rng() % env_styles.size()];
    const auto request = unlearn::environment_request(layout);
    const auto variant = style == "nl" ? nl_variant(request.scenario, held_out_layout, rng) : 0;
    auto [info, lines] = phrase(request, layout, style, variant, options.prompt_format);
    out.push_back({layout, collect, held_out_layout, {}, std::move(lines), std::move(info), "forget-environment"});
  }
  add_drills(layout, options, held_out_layout, salt, memory, out);
  add_reading_drills(layout, options, held_out_layout, salt, memory, out);
  return out;
}

MicroEpisode demonstrate(const MicroScenario& scenario, const MicroDataOptions& options) {
  MicroEpisode episode{scenario, {}, {}, false};
  env::GridWorld world(scenario.layout, world_options(options));
  auto observation = world.reset(scenario.task);
  const auto digest = agent::digest_memory(scenario.memory, scenario.layout.id(), scenario.task.id, options.limits);
  Knowledge knowledge{scenario.layout, {}};
  knowledge.observe(world.position(), options.view_radius);
  const auto run = forbidden_run(scenario.constraint);
  episode.states.push_back(observation.state);
  while (!world.done()) {
    MicroStep step;
    step.prompt = agent::build_prompt({scenario.task.description, observation.text, digest, scenario.constraints,
                                       world.admissible_actions(), agent::recall_items(digest, episode.states)},
                                      options.prompt_format);
    step.action = expert_action(scenario, run, world, knowledge, digest, episode.states);
    step.decisive =
        run && step.action != expert_action(scenario, std::nullopt, world, knowledge, digest, episode.states);
    if (run) step.forbidden_moves = breaking_moves(*run, world, episode.states);
    const auto result = world.step(step.action);
    episode.steps.push_back(std::move(step));
    observation = result.observation;
    episode.states.push_back(observation.state);
    knowledge.observe(world.position(), options.view_radius);
    episode.success = result.success;
    if (is_drill(scenario)) break;
  }
  return episode;
}

bool violates(const unlearn::Request& request, const std::vector<env::StateId>& visited) {
  if (request.scenario == unlearn::Scenario::environment) return false;
  return unlearn::ForbiddenRun(request.states).first_completion(visited).has_value();
}

std::vector<MicroEpisode> micro_episodes(const MicroDataOptions& options, bool held_out) {
  std::vector<MicroEpisode> episodes;
  const auto layouts = micro_layouts(options, held_out);
  for (std::size_t i = 0; i < layouts.size(); ++i) {
    const auto salt = (held_out ? kHeldOutSeedOffset : 0) + i;
    for (const auto& scenario : micro_scenarios(layouts[i], options, held_out, salt)) {
      episodes.push_back(demonstrate(scenario, options));
    }
  }
  return episodes;
}

bool forbids_moves(const MicroScenario& scenario) { return forbidden_run(scenario.constraint).has_value(); }

bool is_drill(const MicroScenario& scenario) {
  return scenario.kind == kDrillKind || scenario.kind == kReadingDrillKind;
}

train::SftRecord forbidden_question_record(const MicroStep& step) {
  static constexpr std::string_view kAction = "Action:";
  static constexpr std::string_view kCompactAction = " :";
  std::string prompt;
  if (step.prompt.ends_with(kAction)) {
    prompt = step.prompt.substr(0, step.prompt.size() - kAction.size()) + std::string(kForbiddenQuestion);
  } else if (step.prompt.ends_with(kCompactAction)) {
    prompt = step.prompt.substr(0, step.prompt.size() - kCompactAction.size() + 1) +
             std::string(kCompactForbiddenQuestion);
  } else {
    throw std::logic_error("an agent prompt ends with \"Action:\" or \" :\"");
  }
  std::string answer;
  for (const auto& move : step.forbidden_moves) answer += (answer.empty() ? " " : ", ") + move;
  return {std::move(prompt), answer.empty() ? " none" : answer};
}

std::vector<train::SftRecord> sft_records(const std::vector<MicroEpisode>& episodes, std::uint64_t seed,
                                          const SftRecordOptions& options) {
  std::vector<train::SftRecord> records;
  for (const auto& episode : episodes) {
    const bool ask = (options.forbidden_questions || options.questions_only || episode.scenario.kind == kReadingDrillKind) &&
                     forbids_moves(episode.scenario);
    for (const auto& step : episode.steps) {
      const int copies = options.questions_only ? 0 : step.decisive ? std::max(1, options.decisive_repeats) : 1;
      for (int c = 0; c < copies; ++c) records.push_back({step.prompt, " " + step.action});
      if (ask) records.push_back(forbidden_question_record(step));
    }
  }
  std::mt19937_64 rng(mix(seed, 0x5F7E));
  for (std::size_t i = records.size(); i > 1; --i) std::swap(records[i - 1], records[rng() % i]);
  if (options.max_records > 0 && records.size() > options.max_records) records.resize(options.max_records);
  return records;
}

void write_sft_jsonl(const std::filesystem::path& path, const std::vector<train::SftRecord>& records) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  for (const auto& record : records) {
    out << nlohmann::json{{"prompt", record.prompt}, {"completion", record.completion}}.dump() << '\n';
  }
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace lethe::eval
