#include "lethe/eval/audit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "lethe/attack/probe_tasks.hpp"
#include "lethe/attack/statistics.hpp"
#include "lethe/env/grid_world.hpp"
#include "lethe/eval/heatmap_svg.hpp"
#include "lethe/eval/kl_map_svg.hpp"
#include "lethe/unlearn/avoidance.hpp"

namespace lethe::eval {

namespace {

// Episode numbers (hence sampling seeds) of the audit's runs, far above those used while learning. The agents
// before, after and never exposed run each probe with the same numbers (common random numbers: their
// differences come from what they know, not from the draw); the shadow and the exploration use other ranges.
constexpr int kProbeEpisodes = 1'000'000;
constexpr int kProbeStridePerTarget = 50'000;
constexpr int kShadowEpisodes = 4'000'000;
constexpr int kExplorationEpisodes = 6'000'000;
constexpr int kPointEpisodes = 8'000'000;

struct Agents {
  agent::GridAgent& pre;
  agent::GridAgent& unlearned;
  agent::GridAgent& unseen;
};

attack::EpisodeRunner runner_for(agent::GridAgent& agent, const std::vector<env::GridLayout>& layouts) {
  return [&agent, &layouts](const std::vector<env::Task>& tasks, int first_episode) {
    return run_tasks(agent, layouts, tasks, first_episode);
  };
}

attack::ProbeTarget probe_target(const unlearn::Request& request, const env::GridLayout& layout,
                                 const AuditConfig& config, std::size_t index) {
  attack::ProbeTarget target;
  target.name = request.describe();
  if (request.scenario == unlearn::Scenario::environment) {
    auto tasks = attack::exploration_tasks(layout, config.pairs, config.scenario.seed + 7919 * (index + 1));
    if (tasks.size() > config.pairs) tasks.resize(config.pairs);
    target.tasks = std::move(tasks);
    target.event = attack::solves_optimally(layout);
  } else {
    unlearn::ForbiddenRun run(request.states);
    target.tasks = attack::probe_tasks(layout, run, config.pairs);
    target.event = attack::traverses(std::move(run));
  }
  return target;
}

std::vector<env::Cell> target_cells(const unlearn::Request& request, const env::GridLayout& layout) {
  std::vector<env::Cell> cells;
  for (const auto& state : request.states) cells.push_back(env::cell_from_state_id(layout, state));
  return cells;
}

double pooled_rate(const attack::ReconstructionScore& a, int* cells, int* correct) {
  *cells += a.cells;
  *correct += a.correct;
  return a.rate();
}

llm::Usage usage_between(const llm::Usage& before, const llm::Usage& after) {
  llm::Usage u = after;
  u.calls -= before.calls;
  u.prompt_tokens -= before.prompt_tokens;
  u.prompt_tokens_evaluated -= before.prompt_tokens_evaluated;
  u.completion_tokens -= before.completion_tokens;
  u.cache_hits -= before.cache_hits;
  u.latency_ms_total -= before.latency_ms_total;
  return u;
}

agent::ActionDistribution normalised(agent::ActionDistribution d) {
  const double sum = std::accumulate(d.probabilities.begin(), d.probabilities.end(), 0.0);
  if (sum > 0.0) {
    for (auto& p : d.probabilities) p /= sum;
  }
  return d;
}

// The agent's action distribution at a probe point: the first step of the point's task. Exact when the backend
// reports probabilities, else estimated from `samples` first actions under distinct seeds. nullopt when the agent
// is offered no action there.
std::optional<agent::ActionDistribution> distribution_at(agent::GridAgent& agent, const env::GridLayout& layout,
                                                         const env::Task& task, int samples, int episode,
                                                         bool* exact) {
  const env::GridWorldOptions one_step{agent.options().world.view_radius, 1};
  env::GridWorld world(layout, one_step);
  const auto first = agent.run_episode(world, task, episode);
  if (first.distributions.empty() || first.actions.empty()) return std::nullopt;
  const auto& offered = first.distributions.front();
  if (!offered.probabilities.empty()) {
    *exact = true;
    return normalised(offered);
  }
  std::vector<std::string> sampled{first.actions.front()};
  for (int s = 1; s < samples; ++s) {
    env::GridWorld again(layout, one_step);
    const auto r = agent.run_episode(again, task, episode + s);
    if (!r.actions.empty()) sampled.push_back(r.actions.front());
  }
  *exact = false;
  return attack::estimate_distribution(offered.actions, sampled);
}

std::string percent(double rate) { return fmt::format("{:.0f}%", 100.0 * rate); }

std::string p_text(double p) { return p < 1e-4 ? fmt::format("{:.1e}", p) : fmt::format("{:.4f}", p); }

std::string count_text(const attack::TraverseCount& c) {
  return c.runs == 0 ? "–" : fmt::format("{:.2f} ({}/{})", c.rate(), c.traversed, c.runs);
}

std::string scenario_noun(unlearn::Scenario scenario, std::size_t n) {
  switch (scenario) {
    case unlearn::Scenario::state:
      return n == 1 ? "state" : "states";
    case unlearn::Scenario::trajectory:
      return n == 1 ? "trajectory" : "trajectories";
    case unlearn::Scenario::environment:
      break;
  }
  return n == 1 ? "environment" : "environments";
}

}  // namespace

void validate(const AuditConfig& config) {
  validate(config.scenario);
  if (config.scenario.method == "none") throw Error("audit: field 'method': choose nl, code, example or hard");
  if (config.pairs < 1) throw Error("audit: field 'pairs': must be at least 1");
  if (config.runs < 1) throw Error("audit: field 'runs': must be at least 1, got " + std::to_string(config.runs));
  if (!(config.alpha > 0.0 && config.alpha < 1.0)) throw Error("audit: field 'alpha': must lie in (0, 1)");
  if (config.kl_samples < 1) throw Error("audit: field 'kl_samples': must be at least 1");
}

nlohmann::json to_json(const AuditConfig& config) {
  auto json = to_json(config.scenario);
  json["pairs"] = config.pairs;
  json["runs"] = config.runs;
  json["alpha"] = config.alpha;
  json["exploration"] = config.exploration;
  json["kl_points"] = config.kl_points;
  json["kl_samples"] = config.kl_samples;
  json["temperature"] = config.scenario.agent.sampling.temperature;
  return json;
}

AuditResults run_audit(const AuditConfig& config, llm::Llm& llm, const ProgressCallback& progress) {
  validate(config);
  const auto started = std::chrono::steady_clock::now();
  const auto usage_before = llm.usage().snapshot();
  const auto report = [&](const std::string& stage, std::size_t done, std::size_t total) {
    if (progress) progress(Progress{stage, done, total});
  };

  auto prepared = prepare_scenario(config.scenario, llm, progress);
  Agents agents{*prepared.before_agent, *prepared.agent, prepared.reference->agent()};
  const auto& layouts = prepared.layouts;

  AuditResults results;
  results.config = config;
  results.llm = llm.describe();
  results.requests = prepared.requests;
  for (const auto& request : prepared.requests) {
    const auto& layout = prepared.layout(request.environment);
    if (std::none_of(results.layouts.begin(), results.layouts.end(),
                     [&](const env::GridLayout& l) { return l.id() == layout.id(); })) {
      results.layouts.push_back(layout);
    }
  }

  // 1. Inference.
  attack::AdversaryOptions adversary_options;
  adversary_options.runs = config.runs;
  adversary_options.alpha = config.alpha;
  adversary_options.shadow_first_episode = kShadowEpisodes;
  attack::InferenceAdversary adversary(runner_for(agents.unseen, layouts), adversary_options);
  std::vector<attack::ProbeTarget> probes;
  const std::size_t n = prepared.requests.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& request = prepared.requests[i];
    const auto& layout = prepared.layout(request.environment);
    const auto target = probe_target(request, layout, config, i);
    probes.push_back(target);
    const int first = kProbeEpisodes + static_cast<int>(i) * kProbeStridePerTarget;
    TargetAudit audit;
    audit.target = target.name;
    audit.environment = request.environment;
    audit.probe_tasks = target.tasks;
    report("probe", 4 * i, 4 * n);
    audit.counts.pre = adversary.probe(target, runner_for(agents.pre, layouts), first);
    report("probe", 4 * i + 1, 4 * n);
    audit.counts.unlearned = adversary.probe(target, runner_for(agents.unlearned, layouts), first);
    report("probe", 4 * i + 2, 4 * n);
    audit.counts.unseen = adversary.probe(target, runner_for(agents.unseen, layouts), first);
    report("probe", 4 * i + 3, 4 * n);
    audit.shadow = adversary.shadow_count(target);
    const auto& c = audit.counts;
    audit.p_unlearned_vs_unseen =
        attack::fisher_exact_less(c.unlearned.traversed, c.unlearned.runs, c.unseen.traversed, c.unseen.runs);
    audit.p_unlearned_vs_pre =
        attack::fisher_exact_less(c.unlearned.traversed, c.unlearned.runs, c.pre.traversed, c.pre.runs);
    audit.p_pre_vs_unseen = attack::fisher_exact_greater(c.pre.traversed, c.pre.runs, c.unseen.traversed, c.unseen.runs);
    results.trials.push_back({"unlearned agent, " + target.name, true, adversary.decide(target, c.unlearned)});
    results.trials.push_back({"never-exposed agent, " + target.name, false, adversary.decide(target, c.unseen)});
    results.pooled.pre += c.pre;
    results.pooled.unlearned += c.unlearned;
    results.pooled.unseen += c.unseen;
    results.targets.push_back(std::move(audit));
  }
  report("probe", 4 * n, 4 * n);
  const auto& pooled = results.pooled;
  results.p_unlearned_vs_unseen = attack::fisher_exact_less(pooled.unlearned.traversed, pooled.unlearned.runs,
                                                            pooled.unseen.traversed, pooled.unseen.runs);
  results.p_unlearned_vs_pre = attack::fisher_exact_less(pooled.unlearned.traversed, pooled.unlearned.runs,
                                                         pooled.pre.traversed, pooled.pre.runs);
  results.adversary = attack::score(results.trials);

