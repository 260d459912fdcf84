// The unlearning-inference adversary (Secure Forgetting, section on inference attacks): given an agent and a
// suspected target, it decides "was unlearned" or "never seen". It runs probe tasks whose optimal routes use the
// target, counts how often the agent takes it, and compares with a shadow agent it builds itself from the same
// base model without any memory of the target (a never-exposed agent): a significantly lower rate (one-sided
// Fisher exact test, p < alpha) means the target was conspicuously avoided, i.e. unlearned. Its accuracy on a mix
// of truly unlearned and never-seen targets measures what unlearning leaks; chance level (0.5 on a balanced
// mix) is what good unlearning achieves.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lethe/agent/grid_agent.hpp"
#include "lethe/attack/traverse_inference.hpp"
#include "lethe/env/environment.hpp"

namespace lethe::attack {

// An agent as the adversary sees it: runs tasks and returns the episodes (result i for tasks[i], episode numbers
// first_episode + i, hence distinct sampling seeds).
using EpisodeRunner =
    std::function<std::vector<agent::EpisodeResult>(const std::vector<env::Task>& tasks, int first_episode)>;

struct ProbeTarget {
  std::string name;              // e.g. "house:(3,4)" — also the key of the shadow's cache
  std::vector<env::Task> tasks;  // probe tasks, each run AdversaryOptions::runs times
  TraversalEvent event;          // what counts as taking the target
};

struct AdversaryOptions {
  int runs = 10;       // runs per probe task
  double alpha = 0.05;  // significance level of the decision
  int suspect_first_episode = 1'000'000;
  int shadow_first_episode = 2'000'000;  // the shadow's runs get other seeds than the suspect's
};

struct Verdict {
  std::string target;
  InferenceTest test;  // audited = the suspect, reference = the shadow
  bool says_unlearned = false;
};

class InferenceAdversary {
 public:
  // Throws Error for runs < 1 or alpha outside (0, 1).
  InferenceAdversary(EpisodeRunner shadow, AdversaryOptions options = {});

  // Runs the target's probe tasks with `suspect` and decides.
  Verdict judge(const ProbeTarget& target, const EpisodeRunner& suspect);
  // The decision for a suspect already probed (its count on the target's probe tasks).
  Verdict decide(const ProbeTarget& target, const TraverseCount& suspect);

  // Probes `agent` on `target` (runs each task options.runs times from `first_episode`).
  TraverseCount probe(const ProbeTarget& target, const EpisodeRunner& agent, int first_episode) const;
  // The shadow's count on the target, probed once and remembered by target name.
  const TraverseCount& shadow_count(const ProbeTarget& target);

  const AdversaryOptions& options() const { return options_; }

 private:
  EpisodeRunner shadow_;
  AdversaryOptions options_;
  std::map<std::string, TraverseCount> shadow_counts_;
};

// One decision of the adversary with the truth it was judged against.
struct Trial {
  std::string label;  // e.g. "unlearned agent on house:(3,4)"
  bool truly_unlearned = false;
  Verdict verdict;
  bool correct() const { return verdict.says_unlearned == truly_unlearned; }
};

struct AdversaryScore {
  int trials = 0;
  int correct = 0;
  int true_positives = 0;   // unlearned, said unlearned
  int false_positives = 0;  // never seen, said unlearned
  int true_negatives = 0;
  int false_negatives = 0;
  double accuracy() const { return trials == 0 ? 0.0 : static_cast<double>(correct) / trials; }
  // The accuracy of always giving the majority answer (0.5 on a balanced mix).
  double chance() const;
};
AdversaryScore score(const std::vector<Trial>& trials);

nlohmann::json to_json(const Verdict& verdict);
nlohmann::json to_json(const Trial& trial);
nlohmann::json to_json(const AdversaryScore& score);

}  // namespace lethe::attack
