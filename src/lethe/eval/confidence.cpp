#include "lethe/eval/confidence.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace lethe::eval {
namespace {

constexpr double kZ95 = 1.959963984540054;

}  // namespace

Estimate wilson_interval(std::size_t successes, std::size_t trials) {
  if (trials == 0) return {0, 0, 1};
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = kZ95 * kZ95;
  const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = kZ95 * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
  return {p, std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

Estimate mean_interval(const std::vector<double>& values, bool rates) {
  if (values.empty()) return {};
  const double n = static_cast<double>(values.size());
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
  if (values.size() < 2) return {mean, mean, mean};
  double squares = 0;
  for (const double v : values) squares += (v - mean) * (v - mean);
  const double half = kZ95 * std::sqrt(squares / (n - 1) / n);
  if (rates) return {mean, std::max(0.0, mean - half), std::min(1.0, mean + half)};
  return {mean, mean - half, mean + half};
}

nlohmann::json to_json(const Estimate& estimate) {
  return {{"value", estimate.value}, {"ci95", {estimate.low, estimate.high}}};
}

}  // namespace lethe::eval