  // 2. Reconstruction.
  int cells = 0;
  int correct_pre = 0;
  int correct_unlearned = 0;
  int correct_unseen = 0;
  const std::size_t m = results.layouts.size();
  for (std::size_t i = 0; i < m; ++i) {
    const auto& layout = results.layouts[i];
    const auto tasks = attack::repeat_tasks(
        attack::exploration_tasks(layout, config.exploration, config.scenario.seed + 104729 * (i + 1)), config.runs);
    const int first = kExplorationEpisodes + static_cast<int>(i) * kProbeStridePerTarget;
    LayoutReconstruction rec;
    rec.environment = layout.id();
    const auto map_of = [&](agent::GridAgent& agent) {
      return attack::reconstruct(layout.id(), layout.width(), layout.height(), run_tasks(agent, layouts, tasks, first));
    };
    report("reconstruct", 3 * i, 3 * m);
    rec.pre = attack::score(map_of(agents.pre), layout);
    report("reconstruct", 3 * i + 1, 3 * m);
    const auto unlearned_map = map_of(agents.unlearned);
    rec.unlearned = attack::score(unlearned_map, layout);
    rec.unlearned_map = unlearned_map.render_ascii();
    report("reconstruct", 3 * i + 2, 3 * m);
    rec.unseen = attack::score(map_of(agents.unseen), layout);
    int ignored = 0;
    pooled_rate(rec.pre, &cells, &correct_pre);
    pooled_rate(rec.unlearned, &ignored, &correct_unlearned);
    pooled_rate(rec.unseen, &ignored, &correct_unseen);
    results.reconstruction.push_back(std::move(rec));
  }
  report("reconstruct", 3 * m, 3 * m);
  if (cells > 0) {
    results.reconstruction_pre = static_cast<double>(correct_pre) / cells;
    results.reconstruction_unlearned = static_cast<double>(correct_unlearned) / cells;
    results.reconstruction_unseen = static_cast<double>(correct_unseen) / cells;
  }

