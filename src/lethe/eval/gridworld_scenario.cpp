#include "lethe/eval/gridworld_scenario.hpp"

#include <algorithm>
#include <iterator>
#include <random>
#include <set>
#include <system_error>

#include "lethe/agent/json_file_memory.hpp"
#include "lethe/agent/sqlite_memory.hpp"
#include "lethe/env/error.hpp"
#include "lethe/env/grid_generator.hpp"
#include "lethe/env/grid_paths.hpp"
#include "lethe/env/grid_world.hpp"
#include "lethe/unlearn/avoidance.hpp"
#include "lethe/unlearn/verifier.hpp"

namespace lethe::eval {
namespace {

// Portable, seeded choices: std::mt19937_64 is specified exactly; the distributions of <random> are not.
class Chooser {
 public:
  explicit Chooser(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next() { return engine_(); }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(engine_() % n); }
  template <typename T>
  void shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[below(i)]);
  }

 private:
  std::mt19937_64 engine_;
};

// Distinct streams for the separate choices, so that e.g. changing the number of targets leaves the goto tasks
// of a layout unchanged.
std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t stream) { return seed * 0x9E3779B97F4A7C15ULL + stream; }

bool looks_like_path(const std::string& name) {
  return name.find('/') != std::string::npos || (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0);
}

std::vector<env::Cell> target_candidate_cells(const env::GridLayout& layout) {
  std::vector<env::Cell> cells;
  for (int index = 0; index < layout.cell_count(); ++index) {
    const auto cell = layout.cell_at(index);
    if (layout.is_free(cell) && !(cell == layout.start()) && layout.treasure_index(cell) < 0) cells.push_back(cell);
  }
  return cells;
}

bool candidate_cell(const env::GridLayout& layout, env::Cell cell) {
  return layout.is_free(cell) && !(cell == layout.start()) && layout.treasure_index(cell) < 0;
}

std::vector<env::StateId> route_states(const env::GridLayout& layout, const env::Task& task) {
  std::optional<env::GridPath> path;
  if (task.kind == "collect") {
    path = env::shortest_collect_tour(layout);
  } else if (task.kind == "goto") {
    const auto from = env::cell_from_json(task.params.at("from"), task.id, "from");
    const auto to = env::cell_from_json(task.params.at("to"), task.id, "to");
    path = env::shortest_path(layout, from, to);
  }
  std::vector<env::StateId> states;
  if (path) {
    for (const auto& cell : path->cells) states.push_back(env::state_id(layout, cell));
  }
  return states;
}

void add_unique(std::vector<env::Task>& tasks, const env::Task& task) {
  if (std::none_of(tasks.begin(), tasks.end(), [&](const env::Task& t) { return t.id == task.id; })) {
    tasks.push_back(task);
  }
}

bool touches_any(const std::vector<unlearn::Request>& requests, const env::GridLayout& layout, const env::Task& task) {
  return std::any_of(requests.begin(), requests.end(),
                     [&](const unlearn::Request& request) { return touches(request, layout, task); });
}

// Up to `count` goto tasks between distinct free cells at least 2 moves apart that touch no request.
std::vector<env::Task> extra_goto_tasks(const env::GridLayout& layout, std::size_t count,
                                        const std::vector<unlearn::Request>& requests, std::uint64_t seed) {
  std::vector<env::Cell> free;
  for (int index = 0; index < layout.cell_count(); ++index) {
    if (layout.is_free(layout.cell_at(index))) free.push_back(layout.cell_at(index));
  }
  std::vector<std::pair<env::Cell, env::Cell>> pairs;
  for (const auto& from : free) {
    const auto distances = env::distances_from(layout, from);
    for (const auto& to : free) {
      if (distances.at(to) >= 2) pairs.push_back({from, to});
    }
  }
  Chooser chooser(seed);
  chooser.shuffle(pairs);
  std::vector<env::Task> tasks;
  for (const auto& [from, to] : pairs) {
    if (tasks.size() >= count) break;
    auto task = env::goto_task(layout, from, to);
    if (!touches_any(requests, layout, task)) add_unique(tasks, task);
  }
  return tasks;
}

std::string layout_names(const std::vector<env::GridLayout>& layouts) {
  std::string names;
  for (const auto& layout : layouts) names += (names.empty() ? "" : ", ") + layout.id();
  return names;
}

void report(const ProgressCallback& progress, const std::string& stage, std::size_t done, std::size_t total) {
  if (progress) progress(Progress{stage, done, total});
}

}  // namespace

