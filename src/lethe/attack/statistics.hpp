// Exact tests for "does the audited agent take the target less often than a never-exposed one?", computed in log
// space with lgamma so that they stay accurate for hundreds of runs.
#pragma once

namespace lethe::attack {

// log(n choose k); requires 0 <= k <= n (Error otherwise).
double log_choose(int n, int k);

// P(X = k), P(X <= k) and P(X >= k) for X ~ Binomial(n, p); p in [0, 1], n >= 0. k outside [0, n] is allowed
// (probabilities 0 or 1 accordingly).
double binomial_pmf(int n, int k, double p);
double binomial_cdf(int n, int k, double p);
double binomial_sf(int n, int k, double p);

// One-sided exact binomial test: the probability, if the true rate were `reference_rate`, of seeing `successes`
// or fewer in `trials` (the alternative is a lower rate).
double binomial_test_less(int successes, int trials, double reference_rate);

// One-sided Fisher exact test on the 2x2 table
//            hit      miss
//   sample   a        n1 - a
//   reference b       n2 - b
// p-value of the alternative "the sample's rate is lower than the reference's": P(A <= a) under the
// hypergeometric distribution with the margins fixed. `greater` is the mirror alternative, P(A >= a).
// Requires 0 <= a <= n1 and 0 <= b <= n2 (Error otherwise). An empty table gives 1.
double fisher_exact_less(int a, int n1, int b, int n2);
double fisher_exact_greater(int a, int n1, int b, int n2);
// Two-sided: the sum of the probabilities of all tables no more likely than the observed one.
double fisher_exact_two_sided(int a, int n1, int b, int n2);

}  // namespace lethe::attack