  // 3. Divergence.
  std::vector<std::pair<const env::GridLayout*, attack::ProbePoint>> points;
  std::set<std::string> seen_points;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& layout = prepared.layout(prepared.requests[i].environment);
    for (auto& point : attack::probe_points(layout, probes[i].tasks, config.kl_points)) {
      if (seen_points.insert(point.task.id).second) points.emplace_back(&layout, std::move(point));
    }
  }
  for (std::size_t k = 0; k < points.size(); ++k) {
    report("divergence", k, points.size());
    const auto& [layout, point] = points[k];
    const int episode = kPointEpisodes + static_cast<int>(k) * std::max(config.kl_samples, 1);
    bool exact_unlearned = false;
    bool exact_reference = false;
    const auto unlearned =
        distribution_at(agents.unlearned, *layout, point.task, config.kl_samples, episode, &exact_unlearned);
    const auto reference =
        distribution_at(agents.unseen, *layout, point.task, config.kl_samples, episode, &exact_reference);
    if (!unlearned || !reference) {
      ++results.kl_skipped;
      continue;
    }
    attack::StateDivergence d;
    d.state = env::state_id(*layout, point.cell);
    d.task_id = point.task.id;
    d.unlearned = *unlearned;
    d.reference = *reference;
    d.kl = attack::kl_divergence(*unlearned, *reference);
    d.exact = exact_unlearned && exact_reference;
    results.divergences.push_back(std::move(d));
  }
  report("divergence", points.size(), points.size());
  results.divergence = attack::summarize(results.divergences);

  results.usage = usage_between(usage_before, llm.usage().snapshot());
  results.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return results;
}

