// 95% confidence intervals for the figures the benchmarks report: a rate (Wilson's score interval, which stays
// inside [0, 1] and is sound for small samples and rates near 0 or 1) and a mean over independent units (the
// normal approximation, mean +- 1.96 standard errors).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <vector>

namespace lethe::eval {

struct Estimate {
  double value = 0;
  double low = 0;
  double high = 0;
};

// The rate successes / trials with Wilson's interval; 0 trials give {0, 0, 1}.
Estimate wilson_interval(std::size_t successes, std::size_t trials);

// The mean of `values` with the normal-approximation interval; no values give {0, 0, 0}, one value a zero width.
// For values that are themselves rates (`rates`), the interval is cut to [0, 1].
Estimate mean_interval(const std::vector<double>& values, bool rates = false);

// {"value": v, "ci95": [low, high]}
nlohmann::json to_json(const Estimate& estimate);

}  // namespace lethe::eval