void validate(const ScenarioConfig& config) {
  static const std::set<std::string> methods{"nl", "code", "example", "hard", "none"};
  if (methods.count(config.method) == 0) {
    throw Error("method: unknown unlearning method '" + config.method + "' (expected nl, code, example, hard or none)");
  }
  if (config.memory_kind != "json" && config.memory_kind != "sqlite") {
    throw Error("memory: unknown memory kind '" + config.memory_kind + "' (expected json or sqlite)");
  }
  if (config.targets < 1) throw Error("targets: must be at least 1, not " + std::to_string(config.targets));
  if (config.episodes < 0) throw Error("episodes: must not be negative, not " + std::to_string(config.episodes));
  if (config.generated_layouts < 0) throw Error("layouts: the number of generated layouts must not be negative");
  if (config.layout_names.empty() && config.generated_layouts == 0) throw Error("layouts: no layouts given");
  if (config.max_attempts < 1) throw Error("attempts: must be at least 1");
  if (config.work_dir.empty()) throw Error("work_dir: no directory for the memory files");
}

nlohmann::json to_json(const ScenarioConfig& config) {
  return {{"scenario", unlearn::to_string(config.scenario)},
          {"method", config.method},
          {"converter", config.method == "nl" && config.converter ? "model" : "none"},
          {"targets", config.targets},
          {"layout_names", config.layout_names},
          {"generated_layouts", config.generated_layouts},
          {"generator",
           {{"width", config.generator.width},
            {"height", config.generator.height},
            {"obstacle_density", config.generator.obstacle_density},
            {"treasures", config.generator.treasures}}},
          {"episodes", config.episodes},
          {"goto_tasks", config.goto_tasks},
          {"max_unlearning_tasks", config.max_unlearning_tasks},
          {"max_attempts", config.max_attempts},
          {"seed", config.seed},
          {"memory", config.memory_kind},
          {"agent",
           {{"temperature", config.agent.sampling.temperature},
            {"view_radius", config.agent.world.view_radius},
            {"step_limit", config.agent.world.step_limit},
            {"llm_reflections", config.agent.llm_reflections}}}};
}

std::vector<env::GridLayout> load_scenario_layouts(const ScenarioConfig& config) {
  std::vector<env::GridLayout> layouts;
  for (const auto& name : config.layout_names) {
    if (name.empty()) throw Error("layouts: empty layout name");
    if (looks_like_path(name)) {
      auto loaded = env::load_layouts_file(name);
      layouts.insert(layouts.end(), loaded.begin(), loaded.end());
      continue;
    }
    const auto path = config.layout_dir / (name + ".json");
    if (!std::filesystem::exists(path)) {
      throw Error("layouts: no layout named '" + name + "' (looked for " + path.string() + ")");
    }
    layouts.push_back(env::load_layout_file(path, name));
  }
  for (int i = 0; i < config.generated_layouts; ++i) {
    auto options = config.generator;
    options.seed = stream_seed(config.seed, 1000 + static_cast<std::uint64_t>(i));
    options.id = "gen" + std::to_string(i + 1) + "-" + std::to_string(options.width) + "x" +
                 std::to_string(options.height) + "-s" + std::to_string(config.seed);
    layouts.push_back(env::generate_layout(options));
  }
  std::set<std::string> ids;
  for (const auto& layout : layouts) {
    if (!ids.insert(layout.id()).second) throw Error("layouts: layout id '" + layout.id() + "' appears twice");
  }
  return layouts;
}

bool touches(const unlearn::Request& request, const env::GridLayout& layout, const env::Task& task) {
  if (task.environment != request.environment || layout.id() != request.environment) return false;
  if (request.scenario == unlearn::Scenario::environment) return true;
  const auto states = route_states(layout, task);
  if (request.scenario == unlearn::Scenario::state) {
    return std::find(states.begin(), states.end(), request.states.front()) != states.end();
  }
  return unlearn::ForbiddenRun(request.states).first_completion(states).has_value();
}

