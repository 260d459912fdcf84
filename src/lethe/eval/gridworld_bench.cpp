#include "lethe/eval/gridworld_bench.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <system_error>

#include "lethe/eval/heatmap_svg.hpp"
#include "lethe/unlearn/verifier.hpp"

namespace lethe::eval {
namespace {

// Evaluation episodes get numbers (so seeds) of their own, the same for the three agents.
constexpr int kEvaluationEpisodeBase = 2'000'000;

double fraction(const std::vector<RequestOutcome>& outcomes, bool RequestOutcome::*flag) {
  if (outcomes.empty()) return std::nan("");
  double count = 0.0;
  for (const auto& outcome : outcomes) count += (outcome.*flag) ? 1.0 : 0.0;
  return count / static_cast<double>(outcomes.size());
}

nlohmann::json number_or_null(double value) { return std::isnan(value) ? nlohmann::json() : nlohmann::json(value); }

std::vector<env::Cell> target_cells(const PreparedScenario& scenario, const env::GridLayout& layout) {
  std::vector<env::Cell> cells;
  for (const auto& request : scenario.requests) {
    if (request.environment != layout.id()) continue;
    for (const auto& state : request.states) cells.push_back(env::cell_from_state_id(layout, state));
  }
  return cells;
}

TaskSetFigures task_set_figures(const std::vector<unlearn::Request>& requests, const TaskSetEpisodes& episodes) {
  auto remaining = episodes.target_layout;
  remaining.insert(remaining.end(), episodes.other.begin(), episodes.other.end());
  return TaskSetFigures{figures(requests, episodes.target), figures(requests, episodes.target_layout),
                        figures(requests, episodes.other), figures(requests, remaining)};
}

std::string format_number(const nlohmann::json& value, const char* format) {
  if (!value.is_number()) return "–";
  return fmt::format(fmt::runtime(format), value.get<double>());
}

}  // namespace

nlohmann::json TaskSetFigures::to_json() const {
  return {{"target", target.to_json()},
          {"target_layout", target_layout.to_json()},
          {"other", other.to_json()},
          {"remaining", remaining.to_json()}};
}

GridworldMetrics compute_metrics(const std::vector<unlearn::Request>& requests,
                                 const std::vector<RequestOutcome>& outcomes, const TaskSetEpisodes& before,
                                 const TaskSetEpisodes& after, const TaskSetEpisodes& reference) {
  GridworldMetrics metrics;
  metrics.unlearn_efficacy = fraction(outcomes, &RequestOutcome::efficacy);
  metrics.unlearn_at_1 = fraction(outcomes, &RequestOutcome::unlearn_at_1);
  metrics.before = task_set_figures(requests, before);
  metrics.after = task_set_figures(requests, after);
  metrics.reference = task_set_figures(requests, reference);
  metrics.success_before = metrics.before.remaining.success;
  metrics.success_after = metrics.after.remaining.success;
  metrics.success_before_other = metrics.before.other.success;
  metrics.success_after_other = metrics.after.other.success;
  metrics.steps_before = metrics.before.target.steps;
  metrics.steps_after_target = metrics.after.target.steps;
  metrics.steps_after_other = metrics.after.other.steps;
  return metrics;
}

void ensure_writable_directory(const std::filesystem::path& out_dir) {
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) throw Error("cannot create output directory " + out_dir.string() + ": " + error.message());
  if (!std::filesystem::is_directory(out_dir)) throw Error("output path " + out_dir.string() + " is not a directory");
  const auto probe = out_dir / ".lethe-write-probe";
  {
    std::ofstream out(probe, std::ios::trunc);
    out << "probe";
    out.flush();
    if (!out) throw Error("output directory " + out_dir.string() + " is not writable");
  }
  std::filesystem::remove(probe, error);
}

