// The GridWorld agent-unlearning benchmark: prepares a scenario (gridworld_scenario.hpp), runs the original agent
// before unlearning, the unlearned agent and the never-exposed reference agent on the same tasks with the same
// seeds, verifies each request (Verifier: up to max_attempts attempts, efficacy and Unlearn@1), and writes
//   DIR/results.json   config, LLM, metrics, the reference agent's figures, per-request outcomes, usage, time
//   DIR/report.md      the paper-style table and what produced it
//   DIR/heatmap_{before,after,reference}.svg   visitation on the first target's layout, targets outlined
// Memory files go to config.work_dir, or DIR/memory when it is empty.
//
// Metrics (task sets, see gridworld_scenario.hpp: "target" = the unlearning tasks, "remaining" = the remaining
// tasks, split into "target_layout" = those on the targets' layouts and "other" = those on the other layouts):
//   unlearn_efficacy      fraction of requests verified within max_attempts attempts
//   unlearn_at_1          fraction of requests verified at the first attempt
//   success_before        original agent, before unlearning, success on the remaining tasks
//   success_after         unlearned agent, success on the remaining tasks
//   success_before_other  original agent, before unlearning, success on the other layouts' tasks
//   success_after_other   unlearned agent, success on the other layouts' tasks
//   steps_before          original agent, before unlearning, mean steps on the target tasks
//   steps_after_target    unlearned agent, mean steps on the target tasks
//   steps_after_other     unlearned agent, mean steps on the other layouts' tasks (null with no other layout)
// plus, for each of before / after / reference and each task set, {episodes, success, steps, avoidance}
// (avoidance: fraction of episodes that neither enter a forgotten state nor complete a forgotten trajectory).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lethe/eval/gridworld_metrics.hpp"
#include "lethe/eval/gridworld_scenario.hpp"
#include "lethe/llm/llm.hpp"

namespace lethe::eval {

struct RequestOutcome {
  unlearn::Request request;
  std::vector<env::Task> tasks;  // its unlearning tasks
  bool efficacy = false;
  bool unlearn_at_1 = false;
  int attempts_used = 0;
  std::size_t entries_erased = 0;
};

// One agent's episodes on each task set.
struct TaskSetEpisodes {
  std::vector<agent::EpisodeResult> target;
  std::vector<agent::EpisodeResult> target_layout;
  std::vector<agent::EpisodeResult> other;
};

// One agent's figures on each task set; remaining = target_layout and other together.
struct TaskSetFigures {
  AgentFigures target, target_layout, other, remaining;

  nlohmann::json to_json() const;  // {"target", "target_layout", "other", "remaining"}
};

struct GridworldMetrics {
  double unlearn_efficacy = 0.0;
  double unlearn_at_1 = 0.0;
  double success_before = 0.0;
  double success_after = 0.0;
  double success_before_other = 0.0;
  double success_after_other = 0.0;
  double steps_before = 0.0;
  double steps_after_target = 0.0;
  double steps_after_other = 0.0;
  TaskSetFigures before, after, reference;
};

// The figures from the three agents' episodes and the per-request outcomes.
GridworldMetrics compute_metrics(const std::vector<unlearn::Request>& requests,
                                 const std::vector<RequestOutcome>& outcomes, const TaskSetEpisodes& before,
                                 const TaskSetEpisodes& after, const TaskSetEpisodes& reference);

struct GridworldBenchResult {
  GridworldMetrics metrics;
  std::vector<RequestOutcome> outcomes;
  nlohmann::json results;  // exactly what results.json holds
  std::filesystem::path results_path;
  std::filesystem::path report_path;
  std::vector<std::filesystem::path> heatmaps;  // before, after, reference
};

// Throws Error naming the directory when `out_dir` cannot be created or written (checked before any work).
void ensure_writable_directory(const std::filesystem::path& out_dir);

// Runs the benchmark. `llm_spec` is recorded as given (with llm.describe()). `llm` must be the only user of its
// usage meter during the run (usage is the difference between the end and the start).
GridworldBenchResult run_gridworld_bench(const ScenarioConfig& config, llm::Llm& llm, const std::string& llm_spec,
                                         const std::filesystem::path& out_dir, const ProgressCallback& progress = {});

// report.md from a results.json object.
std::string gridworld_report_markdown(const nlohmann::json& results);

}  // namespace lethe::eval
