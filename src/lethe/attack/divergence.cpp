#include "lethe/attack/divergence.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "lethe/attack/error.hpp"

namespace lethe::attack {

namespace {

std::map<std::string, double> checked(const agent::ActionDistribution& d, const char* which) {
  if (d.actions.empty()) throw Error(std::string("KL divergence: distribution ") + which + " is empty");
  if (d.actions.size() != d.probabilities.size()) {
    throw Error(std::string("KL divergence: distribution ") + which + " has " + std::to_string(d.actions.size()) +
                " actions but " + std::to_string(d.probabilities.size()) + " probabilities");
  }
  std::map<std::string, double> out;
  double sum = 0.0;
  for (std::size_t i = 0; i < d.actions.size(); ++i) {
    const double p = d.probabilities[i];
    if (!(p >= 0.0) || !std::isfinite(p)) {
      throw Error(std::string("KL divergence: distribution ") + which + " gives '" + d.actions[i] +
                  "' the invalid probability " + std::to_string(p));
    }
    out[d.actions[i]] += p;
    sum += p;
  }
  if (std::abs(sum - 1.0) > 1e-6) {
    throw Error(std::string("KL divergence: distribution ") + which + " sums to " + std::to_string(sum) +
                ", not 1");
  }
  return out;
}

}  // namespace

double kl_divergence(const agent::ActionDistribution& p, const agent::ActionDistribution& q) {
  const auto pm = checked(p, "p");
  auto qm = checked(q, "q");
  for (const auto& [action, prob] : pm) qm.try_emplace(action, 0.0);
  double mass = 0.0;
  for (auto& [action, prob] : qm) {
    prob = std::max(prob, kProbabilityFloor);
    mass += prob;
  }
  double kl = 0.0;
  for (const auto& [action, prob] : pm) {
    if (prob <= 0.0) continue;
    kl += prob * std::log(prob / (qm.at(action) / mass));
  }
  return std::max(kl, 0.0);
}

agent::ActionDistribution estimate_distribution(const std::vector<std::string>& actions,
                                                const std::vector<std::string>& samples, double alpha) {
  if (actions.empty()) throw Error("distribution estimate: no actions");
  if (!(alpha >= 0.0)) throw Error("distribution estimate: smoothing must not be negative");
  if (samples.empty() && alpha == 0.0) throw Error("distribution estimate: no samples and no smoothing");
  std::vector<double> counts(actions.size(), 0.0);
  for (const auto& sample : samples) {
    const auto it = std::find(actions.begin(), actions.end(), sample);
    if (it == actions.end()) throw Error("distribution estimate: sampled action '" + sample + "' is not offered");
    counts[static_cast<std::size_t>(it - actions.begin())] += 1.0;
  }
  const double total = static_cast<double>(samples.size()) + alpha * static_cast<double>(actions.size());
  agent::ActionDistribution out;
  out.actions = actions;
  for (const double c : counts) out.probabilities.push_back((c + alpha) / total);
  return out;
}

DivergenceSummary summarize(const std::vector<StateDivergence>& divergences) {
  DivergenceSummary s;
  double sum = 0.0;
  for (const auto& d : divergences) {
    ++s.states;
    sum += d.kl;
    if (s.states == 1 || d.kl > s.max) {
      s.max = d.kl;
      s.argmax = d.state.str() + " (" + d.task_id + ")";
    }
    s.exact = s.exact && d.exact;
  }
  if (s.states > 0) s.mean = sum / static_cast<double>(s.states);
  return s;
}

nlohmann::json to_json(const agent::ActionDistribution& distribution) {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t i = 0; i < distribution.actions.size() && i < distribution.probabilities.size(); ++i) {
    out[distribution.actions[i]] = distribution.probabilities[i];
  }
  return out;
}

nlohmann::json to_json(const StateDivergence& d) {
  return {{"state", d.state.str()},
          {"task", d.task_id},
          {"kl", d.kl},
          {"exact", d.exact},
          {"unlearned", to_json(d.unlearned)},
          {"reference", to_json(d.reference)}};
}

nlohmann::json to_json(const DivergenceSummary& s) {
  return {{"states", s.states}, {"mean", s.mean}, {"max", s.max}, {"argmax", s.argmax}, {"exact", s.exact}};
}

}  // namespace lethe::attack