std::vector<unlearn::Request> choose_requests(const ScenarioConfig& config,
                                              const std::vector<env::GridLayout>& layouts) {
  const auto wanted = static_cast<std::size_t>(std::max(config.targets, 0));
  Chooser chooser(stream_seed(config.seed, 1));
  std::vector<unlearn::Request> requests;
  if (config.scenario == unlearn::Scenario::environment) {
    if (layouts.size() < 2 || wanted > layouts.size() - 1) {
      throw Error("targets: " + std::to_string(wanted) + " environment(s) to forget is more than the " +
                  std::to_string(layouts.empty() ? 0 : layouts.size() - 1) + " possible with " +
                  std::to_string(layouts.size()) + " layout(s) (" + layout_names(layouts) +
                  "): at least one must remain");
    }
    std::vector<std::size_t> order(layouts.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    chooser.shuffle(order);
    for (std::size_t i = 0; i < wanted; ++i) {
      requests.push_back(unlearn::environment_request(layouts[order[i]], chooser.next()));
    }
    return requests;
  }

  // Candidate targets, shuffled, then checked lazily for an unlearning task (a search per candidate).
  std::vector<std::pair<std::size_t, std::vector<env::Cell>>> candidates;
  for (std::size_t l = 0; l < layouts.size(); ++l) {
    const auto& layout = layouts[l];
    for (const auto& cell : target_candidate_cells(layout)) {
      if (config.scenario == unlearn::Scenario::state) {
        candidates.push_back({l, {cell}});
        continue;
      }
      for (const auto first : env::kAllMoves) {
        const auto middle = env::neighbour(cell, first);
        if (!candidate_cell(layout, middle)) continue;
        for (const auto second : env::kAllMoves) {
          const auto last = env::neighbour(middle, second);
          if (!candidate_cell(layout, last) || last == cell) continue;
          candidates.push_back({l, {cell, middle, last}});
        }
      }
    }
  }
  chooser.shuffle(candidates);
  std::size_t possible = 0;
  for (const auto& [index, cells] : candidates) {
    const auto& layout = layouts[index];
    std::vector<env::StateId> states;
    for (const auto& cell : cells) states.push_back(env::state_id(layout, cell));
    if (unlearn::crossing_tasks(layout, unlearn::ForbiddenRun(states), 1).empty()) continue;
    ++possible;
    requests.push_back(config.scenario == unlearn::Scenario::state
                           ? unlearn::state_request(layout, cells.front(), chooser.next())
                           : unlearn::trajectory_request(layout, cells, chooser.next()));
    // Each check is a search: stop once enough are found (when too few exist, every candidate was checked).
    if (requests.size() == wanted) break;
  }
  if (requests.size() < wanted) {
    throw Error("targets: " + std::to_string(wanted) + " " + unlearn::to_string(config.scenario) +
                " target(s) is more than the " + std::to_string(possible) + " possible on layout(s) " +
                layout_names(layouts) + " (a target needs a route that crosses it and a way around it)");
  }
  return requests;
}

const env::GridLayout& PreparedScenario::layout(const std::string& id) const {
  for (const auto& candidate : layouts) {
    if (candidate.id() == id) return candidate;
  }
  throw Error("no layout '" + id + "' in the scenario");
}

std::vector<env::Task> PreparedScenario::all_unlearning_tasks() const {
  std::vector<env::Task> tasks;
  for (const auto& list : unlearning_tasks) {
    for (const auto& task : list) add_unique(tasks, task);
  }
  return tasks;
}

bool PreparedScenario::holds_target(const std::string& layout_id) const {
  return std::any_of(requests.begin(), requests.end(),
                     [&](const unlearn::Request& request) { return request.environment == layout_id; });
}

std::vector<env::Task> PreparedScenario::target_layout_tasks() const {
  std::vector<env::Task> tasks;
  std::copy_if(remaining_tasks.begin(), remaining_tasks.end(), std::back_inserter(tasks),
               [&](const env::Task& task) { return holds_target(task.environment); });
  return tasks;
}

std::vector<env::Task> PreparedScenario::other_layout_tasks() const {
  std::vector<env::Task> tasks;
  std::copy_if(remaining_tasks.begin(), remaining_tasks.end(), std::back_inserter(tasks),
               [&](const env::Task& task) { return !holds_target(task.environment); });
  return tasks;
}

std::unique_ptr<agent::Memory> open_fresh_memory(const std::string& kind, const std::filesystem::path& dir,
                                                 const std::string& name) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw Error("cannot create directory " + dir.string() + ": " + error.message());
  if (kind == "json") {
    const auto path = dir / (name + ".json");
    std::filesystem::remove(path);
    return std::make_unique<agent::JsonFileMemory>(path);
  }
  if (kind == "sqlite") {
    const auto path = dir / (name + ".sqlite");
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path.string() + suffix);
    return std::make_unique<agent::SqliteMemory>(path);
  }
  throw Error("memory: unknown memory kind '" + kind + "' (expected json or sqlite)");
}

std::vector<agent::EpisodeResult> run_tasks(agent::GridAgent& agent, const std::vector<env::GridLayout>& layouts,
                                            const std::vector<env::Task>& tasks, int first_episode) {
  std::vector<agent::EpisodeResult> results;
  std::size_t begin = 0;
  while (begin < tasks.size()) {
    std::size_t end = begin + 1;
    while (end < tasks.size() && tasks[end].environment == tasks[begin].environment) ++end;
    const env::GridLayout* layout = nullptr;
    for (const auto& candidate : layouts) {
      if (candidate.id() == tasks[begin].environment) layout = &candidate;
    }
    if (layout == nullptr) throw Error("task '" + tasks[begin].id + "': no layout '" + tasks[begin].environment + "'");
    const std::vector<env::Task> block(tasks.begin() + static_cast<std::ptrdiff_t>(begin),
                                       tasks.begin() + static_cast<std::ptrdiff_t>(end));
    auto part = agent.run_episodes(*layout, block, first_episode + static_cast<int>(begin));
    for (auto& result : part) results.push_back(std::move(result));
    begin = end;
  }
  return results;
}