GridworldBenchResult run_gridworld_bench(const ScenarioConfig& config, llm::Llm& llm, const std::string& llm_spec,
                                         const std::filesystem::path& out_dir, const ProgressCallback& progress) {
  ScenarioConfig effective = config;
  if (effective.work_dir.empty()) effective.work_dir = out_dir / "memory";
  validate(effective);
  ensure_writable_directory(out_dir);
  const auto started = std::chrono::steady_clock::now();
  const auto usage_at_start = llm.usage().snapshot();

  auto scenario = prepare_scenario(effective, llm, progress);

  // Before / after / reference on the same tasks with the same episode numbers.
  const auto target_tasks = scenario.all_unlearning_tasks();
  const auto target_layout_tasks = scenario.target_layout_tasks();
  const auto other_tasks = scenario.other_layout_tasks();
  std::vector<env::Task> tasks = target_tasks;
  tasks.insert(tasks.end(), target_layout_tasks.begin(), target_layout_tasks.end());
  tasks.insert(tasks.end(), other_tasks.begin(), other_tasks.end());
  const auto evaluate = [&](agent::GridAgent& agent) {
    auto all = run_tasks(agent, scenario.layouts, tasks, kEvaluationEpisodeBase);
    auto next = std::make_move_iterator(all.begin());
    const auto take = [&](std::size_t count) {
      std::vector<agent::EpisodeResult> part(next, next + static_cast<std::ptrdiff_t>(count));
      next += static_cast<std::ptrdiff_t>(count);
      return part;
    };
    TaskSetEpisodes episodes;
    episodes.target = take(target_tasks.size());
    episodes.target_layout = take(target_layout_tasks.size());
    episodes.other = take(other_tasks.size());
    return episodes;
  };
  const auto report = [&](const std::string& stage, std::size_t done, std::size_t total) {
    if (progress) progress(Progress{stage, done, total});
  };
  report("evaluate", 0, 3);
  const auto before = evaluate(*scenario.before_agent);
  report("evaluate", 1, 3);
  const auto after = evaluate(*scenario.agent);
  report("evaluate", 2, 3);
  const auto reference = evaluate(scenario.reference->agent());
  report("evaluate", 3, 3);

  // Verification, one request at a time, with the constraints the executor installed.
  const unlearn::Constraints installed = scenario.execution ? scenario.execution->constraints : unlearn::Constraints{};
  unlearn::Verifier verifier(*scenario.agent, *scenario.memory,
                             unlearn::VerifierOptions{config.max_attempts, config.max_unlearning_tasks});
  std::vector<RequestOutcome> outcomes;
  report("verify", 0, scenario.requests.size());
  for (std::size_t i = 0; i < scenario.requests.size(); ++i) {
    const auto& request = scenario.requests[i];
    const auto verification = verifier.verify(request, scenario.layout(request.environment), installed);
    RequestOutcome outcome;
    outcome.request = request;
    outcome.tasks = verification.tasks;
    outcome.efficacy = verification.efficacy;
    outcome.unlearn_at_1 = verification.unlearn_at_1;
    outcome.attempts_used = verification.attempts_used;
    if (scenario.execution) outcome.entries_erased = scenario.execution->receipts[i].removed.size();
    outcomes.push_back(std::move(outcome));
    report("verify", i + 1, scenario.requests.size());
  }

  GridworldBenchResult result;
  result.outcomes = outcomes;
  result.metrics = compute_metrics(scenario.requests, outcomes, before, after, reference);
  const auto& m = result.metrics;

  // Heatmaps of the first target's layout.
  const auto& heat_layout = scenario.layout(scenario.requests.front().environment);
  const auto outlined = target_cells(scenario, heat_layout);
  const std::vector<std::pair<std::string, const TaskSetEpisodes*>> runs{
      {"before", &before}, {"after", &after}, {"reference", &reference}};
  nlohmann::json heatmaps = nlohmann::json::object();
  for (const auto& [name, sets] : runs) {
    auto episodes = sets->target;
    episodes.insert(episodes.end(), sets->target_layout.begin(), sets->target_layout.end());
    const auto counts = visit_counts(heat_layout, episodes);
    const auto title = fmt::format("{} — {} ({} unlearning, method {})", heat_layout.id(), name,
                                   unlearn::to_string(config.scenario), config.method);
    const auto path = out_dir / ("heatmap_" + name + ".svg");
    write_text_file(path, heatmap_svg(heat_layout, counts, outlined, HeatmapOptions{title}));
    result.heatmaps.push_back(path);
    heatmaps[name] = path.filename().string();
  }
  heatmaps["layout"] = heat_layout.id();

  // results.json
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto usage = llm.usage().snapshot();
  const auto& s = usage_at_start;
  usage.calls -= s.calls;
  usage.prompt_tokens -= s.prompt_tokens;
  usage.prompt_tokens_evaluated -= s.prompt_tokens_evaluated;
  usage.completion_tokens -= s.completion_tokens;
  usage.cache_hits -= s.cache_hits;
  usage.latency_ms_total -= s.latency_ms_total;

  nlohmann::json requests = nlohmann::json::array();
  for (const auto& outcome : outcomes) {
    nlohmann::json tasks_json = nlohmann::json::array();
    for (const auto& task : outcome.tasks) tasks_json.push_back(task.id);
    requests.push_back({{"request", unlearn::to_json(outcome.request)},
                        {"target", outcome.request.describe()},
                        {"unlearning_tasks", tasks_json},
                        {"efficacy", outcome.efficacy},
                        {"unlearn_at_1", outcome.unlearn_at_1},
                        {"attempts_used", outcome.attempts_used},
                        {"entries_erased", outcome.entries_erased}});
  }
  nlohmann::json layouts = nlohmann::json::array();
  nlohmann::json other_layouts = nlohmann::json::array();
  for (const auto& layout : scenario.layouts) {
    layouts.push_back({{"id", layout.id()},
                       {"width", layout.width()},
                       {"height", layout.height()},
                       {"hash", fmt::format("{:016x}", env::layout_hash(layout))}});
    if (!scenario.holds_target(layout.id())) other_layouts.push_back(layout.id());
  }
  nlohmann::json remaining = nlohmann::json::array();
  for (const auto& task : scenario.remaining_tasks) remaining.push_back(task.id);
  auto reference_json = m.reference.to_json();
  reference_json.update({{"success", number_or_null(m.reference.remaining.success)},
                         {"success_other", number_or_null(m.reference.other.success)},
                         {"steps_target", number_or_null(m.reference.target.steps)},
                         {"steps_other", number_or_null(m.reference.other.steps)},
                         {"learning_episodes", scenario.reference_report.learned.episodes.size()},
                         {"excluded_tasks", scenario.reference_report.excluded.size()},
                         {"memory_entries", scenario.reference_memory->size()}});
  result.results = {{"benchmark", "gridworld"},
                    {"llm", {{"spec", llm_spec}, {"describe", llm.describe()}, {"identity", llm.identity()}}},
                    {"config", to_json(scenario.config)},
                    {"layouts", layouts},
                    {"other_layouts", other_layouts},
                    {"unlearn_efficacy", number_or_null(m.unlearn_efficacy)},
                    {"unlearn_at_1", number_or_null(m.unlearn_at_1)},
                    {"success_before", number_or_null(m.success_before)},
                    {"success_after", number_or_null(m.success_after)},
                    {"success_before_other", number_or_null(m.success_before_other)},
                    {"success_after_other", number_or_null(m.success_after_other)},
                    {"steps_before", number_or_null(m.steps_before)},
                    {"steps_after_target", number_or_null(m.steps_after_target)},
                    {"steps_after_other", number_or_null(m.steps_after_other)},
                    {"before", m.before.to_json()},
                    {"after", m.after.to_json()},
                    {"reference", reference_json},
                    {"requests", requests},
                    {"unlearning_prompt", installed.prompt_lines},
                    {"remaining_tasks", remaining},
                    {"memory",
                     {{"kind", config.memory_kind},
                      {"learned_entries", scenario.before_memory->size()},
                      {"after_unlearning_entries", scenario.memory->size()},
                      {"learning_episodes", scenario.learn_report.episodes.size()}}},
                    {"heatmaps", heatmaps},
                    {"usage", usage.to_json()},
                    {"wall_time_s", wall_s}};

  result.results_path = out_dir / "results.json";
  write_text_file(result.results_path, result.results.dump(2) + "\n");
  result.report_path = out_dir / "report.md";
  write_text_file(result.report_path, gridworld_report_markdown(result.results));
  return result;
}

