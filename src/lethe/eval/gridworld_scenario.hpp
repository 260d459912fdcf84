// The GridWorld unlearning scenario shared by the benchmark, the audit and the demo: from a configuration, the
// layouts, the original agent that learned them (and a copy of its memory kept as "before"), the unlearning
// requests, the unlearned agent, the never-exposed reference agent and the task sets to evaluate on.
// Everything is deterministic from config.seed (with a deterministic LLM backend).
//
// Tasks:
//  - learning tasks, per layout: its collect task (when it has treasures), the unlearning tasks of the requests
//    about it (so that the original agent has experience of the targets), and config.goto_tasks goto tasks
//    between free cells chosen from the seed;
//  - unlearning tasks: per request, unlearn::unlearning_tasks (goto tasks whose direct route crosses the target;
//    for an environment, its collect task);
//  - remaining tasks: the learning tasks that do not touch any target — on a forgotten environment none; for a
//    state or trajectory, those whose shortest route (collect tour, goto path) neither enters a forgotten state
//    nor completes a forgotten trajectory, and that are not unlearning tasks;
//  - of the remaining tasks, those on the targets' layouts (target-layout tasks) and those on the layouts that
//    hold no target (other-layout tasks: the paper's "other environments").
// Targets: states and trajectories (3 cells) are free cells other than the start and the treasures, chosen from
// the seed among those with at least one unlearning task, on any of the layouts; environments are chosen among the
// layouts, leaving at least one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "lethe/agent/grid_agent.hpp"
#include "lethe/agent/memory.hpp"
#include "lethe/env/grid_generator.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/llm/llm.hpp"
#include "lethe/unlearn/executor.hpp"
#include "lethe/unlearn/methods.hpp"
#include "lethe/unlearn/reference_agent.hpp"
#include "lethe/unlearn/request.hpp"

namespace lethe::eval {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ScenarioConfig {
  unlearn::Scenario scenario = unlearn::Scenario::state;
  std::string method = "hard";  // "nl", "code", "example", "hard", or "none" (no unlearning at all)
  // Method "nl": the conversion model that turns each request into its prompt (unlearn::Converter::nl_converter);
  // empty: the request's own words are the prompt.
  unlearn::NlMethod::Converter converter;
  int targets = 1;              // how many states / trajectories / environments to forget at once
  // Layouts: each name is a layout id looked up in layout_dir (<layout_dir>/<name>.json), or a path to a layout
  // file (contains '/' or ends in ".json"; every layout it holds is used). Then generated_layouts more, made by
  // env::generate_layout with `generator` (id and seed derived from `seed` and the index).
  std::vector<std::string> layout_names;
  std::filesystem::path layout_dir;
  int generated_layouts = 0;
  env::GeneratorOptions generator{};
  int episodes = 2;                      // learning rounds over each layout's learning tasks
  std::size_t goto_tasks = 2;            // extra goto tasks learned per layout
  std::size_t max_unlearning_tasks = 2;  // per request
  int max_attempts = 5;                  // verifier attempts
  std::uint64_t seed = 0;                // targets, goto tasks, generated layouts and agent sampling
  std::string memory_kind = "json";      // "json" or "sqlite"
  std::filesystem::path work_dir;        // memory files are created here (must be writable; created if absent)
  agent::AgentOptions agent{};           // agent.sampling.seed is replaced by `seed`
};

// Throws Error naming the field for a config that cannot work (unknown method or memory kind, targets < 1,
// episodes < 0, no layouts, empty work_dir...). Does not look at files.
void validate(const ScenarioConfig& config);
nlohmann::json to_json(const ScenarioConfig& config);

// The layouts the config names, in order (names, then generated). Throws Error naming the file and field for a
// missing or malformed layout file, and for duplicate layout ids.
std::vector<env::GridLayout> load_scenario_layouts(const ScenarioConfig& config);

// The requests the config asks for on `layouts`. Throws Error when fewer than config.targets targets are
// possible ("--targets 9 is more than the 4 possible ...").
std::vector<unlearn::Request> choose_requests(const ScenarioConfig& config,
                                              const std::vector<env::GridLayout>& layouts);

// Whether a task's shortest route touches a request's target (see the file comment).
bool touches(const unlearn::Request& request, const env::GridLayout& layout, const env::Task& task);

// Stages of prepare_scenario and of the benchmark, for progress reporting: `done` of `total` units of `stage`.
struct Progress {
  std::string stage;
  std::size_t done = 0;
  std::size_t total = 0;
};
using ProgressCallback = std::function<void(const Progress&)>;

struct PreparedScenario {
  ScenarioConfig config;
  std::vector<env::GridLayout> layouts;
  std::vector<unlearn::LayoutTasks> learning;  // what the original (and the reference) agent learned
  agent::LearnReport learn_report;             // the original agent's learning

  // The original agent with a copy of its learned memory, never unlearned.
  std::unique_ptr<agent::Memory> before_memory;
  std::unique_ptr<agent::GridAgent> before_agent;

  // The original agent after unlearning: its memory erased and the method's constraints installed (method
  // "none": nothing erased, nothing installed).
  std::vector<unlearn::Request> requests;
  std::unique_ptr<unlearn::Method> method;  // null for "none"
  std::unique_ptr<agent::Memory> memory;
  std::unique_ptr<agent::GridAgent> agent;
  std::optional<unlearn::Execution> execution;  // empty for "none"

  // The never-exposed reference agent (own memory, no constraints).
  std::unique_ptr<agent::Memory> reference_memory;
  std::unique_ptr<unlearn::ReferenceAgent> reference;
  unlearn::ReferenceLearnReport reference_report;

  std::vector<std::vector<env::Task>> unlearning_tasks;  // per request
  std::vector<env::Task> remaining_tasks;                // each task's `environment` names its layout

  // The layout with this id; throws Error if none.
  const env::GridLayout& layout(const std::string& id) const;
  // Every request's unlearning tasks, without repeats, in request order.
  std::vector<env::Task> all_unlearning_tasks() const;
  // Whether some request is about the layout with this id.
  bool holds_target(const std::string& layout_id) const;
  // The remaining tasks on the layouts that hold a target, and on those that hold none, in order.
  std::vector<env::Task> target_layout_tasks() const;
  std::vector<env::Task> other_layout_tasks() const;
};

// Loads the layouts, chooses the requests and tasks, learns the original agent, copies its memory, applies the
// unlearning and learns the reference agent. `llm` must outlive the result (the agents keep a reference).
// Throws Error (or the module's errors) with a clear message.
PreparedScenario prepare_scenario(const ScenarioConfig& config, llm::Llm& llm, const ProgressCallback& progress = {});

// Runs `tasks` (of any of `layouts`, by their `environment`) with `agent`, one batched run per layout; results in
// task order, episode numbers first_episode + index.
std::vector<agent::EpisodeResult> run_tasks(agent::GridAgent& agent, const std::vector<env::GridLayout>& layouts,
                                            const std::vector<env::Task>& tasks, int first_episode);

// Opens a fresh memory store of `kind` ("json" or "sqlite") at `dir`/`name`.json|.sqlite (an existing file is
// removed first).
std::unique_ptr<agent::Memory> open_fresh_memory(const std::string& kind, const std::filesystem::path& dir,
                                                 const std::string& name);

}  // namespace lethe::eval