PreparedScenario prepare_scenario(const ScenarioConfig& config, llm::Llm& llm, const ProgressCallback& progress) {
  validate(config);
  PreparedScenario scenario;
  scenario.config = config;
  scenario.config.agent.sampling.seed = config.seed;
  const auto& options = scenario.config.agent;

  scenario.layouts = load_scenario_layouts(config);
  scenario.requests = choose_requests(config, scenario.layouts);

  // Tasks.
  for (const auto& request : scenario.requests) {
    scenario.unlearning_tasks.push_back(
        unlearn::unlearning_tasks(request, scenario.layout(request.environment), config.max_unlearning_tasks));
  }
  const auto unlearning = scenario.all_unlearning_tasks();
  for (std::size_t l = 0; l < scenario.layouts.size(); ++l) {
    const auto& layout = scenario.layouts[l];
    unlearn::LayoutTasks item{layout, {}};
    if (!layout.treasures().empty()) item.tasks.push_back(env::collect_task(layout));
    for (const auto& task : unlearning) {
      if (task.environment == layout.id()) add_unique(item.tasks, task);
    }
    for (const auto& task :
         extra_goto_tasks(layout, config.goto_tasks, scenario.requests, stream_seed(config.seed, 100 + l))) {
      add_unique(item.tasks, task);
    }
    for (const auto& task : item.tasks) {
      const bool is_unlearning_task =
          std::any_of(unlearning.begin(), unlearning.end(), [&](const env::Task& t) { return t.id == task.id; });
      if (!is_unlearning_task && !touches_any(scenario.requests, layout, task))
        scenario.remaining_tasks.push_back(task);
    }
    scenario.learning.push_back(std::move(item));
  }

  // The original agent learns once.
  scenario.memory = open_fresh_memory(config.memory_kind, config.work_dir, "unlearned");
  scenario.agent = std::make_unique<agent::GridAgent>(llm, *scenario.memory, options);
  const std::size_t rounds = scenario.learning.size() * static_cast<std::size_t>(config.episodes);
  std::size_t done = 0;
  report(progress, "learn", 0, rounds);
  for (const auto& item : scenario.learning) {
    env::GridWorld world(item.layout, options.world);
    for (int round = 0; round < config.episodes; ++round) {
      auto part = scenario.agent->learn(world, item.tasks, 1);
      scenario.learn_report.entries_added += part.entries_added;
      for (auto& episode : part.episodes) scenario.learn_report.episodes.push_back(std::move(episode));
      report(progress, "learn", ++done, rounds);
    }
  }

  // "Before": a copy of the learned memory that is never unlearned.
  scenario.before_memory = open_fresh_memory(config.memory_kind, config.work_dir, "before");
  scenario.before_memory->add_all(scenario.memory->entries());
  scenario.before_agent = std::make_unique<agent::GridAgent>(llm, *scenario.before_memory, options);

  // Unlearning.
  if (config.method != "none") {
    scenario.method = unlearn::make_method(config.method, config.converter, options.prompt_format);
    unlearn::Executor executor(*scenario.memory, *scenario.agent);
    scenario.execution = executor.execute(scenario.requests, *scenario.method, scenario.layouts);
  }

  // The reference agent, one layout at a time (episode numbers are per environment).
  scenario.reference_memory = open_fresh_memory(config.memory_kind, config.work_dir, "reference");
  scenario.reference =
      std::make_unique<unlearn::ReferenceAgent>(llm, *scenario.reference_memory, options, scenario.requests);
  report(progress, "reference", 0, scenario.learning.size());
  for (std::size_t l = 0; l < scenario.learning.size(); ++l) {
    auto part = scenario.reference->learn({scenario.learning[l]}, config.episodes);
    auto& total = scenario.reference_report;
    total.learned.entries_added += part.learned.entries_added;
    for (auto& episode : part.learned.episodes) total.learned.episodes.push_back(std::move(episode));
    for (auto& excluded : part.excluded) total.excluded.push_back(std::move(excluded));
    total.entries_dropped += part.entries_dropped;
    report(progress, "reference", l + 1, scenario.learning.size());
  }
  return scenario;
}

}  // namespace lethe::eval