nlohmann::json to_json(const AuditResults& r) {
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& t : r.targets) {
    nlohmann::json tasks = nlohmann::json::array();
    for (const auto& task : t.probe_tasks) tasks.push_back(task.id);
    targets.push_back({{"target", t.target},
                       {"environment", t.environment},
                       {"probe_tasks", tasks},
                       {"traverse_prob",
                        {{"pre", t.counts.pre.rate()},
                         {"unlearned", t.counts.unlearned.rate()},
                         {"unseen", t.counts.unseen.rate()}}},
                       {"counts",
                        {{"pre", attack::to_json(t.counts.pre)},
                         {"unlearned", attack::to_json(t.counts.unlearned)},
                         {"unseen", attack::to_json(t.counts.unseen)},
                         {"shadow", attack::to_json(t.shadow)}}},
                       {"p_values",
                        {{"unlearned_vs_unseen", t.p_unlearned_vs_unseen},
                         {"unlearned_vs_pre", t.p_unlearned_vs_pre},
                         {"pre_vs_unseen", t.p_pre_vs_unseen}}}});
  }
  nlohmann::json trials = nlohmann::json::array();
  for (const auto& trial : r.trials) trials.push_back(attack::to_json(trial));
  nlohmann::json reconstruction = nlohmann::json::array();
  for (const auto& rec : r.reconstruction) {
    reconstruction.push_back({{"environment", rec.environment},
                              {"pre", attack::to_json(rec.pre)},
                              {"unlearned", attack::to_json(rec.unlearned)},
                              {"unseen", attack::to_json(rec.unseen)},
                              {"unlearned_map", rec.unlearned_map}});
  }
  nlohmann::json states = nlohmann::json::array();
  for (const auto& d : r.divergences) states.push_back(attack::to_json(d));
  nlohmann::json requests = nlohmann::json::array();
  for (const auto& request : r.requests) requests.push_back(unlearn::to_json(request));
  return {{"command", "audit"},
          {"config", to_json(r.config)},
          {"llm", r.llm},
          {"requests", requests},
          {"traverse_prob",
           {{"pre", r.pooled.pre.rate()}, {"unlearned", r.pooled.unlearned.rate()}, {"unseen", r.pooled.unseen.rate()}}},
          {"traverse_counts",
           {{"pre", attack::to_json(r.pooled.pre)},
            {"unlearned", attack::to_json(r.pooled.unlearned)},
            {"unseen", attack::to_json(r.pooled.unseen)}}},
          {"p_values", {{"unlearned_vs_unseen", r.p_unlearned_vs_unseen}, {"unlearned_vs_pre", r.p_unlearned_vs_pre}}},
          {"adversary_accuracy", r.adversary.accuracy()},
          {"adversary", attack::to_json(r.adversary)},
          {"trials", trials},
          {"targets", targets},
          {"reconstruction_rate",
           {{"pre", r.reconstruction_pre}, {"unlearned", r.reconstruction_unlearned}, {"unseen", r.reconstruction_unseen}}},
          {"reconstruction", reconstruction},
          {"kl_mean", r.divergence.mean},
          {"kl_max", r.divergence.max},
          {"kl", {{"summary", attack::to_json(r.divergence)}, {"skipped", r.kl_skipped}, {"states", states}}},
          {"usage", r.usage.to_json()},
          {"wall_time_s", r.wall_time_s}};
}

