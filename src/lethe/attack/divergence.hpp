// Behavioural divergence between an unlearned agent and the never-exposed reference agent: the KL divergence of
// their action distributions at the same probe state (same task, observation and history), the quantity the
// Secure Forgetting paper's Theorem 2 bounds. Distributions are exact when the backend reports the choice
// probabilities (in-process llama.cpp); otherwise they are estimated from sampled actions with additive smoothing.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lethe/agent/grid_agent.hpp"
#include "lethe/env/state_id.hpp"

namespace lethe::attack {

// Probabilities below this are raised to it (then renormalised) when they appear in the denominator, so that an
// action the reference never takes but the unlearned agent does gives a large, finite KL (about 20.7 nats at
// most for a certain action) instead of infinity: results stay valid JSON and comparable.
inline constexpr double kProbabilityFloor = 1e-9;

// KL(p || q) in nats over the union of the two action sets (an action missing from one has probability 0 there).
// Throws Error when a distribution is empty, its sizes disagree, it has negative entries, or it does not sum to 1
// within 1e-6.
double kl_divergence(const agent::ActionDistribution& p, const agent::ActionDistribution& q);

// The distribution over `actions` that `samples` suggest: (count + alpha) / (n + alpha * |actions|). alpha > 0
// (0.5: Jeffreys prior) keeps every action possible. Throws Error for an empty action set, a negative alpha, no
// samples with alpha 0, or a sample not among `actions`.
agent::ActionDistribution estimate_distribution(const std::vector<std::string>& actions,
                                                const std::vector<std::string>& samples, double alpha = 0.5);

struct StateDivergence {
  env::StateId state;
  std::string task_id;  // the probe task (its goal is part of the prompt)
  agent::ActionDistribution unlearned;
  agent::ActionDistribution reference;
  double kl = 0.0;     // KL(unlearned || reference)
  bool exact = false;  // both distributions came from the backend's probabilities
};

struct DivergenceSummary {
  std::size_t states = 0;
  double mean = 0.0;
  double max = 0.0;
  std::string argmax;  // the state (and task) of the largest KL
  bool exact = true;   // every state was exact
};
DivergenceSummary summarize(const std::vector<StateDivergence>& divergences);

nlohmann::json to_json(const agent::ActionDistribution& distribution);
nlohmann::json to_json(const StateDivergence& divergence);
nlohmann::json to_json(const DivergenceSummary& summary);

}  // namespace lethe::attack
