#include "lethe/unlearn/preference_pairs.hpp"

#include <algorithm>

#include "lethe/env/grid_paths.hpp"
#include "lethe/env/grid_world.hpp"
#include "lethe/unlearn/avoidance.hpp"
#include "lethe/unlearn/verifier.hpp"

namespace lethe::unlearn {
namespace {

// Episode numbers of the remaining-task runs (seeds differ from training and from verification episodes); the
// baseline and every candidate use the same ones, so only the prompt differs between them.
constexpr int kRemainingEpisodeBase = 2'000'000;
constexpr std::size_t kMaxViolationLines = 3;

double success_rate(const std::vector<agent::EpisodeResult>& episodes) {
  if (episodes.empty()) return 1.0;
  const auto reached = std::count_if(episodes.begin(), episodes.end(), [](const auto& e) { return e.success; });
  return static_cast<double>(reached) / static_cast<double>(episodes.size());
}

std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

nlohmann::json CandidateOutcome::evidence() const {
  return {{"forgot", forgot},
          {"success", success},
          {"unlearning_success", unlearning_success},
          {"remaining_success", remaining_success},
          {"baseline_remaining_success", baseline_remaining},
          {"violations", violations}};
}

std::vector<env::Task> remaining_tasks(const std::vector<Request>& targets, const env::GridLayout& layout,
                                       std::size_t max_tasks, std::uint64_t seed) {
  std::vector<ForbiddenRun> runs;
  for (const auto& target : targets) {
    if (target.scenario != Scenario::environment) runs.emplace_back(target.states);
  }
  std::vector<env::Cell> free;
  for (int y = 0; y < layout.height(); ++y) {
    for (int x = 0; x < layout.width(); ++x) {
      if (layout.is_free({x, y})) free.push_back({x, y});
    }
  }
  // Every ordered pair of distinct free cells, in a seeded order; keep those whose direct route is allowed.
  std::vector<std::pair<std::uint64_t, std::pair<env::Cell, env::Cell>>> order;
  for (const auto from : free) {
    for (const auto to : free) {
      if (from == to) continue;
      const auto key = mix(seed ^ mix(static_cast<std::uint64_t>(layout.index_of(from)) * 4099 +
                                      static_cast<std::uint64_t>(layout.index_of(to))));
      order.push_back({key, {from, to}});
    }
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<env::Task> tasks;
  for (const auto& [key, cells] : order) {
    if (tasks.size() >= max_tasks) break;
    const auto path = env::shortest_path(layout, cells.first, cells.second);
    if (!path || path->cells.size() < 3) continue;  // too short to tell anything
    std::vector<env::StateId> states;
    for (const auto cell : path->cells) states.push_back(env::state_id(layout, cell));
    const bool crosses = std::any_of(runs.begin(), runs.end(), [&](const ForbiddenRun& run) {
      return run.first_completion(states).has_value() || run.states().front() == states.front();
    });
    if (!crosses) tasks.push_back(env::goto_task(layout, cells.first, cells.second));
  }
  return tasks;
}

std::vector<agent::MemoryEntry> expert_memory(agent::GridAgent& agent, const env::GridLayout& layout,
                                              const std::vector<env::Task>& tasks, int first_episode) {
  std::vector<agent::MemoryEntry> entries;
  int episode = first_episode;
  for (const auto& task : tasks) {
    if (task.kind != "goto") continue;
    const auto from = env::cell_from_json(task.params.at("from"), "task", "from");
    const auto to = env::cell_from_json(task.params.at("to"), "task", "to");
    const auto path = env::shortest_path(layout, from, to);
    if (!path) continue;
    env::GridWorld world(layout);
    agent::EpisodeResult result;
    result.environment = layout.id();
    result.task = task;
    result.episode = episode++;
    const auto first = world.reset(task);
    result.states.push_back(first.state);
    result.observations.push_back(first.text);
    for (const auto move : path->moves) {
      const auto step = world.step(std::string(env::move_name(move)));
      result.actions.emplace_back(env::move_name(move));
      result.rewards.push_back(step.reward);
      result.states.push_back(step.observation.state);
      result.observations.push_back(step.observation.text);
      result.success = step.success;
      if (step.done) break;
    }
    result.steps = static_cast<int>(result.actions.size());
    auto added = agent.entries_for(result, entries);
    entries.insert(entries.end(), added.begin(), added.end());
  }
  return entries;
}

std::vector<CandidateOutcome> CandidateJudge::judge(const std::vector<Request>& targets,
                                                    const env::GridLayout& layout,
                                                    const std::vector<std::string>& candidates) {
  if (targets.empty()) throw Error("nothing to judge: the request has no target");
  for (const auto& target : targets) {
    if (target.environment != layout.id()) {
      throw Error("target " + target.describe() + " is not about layout '" + layout.id() + "'");
    }
    validate(target, layout);
  }
  for (const auto& target : targets) memory_.erase(target.erasure_target());
  const auto remaining = remaining_tasks(targets, layout, options_.remaining_tasks, options_.seed);

  agent_.clear_unlearning();
  const double baseline = success_rate(agent_.run_episodes(layout, remaining, kRemainingEpisodeBase));

  std::vector<CandidateOutcome> outcomes;
  for (const auto& candidate : candidates) {
    CandidateOutcome outcome;
    outcome.candidate = candidate;
    outcome.baseline_remaining = baseline;
    Constraints installed;
    if (!candidate.empty()) installed.prompt_lines.push_back(candidate);
    Verifier verifier(agent_, memory_, VerifierOptions{1, options_.unlearning_tasks});
    outcome.forgot = true;
    std::size_t episodes = 0;
    double reached = 0;
    for (const auto& target : targets) {
      const auto verification = verifier.verify(target, layout, installed);
      outcome.forgot = outcome.forgot && verification.efficacy;
      for (const auto& attempt : verification.attempts) {
        for (const auto& violation : attempt.violations) {
          if (outcome.violations.size() < kMaxViolationLines) outcome.violations.push_back(violation.description);
        }
        for (const auto& episode : attempt.episodes) reached += episode.success ? 1.0 : 0.0;
        episodes += attempt.episodes.size();
      }
    }
    outcome.unlearning_success = episodes == 0 ? 1.0 : reached / static_cast<double>(episodes);
    agent_.set_constraints(installed.prompt_lines);
    outcome.remaining_success = success_rate(agent_.run_episodes(layout, remaining, kRemainingEpisodeBase));
    outcome.success = outcome.forgot && outcome.remaining_success + options_.remaining_tolerance >= baseline;
    outcomes.push_back(std::move(outcome));
  }
  agent_.clear_unlearning();
  return outcomes;
}

std::vector<PreferencePair> preference_pairs(const std::string& prompt, const std::vector<CandidateOutcome>& outcomes,
                                             const std::string& request, const std::string& template_id) {
  std::vector<PreferencePair> pairs;
  for (const auto& good : outcomes) {
    if (!good.success) continue;
    for (const auto& bad : outcomes) {
      if (bad.success) continue;
      pairs.push_back(PreferencePair{prompt, " " + good.candidate, " " + bad.candidate, request, template_id,
                                     good.evidence(), bad.evidence()});
    }
  }
  return pairs;
}

nlohmann::json to_json(const PreferencePair& pair) {
  return {{"prompt", pair.prompt},
          {"chosen", pair.chosen},
          {"rejected", pair.rejected},
          {"request", pair.request},
          {"template", pair.template_id},
          {"chosen_evidence", pair.chosen_evidence},
          {"rejected_evidence", pair.rejected_evidence}};
}

std::string to_jsonl(const std::vector<PreferencePair>& pairs) {
  std::string text;
  for (const auto& pair : pairs) text += to_json(pair).dump() + "\n";
  return text;
}

}  // namespace lethe::unlearn