std::string audit_kl_map_svg(const AuditResults& r) {
  std::vector<KlPanel> panels;
  for (const auto& layout : r.layouts) {
    KlPanel panel{layout, {}, {}};
    std::map<env::Cell, std::pair<double, int>> sums;
    for (const auto& d : r.divergences) {
      if (d.state.environment != layout.id()) continue;
      auto& [sum, count] = sums[env::cell_from_state_id(layout, d.state)];
      sum += d.kl;
      ++count;
    }
    for (const auto& [cell, sc] : sums) panel.kl[cell] = sc.first / sc.second;
    for (const auto& request : r.requests) {
      if (request.environment != layout.id()) continue;
      for (const auto& cell : target_cells(request, layout)) panel.targets.push_back(cell);
    }
    panels.push_back(std::move(panel));
  }
  if (panels.empty()) throw Error("audit: no layout to draw the KL map on");
  return kl_map_svg(panels, fmt::format("Behavioural divergence, method {} ({} scenario)", r.config.scenario.method,
                                        unlearn::to_string(r.config.scenario.scenario)));
}

std::string audit_summary(const AuditResults& r) {
  const auto scenario = r.config.scenario.scenario;
  const auto& p = r.pooled;
  std::string targets;
  for (std::size_t i = 0; i < r.requests.size(); ++i) {
    if (i > 0) targets += i + 1 == r.requests.size() ? " and " : ", ";
    targets += r.requests[i].describe();
  }
  const std::string event = scenario == unlearn::Scenario::environment ? "solved its probe tasks optimally"
                                                                        : "took the forgotten target";
  std::string out = fmt::format(
      "Audit of the {} unlearning method on {} forgotten {} ({}) with {}. On {} probe runs per agent, the agent {} "
      "in {} of runs before unlearning, {} after unlearning and {} when it had never been exposed (one-sided Fisher "
      "p = {} that the unlearned agent does so less than a never-exposed one). ",
      r.config.scenario.method, r.requests.size(), scenario_noun(scenario, r.requests.size()), targets, r.llm,
      p.unlearned.runs, event, percent(p.pre.rate()), percent(p.unlearned.rate()), percent(p.unseen.rate()),
      p_text(r.p_unlearned_vs_unseen));
  const double accuracy = r.adversary.accuracy();
  const double chance = r.adversary.chance();
  std::string verdict;
  if (r.adversary.trials == 0) {
    verdict = "no inference trial could be run";
  } else if (accuracy <= chance + 1e-9) {
    verdict = "no better than chance, so this attack cannot tell the forgotten target from one never seen";
  } else if (r.adversary.true_positives > 0 && r.adversary.false_positives == 0) {
    verdict = "above chance: the unlearning is detectable, because the agent avoids what it forgot more than an "
              "agent that never knew it";
  } else {
    verdict = "above chance, so the unlearning leaves a detectable trace";
  }
  out += fmt::format("An inference adversary deciding \"unlearned\" versus \"never seen\" at alpha = {} was right "
                     "in {} of {} trials ({} accuracy against {} chance): {}. ",
                     r.config.alpha, r.adversary.correct, r.adversary.trials, percent(accuracy), percent(chance),
                     verdict);
  out += fmt::format(
      "From exploration trajectories alone an observer reconstructs {} of the layout from the agent before "
      "unlearning, {} after and {} from a never-exposed agent. ",
      percent(r.reconstruction_pre), percent(r.reconstruction_unlearned), percent(r.reconstruction_unseen));
  if (r.divergence.states == 0) {
    out += "No probe state could be compared for behavioural divergence.";
  } else {
    out += fmt::format(
        "At {} probe states the unlearned agent's action distributions diverge from the never-exposed agent's by "
        "a mean KL of {:.4f} nats (max {:.4f} at {}; {}); 0 would mean indistinguishable behaviour.",
        r.divergence.states, r.divergence.mean, r.divergence.max, r.divergence.argmax,
        r.divergence.exact ? "exact, from the model's probabilities" : "estimated from sampled actions");
  }
  return out;
}

