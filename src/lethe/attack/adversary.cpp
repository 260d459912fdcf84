#include "lethe/attack/adversary.hpp"

#include <algorithm>
#include <string>

#include "lethe/attack/error.hpp"
#include "lethe/attack/probe_tasks.hpp"

namespace lethe::attack {

InferenceAdversary::InferenceAdversary(EpisodeRunner shadow, AdversaryOptions options)
    : shadow_(std::move(shadow)), options_(options) {
  if (!shadow_) throw Error("adversary: no shadow agent");
  if (options_.runs < 1) throw Error("adversary: runs must be at least 1, got " + std::to_string(options_.runs));
  if (!(options_.alpha > 0.0 && options_.alpha < 1.0)) {
    throw Error("adversary: alpha must lie in (0, 1), got " + std::to_string(options_.alpha));
  }
}

TraverseCount InferenceAdversary::probe(const ProbeTarget& target, const EpisodeRunner& agent,
                                        int first_episode) const {
  if (!target.event) throw Error("adversary: target '" + target.name + "' has no traversal event");
  if (target.tasks.empty()) return {};
  const auto episodes = agent(repeat_tasks(target.tasks, options_.runs), first_episode);
  return count_events(target.event, episodes);
}

const TraverseCount& InferenceAdversary::shadow_count(const ProbeTarget& target) {
  const auto it = shadow_counts_.find(target.name);
  if (it != shadow_counts_.end()) return it->second;
  return shadow_counts_[target.name] = probe(target, shadow_, options_.shadow_first_episode);
}

Verdict InferenceAdversary::decide(const ProbeTarget& target, const TraverseCount& suspect) {
  Verdict verdict;
  verdict.target = target.name;
  verdict.test = test_less(suspect, shadow_count(target));
  verdict.says_unlearned = verdict.test.p_value < options_.alpha;
  return verdict;
}

Verdict InferenceAdversary::judge(const ProbeTarget& target, const EpisodeRunner& suspect) {
  return decide(target, probe(target, suspect, options_.suspect_first_episode));
}

double AdversaryScore::chance() const {
  if (trials == 0) return 0.0;
  const int positives = true_positives + false_negatives;
  return static_cast<double>(std::max(positives, trials - positives)) / trials;
}

AdversaryScore score(const std::vector<Trial>& trials) {
  AdversaryScore s;
  for (const auto& trial : trials) {
    ++s.trials;
    if (trial.correct()) ++s.correct;
    const bool said = trial.verdict.says_unlearned;
    if (trial.truly_unlearned) {
      ++(said ? s.true_positives : s.false_negatives);
    } else {
      ++(said ? s.false_positives : s.true_negatives);
    }
  }
  return s;
}

nlohmann::json to_json(const Verdict& verdict) {
  return {{"target", verdict.target},
          {"suspect", to_json(verdict.test.audited)},
          {"shadow", to_json(verdict.test.reference)},
          {"p_value", verdict.test.p_value},
          {"says_unlearned", verdict.says_unlearned}};
}

nlohmann::json to_json(const Trial& trial) {
  auto json = to_json(trial.verdict);
  json["label"] = trial.label;
  json["truly_unlearned"] = trial.truly_unlearned;
  json["correct"] = trial.correct();
  return json;
}

nlohmann::json to_json(const AdversaryScore& s) {
  return {{"trials", s.trials},
          {"correct", s.correct},
          {"accuracy", s.accuracy()},
          {"chance", s.chance()},
          {"true_positives", s.true_positives},
          {"false_positives", s.false_positives},
          {"true_negatives", s.true_negatives},
          {"false_negatives", s.false_negatives}};
}

}  // namespace lethe::attack
