#include "lethe/attack/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "lethe/attack/error.hpp"

namespace lethe::attack {

namespace {

void require_count(int k, int n, const char* what) {
  if (n < 0 || k < 0 || k > n) {
    throw Error(std::string(what) + ": need 0 <= " + std::to_string(k) + " <= " + std::to_string(n));
  }
}

void require_rate(double p) {
  if (!(p >= 0.0 && p <= 1.0)) throw Error("binomial: rate " + std::to_string(p) + " is not in [0, 1]");
}

// Hypergeometric law of the sample's hits A given the table margins.
struct Hypergeometric {
  int n1;     // sample size
  int n2;     // reference size
  int total;  // hits in both rows
  int lo() const { return std::max(0, total - n2); }
  int hi() const { return std::min(n1, total); }
  double log_pmf(int a) const {
    return log_choose(n1, a) + log_choose(n2, total - a) - log_choose(n1 + n2, total);
  }
  double pmf(int a) const { return std::exp(log_pmf(a)); }
};

Hypergeometric table(int a, int n1, int b, int n2) {
  require_count(a, n1, "fisher exact test");
  require_count(b, n2, "fisher exact test");
  return Hypergeometric{n1, n2, a + b};
}

double clamp_probability(double p) { return std::clamp(p, 0.0, 1.0); }

}  // namespace

double log_choose(int n, int k) {
  require_count(k, n, "log_choose");
  return std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0);
}

double binomial_pmf(int n, int k, double p) {
  require_rate(p);
  if (n < 0) throw Error("binomial: negative number of trials");
  if (k < 0 || k > n) return 0.0;
  if (p == 0.0) return k == 0 ? 1.0 : 0.0;
  if (p == 1.0) return k == n ? 1.0 : 0.0;
  return std::exp(log_choose(n, k) + k * std::log(p) + (n - k) * std::log1p(-p));
}

double binomial_cdf(int n, int k, double p) {
  require_rate(p);
  if (n < 0) throw Error("binomial: negative number of trials");
  if (k < 0) return 0.0;
  if (k >= n) return 1.0;
  double sum = 0.0;
  for (int i = 0; i <= k; ++i) sum += binomial_pmf(n, i, p);
  return clamp_probability(sum);
}

double binomial_sf(int n, int k, double p) {
  require_rate(p);
  if (n < 0) throw Error("binomial: negative number of trials");
  if (k <= 0) return 1.0;
  if (k > n) return 0.0;
  double sum = 0.0;
  for (int i = k; i <= n; ++i) sum += binomial_pmf(n, i, p);
  return clamp_probability(sum);
}

double binomial_test_less(int successes, int trials, double reference_rate) {
  require_count(successes, trials, "binomial test");
  return binomial_cdf(trials, successes, reference_rate);
}

double fisher_exact_less(int a, int n1, int b, int n2) {
  const auto law = table(a, n1, b, n2);
  double sum = 0.0;
  for (int i = law.lo(); i <= a; ++i) sum += law.pmf(i);
  return clamp_probability(sum);
}

double fisher_exact_greater(int a, int n1, int b, int n2) {
  const auto law = table(a, n1, b, n2);
  double sum = 0.0;
  for (int i = a; i <= law.hi(); ++i) sum += law.pmf(i);
  return clamp_probability(sum);
}

double fisher_exact_two_sided(int a, int n1, int b, int n2) {
  const auto law = table(a, n1, b, n2);
  // Relative tolerance as in the usual implementations, so that tables exactly as likely count despite rounding.
  const double observed = law.log_pmf(a);
  double sum = 0.0;
  for (int i = law.lo(); i <= law.hi(); ++i) {
    const double lp = law.log_pmf(i);
    if (lp <= observed + 1e-7) sum += std::exp(lp);
  }
  return clamp_probability(sum);
}

}  // namespace lethe::attack