std::string gridworld_report_markdown(const nlohmann::json& results) {
  const auto value = [&](const nlohmann::json& object, const char* key) {
    return object.contains(key) ? object.at(key) : nlohmann::json();
  };
  const auto percent = [&](const nlohmann::json& v) {
    return v.is_number() ? fmt::format("{:.1f}%", 100.0 * v.get<double>()) : std::string("–");
  };
  const auto steps = [&](const nlohmann::json& v) { return format_number(v, "{:.1f}"); };
  const auto& config = results.at("config");
  const auto& reference = results.at("reference");

  std::string md;
  md += "# GridWorld agent unlearning\n\n";
  md += fmt::format("Scenario **{}**, method **{}**, {} target(s), {} learning episode(s) per task, seed {}.\n\n",
                    config.value("scenario", "?"), config.value("method", "?"), config.value("targets", 0),
                    config.value("episodes", 0), config.value("seed", 0));
  md +=
      fmt::format("LLM: `{}` ({}).\n\n", results.at("llm").value("spec", ""), results.at("llm").value("describe", ""));
  md +=
      "| Method | Unlearn efficacy | Unlearn@1 | Success before | Success after | Steps before | "
      "Steps after (target) | Steps after (other) |\n";
  md += "|---|---|---|---|---|---|---|---|\n";
  md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", config.value("method", "?"),
                    percent(value(results, "unlearn_efficacy")), percent(value(results, "unlearn_at_1")),
                    percent(value(results, "success_before")), percent(value(results, "success_after")),
                    steps(value(results, "steps_before")), steps(value(results, "steps_after_target")),
                    steps(value(results, "steps_after_other")));
  md += fmt::format("| reference (never exposed) | – | – | – | {} | – | {} | {} |\n\n",
                    percent(value(reference, "success")), steps(value(reference, "steps_target")),
                    steps(value(reference, "steps_other")));
  md +=
      "Success is measured on the remaining tasks (those that do not touch a target); steps before and after "
      "(target) on the unlearning tasks, whose direct route crosses a target; steps after (other) on the remaining "
      "tasks of the other layouts, those that hold no target.\n\n";

  md += "## Remaining tasks on the targets' layouts and on the other layouts\n\n";
  md += "| Agent | Target's layout: episodes | Success | Steps | Other layouts: episodes | Success | Steps |\n";
  md += "|---|---|---|---|---|---|---|\n";
  for (const char* agent : {"before", "after", "reference"}) {
    const auto& own = results.at(agent).at("target_layout");
    const auto& other = results.at(agent).at("other");
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", agent, own.value("episodes", 0),
                      percent(value(own, "success")), steps(value(own, "steps")), other.value("episodes", 0),
                      percent(value(other, "success")), steps(value(other, "steps")));
  }
  std::string other_layouts;
  for (const auto& id : value(results, "other_layouts")) {
    other_layouts += (other_layouts.empty() ? "" : ", ") + id.get<std::string>();
  }
  md += fmt::format("\nOther layouts: {}.\n\n", other_layouts.empty() ? "none" : other_layouts);

  md += "## Avoidance of the targets on the unlearning tasks\n\n";
  md += "| Agent | Episodes | Avoided | Success | Steps |\n|---|---|---|---|---|\n";
  for (const char* agent : {"before", "after", "reference"}) {
    const auto& figures = results.at(agent).at("target");
    md += fmt::format("| {} | {} | {} | {} | {} |\n", agent, figures.value("episodes", 0),
                      percent(value(figures, "avoidance")), percent(value(figures, "success")),
                      steps(value(figures, "steps")));
  }
  md += "\n## Requests\n\n| Target | Unlearning tasks | Efficacy | Unlearn@1 | Attempts | Entries erased |\n";
  md += "|---|---|---|---|---|---|\n";
  for (const auto& request : results.at("requests")) {
    md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", request.value("target", ""),
                      request.at("unlearning_tasks").size(), request.value("efficacy", false) ? "yes" : "no",
                      request.value("unlearn_at_1", false) ? "yes" : "no", request.value("attempts_used", 0),
                      request.value("entries_erased", 0));
  }
  if (results.contains("heatmaps")) {
    const auto& heatmaps = results.at("heatmaps");
    md += fmt::format("\n## Visitation heatmaps (layout {})\n\n", heatmaps.value("layout", ""));
    for (const char* agent : {"before", "after", "reference"}) {
      md += fmt::format("- {}: ![{}]({})\n", agent, agent, heatmaps.value(agent, ""));
    }
  }
  const auto& usage = results.at("usage");
  md += fmt::format("\nLLM usage: {} calls, {} prompt tokens ({} evaluated), {} cache hits. Wall time {:.1f} s.\n",
                    usage.value("calls", 0), usage.value("prompt_tokens", 0), usage.value("prompt_tokens_evaluated", 0),
                    usage.value("cache_hits", 0), results.value("wall_time_s", 0.0));
  return md;
}

}  // namespace lethe::eval