std::string audit_report_markdown(const AuditResults& r) {
  std::string md = "# Unlearning audit\n\n";
  md += fmt::format("- LLM: `{}`\n- Scenario: {}, method: {}, targets: {}\n- Probe pairs per target: {}, runs "
                    "per pair: {}, alpha: {}, seed: {}, temperature: {}\n- Wall time: {:.1f} s, LLM calls: {}\n\n",
                    r.llm, unlearn::to_string(r.config.scenario.scenario), r.config.scenario.method,
                    r.requests.size(), r.config.pairs, r.config.runs, r.config.alpha, r.config.scenario.seed,
                    r.config.scenario.agent.sampling.temperature, r.wall_time_s, r.usage.calls);
  md += audit_summary(r) + "\n\n";

  md += "## Table 1: traverse probability on probe tasks\n\n";
  md += "| Target | Probe tasks | Before unlearning | Unlearned | Never exposed | p (unlearned < never exposed) | p "
        "(unlearned < before) |\n|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& t : r.targets) {
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", t.target, t.probe_tasks.size(),
                      count_text(t.counts.pre), count_text(t.counts.unlearned), count_text(t.counts.unseen),
                      p_text(t.p_unlearned_vs_unseen), p_text(t.p_unlearned_vs_pre));
  }
  md += fmt::format("| **all** | | {} | {} | {} | {} | {} |\n\n", count_text(r.pooled.pre),
                    count_text(r.pooled.unlearned), count_text(r.pooled.unseen), p_text(r.p_unlearned_vs_unseen),
                    p_text(r.p_unlearned_vs_pre));

  md += "## Table 2: inference adversary (unlearned vs never seen)\n\n";
  md += "| Trials | Accuracy | Chance | True pos. | False pos. | True neg. | False neg. |\n"
        "|---:|---:|---:|---:|---:|---:|---:|\n";
  md += fmt::format("| {} | {:.2f} | {:.2f} | {} | {} | {} | {} |\n\n", r.adversary.trials, r.adversary.accuracy(),
                    r.adversary.chance(), r.adversary.true_positives, r.adversary.false_positives,
                    r.adversary.true_negatives, r.adversary.false_negatives);
  md += "| Trial | Suspect | Shadow | p | Says unlearned | Correct |\n|---|---:|---:|---:|---|---|\n";
  for (const auto& trial : r.trials) {
    md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", trial.label, count_text(trial.verdict.test.audited),
                      count_text(trial.verdict.test.reference), p_text(trial.verdict.test.p_value),
                      trial.verdict.says_unlearned ? "yes" : "no", trial.correct() ? "yes" : "no");
  }
  md += "\n## Table 3: environment reconstruction rate\n\n";
  md += "| Environment | Before unlearning | Unlearned | Never exposed |\n|---|---:|---:|---:|\n";
  for (const auto& rec : r.reconstruction) {
    md += fmt::format("| {} | {:.2f} | {:.2f} | {:.2f} |\n", rec.environment, rec.pre.rate(), rec.unlearned.rate(),
                      rec.unseen.rate());
  }
  md += fmt::format("| **all** | {:.2f} | {:.2f} | {:.2f} |\n\n", r.reconstruction_pre, r.reconstruction_unlearned,
                    r.reconstruction_unseen);
  for (const auto& rec : r.reconstruction) {
    md += fmt::format("What the unlearned agent's trajectories reveal of `{}` ('#' obstacle, 'T' treasure, '.' free, "
                      "'?' unknown):\n\n```\n{}```\n\n",
                      rec.environment, rec.unlearned_map);
  }
  md += "## Table 4: behavioural divergence KL(unlearned || never exposed)\n\n";
  md += "| Probe states | Mean KL (nats) | Max KL (nats) | Where | Exact | Skipped |\n|---:|---:|---:|---|---|---:|\n";
  md += fmt::format("| {} | {:.4f} | {:.4f} | {} | {} | {} |\n\n", r.divergence.states, r.divergence.mean,
                    r.divergence.max, r.divergence.argmax.empty() ? "–" : r.divergence.argmax,
                    r.divergence.exact ? "yes" : "sampled", r.kl_skipped);
  md += "![KL map](kl_map.svg)\n";
  return md;
}

void write_audit(const AuditResults& results, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("audit: cannot create output directory '" + dir.string() + "': " + ec.message());
  write_text_file(dir / "results.json", to_json(results).dump(2) + "\n");
  write_text_file(dir / "report.md", audit_report_markdown(results));
  write_text_file(dir / "kl_map.svg", audit_kl_map_svg(results));
}

}  // namespace lethe::eval
