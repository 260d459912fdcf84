#include "lethe/eval/gridworld_bench.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <fstream>
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

std::string format_number(const nlohmann::json& value, const char* format) {
  if (!value.is_number()) return "–";
  return fmt::format(fmt::runtime(format), value.get<double>());
}

}  // namespace

GridworldMetrics compute_metrics(const std::vector<unlearn::Request>& requests,
                                 const std::vector<RequestOutcome>& outcomes,
                                 const std::vector<agent::EpisodeResult>& before_target,
                                 const std::vector<agent::EpisodeResult>& before_other,
                                 const std::vector<agent::EpisodeResult>& after_target,
                                 const std::vector<agent::EpisodeResult>& after_other,
                                 const std::vector<agent::EpisodeResult>& reference_target,
                                 const std::vector<agent::EpisodeResult>& reference_other) {
  GridworldMetrics metrics;
  metrics.unlearn_efficacy = fraction(outcomes, &RequestOutcome::efficacy);
  metrics.unlearn_at_1 = fraction(outcomes, &RequestOutcome::unlearn_at_1);
  metrics.before_target = figures(requests, before_target);
  metrics.before_other = figures(requests, before_other);
  metrics.after_target = figures(requests, after_target);
  metrics.after_other = figures(requests, after_other);
  metrics.reference_target = figures(requests, reference_target);
  metrics.reference_other = figures(requests, reference_other);
  metrics.success_before = metrics.before_other.success;
  metrics.success_after = metrics.after_other.success;
  metrics.steps_before = metrics.before_target.steps;
  metrics.steps_after_target = metrics.after_target.steps;
  metrics.steps_after_other = metrics.after_other.steps;
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
  const auto& other_tasks = scenario.remaining_tasks;
  std::vector<env::Task> tasks = target_tasks;
  tasks.insert(tasks.end(), other_tasks.begin(), other_tasks.end());
  const auto split = [&](std::vector<agent::EpisodeResult> all) {
    std::vector<agent::EpisodeResult> target(all.begin(),
                                             all.begin() + static_cast<std::ptrdiff_t>(target_tasks.size()));
    std::vector<agent::EpisodeResult> other(all.begin() + static_cast<std::ptrdiff_t>(target_tasks.size()), all.end());
    return std::pair{std::move(target), std::move(other)};
  };
  const auto report = [&](const std::string& stage, std::size_t done, std::size_t total) {
    if (progress) progress(Progress{stage, done, total});
  };
  report("evaluate", 0, 3);
  auto [before_target, before_other] =
      split(run_tasks(*scenario.before_agent, scenario.layouts, tasks, kEvaluationEpisodeBase));
  report("evaluate", 1, 3);
  auto [after_target, after_other] = split(run_tasks(*scenario.agent, scenario.layouts, tasks, kEvaluationEpisodeBase));
  report("evaluate", 2, 3);
  auto [reference_target, reference_other] =
      split(run_tasks(scenario.reference->agent(), scenario.layouts, tasks, kEvaluationEpisodeBase));
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
  result.metrics = compute_metrics(scenario.requests, outcomes, before_target, before_other, after_target, after_other,
                                   reference_target, reference_other);
  const auto& m = result.metrics;

  // Heatmaps of the first target's layout.
  const auto& heat_layout = scenario.layout(scenario.requests.front().environment);
  const auto outlined = target_cells(scenario, heat_layout);
  const std::vector<std::pair<std::string, std::vector<agent::EpisodeResult>>> runs{
      {"before", before_target}, {"after", after_target}, {"reference", reference_target}};
  const std::vector<std::pair<std::string, const std::vector<agent::EpisodeResult>*>> others{
      {"before", &before_other}, {"after", &after_other}, {"reference", &reference_other}};
  nlohmann::json heatmaps = nlohmann::json::object();
  for (std::size_t k = 0; k < runs.size(); ++k) {
    auto episodes = runs[k].second;
    episodes.insert(episodes.end(), others[k].second->begin(), others[k].second->end());
    const auto counts = visit_counts(heat_layout, episodes);
    const auto title = fmt::format("{} — {} ({} unlearning, method {})", heat_layout.id(), runs[k].first,
                                   unlearn::to_string(config.scenario), config.method);
    const auto path = out_dir / ("heatmap_" + runs[k].first + ".svg");
    write_text_file(path, heatmap_svg(heat_layout, counts, outlined, HeatmapOptions{title}));
    result.heatmaps.push_back(path);
    heatmaps[runs[k].first] = path.filename().string();
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
  for (const auto& layout : scenario.layouts) {
    layouts.push_back({{"id", layout.id()},
                       {"width", layout.width()},
                       {"height", layout.height()},
                       {"hash", fmt::format("{:016x}", env::layout_hash(layout))}});
  }
  nlohmann::json remaining = nlohmann::json::array();
  for (const auto& task : other_tasks) remaining.push_back(task.id);
  result.results = {{"benchmark", "gridworld"},
                    {"llm", {{"spec", llm_spec}, {"describe", llm.describe()}, {"identity", llm.identity()}}},
                    {"config", to_json(scenario.config)},
                    {"layouts", layouts},
                    {"unlearn_efficacy", number_or_null(m.unlearn_efficacy)},
                    {"unlearn_at_1", number_or_null(m.unlearn_at_1)},
                    {"success_before", number_or_null(m.success_before)},
                    {"success_after", number_or_null(m.success_after)},
                    {"steps_before", number_or_null(m.steps_before)},
                    {"steps_after_target", number_or_null(m.steps_after_target)},
                    {"steps_after_other", number_or_null(m.steps_after_other)},
                    {"before", {{"target", m.before_target.to_json()}, {"other", m.before_other.to_json()}}},
                    {"after", {{"target", m.after_target.to_json()}, {"other", m.after_other.to_json()}}},
                    {"reference",
                     {{"target", m.reference_target.to_json()},
                      {"other", m.reference_other.to_json()},
                      {"success", number_or_null(m.reference_other.success)},
                      {"steps_target", number_or_null(m.reference_target.steps)},
                      {"steps_other", number_or_null(m.reference_other.steps)},
                      {"learning_episodes", scenario.reference_report.learned.episodes.size()},
                      {"excluded_tasks", scenario.reference_report.excluded.size()},
                      {"memory_entries", scenario.reference_memory->size()}}},
                    {"requests", requests},
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
      "(target) on the unlearning tasks, whose direct route crosses a target.\n\n";

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
