#include "lethe/attack/divergence.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "lethe/attack/error.hpp"

namespace lethe::attack {
namespace {

agent::ActionDistribution dist(std::vector<std::string> actions, std::vector<double> probs) {
  return agent::ActionDistribution{std::move(actions), std::move(probs)};
}

TEST(Divergence, IdenticalDistributionsHaveZeroKl) {
  const auto p = dist({"up", "down", "left", "right"}, {0.1, 0.2, 0.3, 0.4});
  EXPECT_DOUBLE_EQ(kl_divergence(p, p), 0.0);
  // Same distribution, actions listed in another order.
  EXPECT_NEAR(kl_divergence(p, dist({"right", "left", "down", "up"}, {0.4, 0.3, 0.2, 0.1})), 0.0, 1e-15);
}

TEST(Divergence, MatchesHandComputation) {
  // KL({.5,.5} || {.25,.75}) = .5 ln 2 + .5 ln(2/3) = 0.1438410362...
  const auto p = dist({"up", "down"}, {0.5, 0.5});
  const auto q = dist({"up", "down"}, {0.25, 0.75});
  EXPECT_NEAR(kl_divergence(p, q), 0.5 * std::log(2.0) + 0.5 * std::log(2.0 / 3.0), 1e-12);
  EXPECT_NEAR(kl_divergence(p, q), 0.1438410362258904, 1e-12);
  // Not symmetric: KL(q || p) = .25 ln .5 + .75 ln 1.5.
  EXPECT_NEAR(kl_divergence(q, p), 0.25 * std::log(0.5) + 0.75 * std::log(1.5), 1e-12);
}

TEST(Divergence, FilteredActionsAreAbsentFromTheUnlearnedSupport) {
  // The hard method removed "down": the unlearned agent puts everything on "up", the reference splits evenly.
  const auto unlearned = dist({"up"}, {1.0});
  const auto reference = dist({"up", "down"}, {0.5, 0.5});
  EXPECT_NEAR(kl_divergence(unlearned, reference), std::log(2.0), 1e-12);
  // The reverse direction would be infinite; the floor keeps it large and finite.
  const double reverse = kl_divergence(reference, unlearned);
  EXPECT_TRUE(std::isfinite(reverse));
  EXPECT_GT(reverse, 9.0);
}

TEST(Divergence, RejectsMalformedDistributions) {
  const auto ok = dist({"up"}, {1.0});
  EXPECT_THROW(kl_divergence(dist({}, {}), ok), Error);
  EXPECT_THROW(kl_divergence(dist({"up", "down"}, {1.0}), ok), Error);
  EXPECT_THROW(kl_divergence(dist({"up", "down"}, {0.7, 0.7}), ok), Error);
  EXPECT_THROW(kl_divergence(ok, dist({"up", "down"}, {1.5, -0.5})), Error);
}

TEST(Divergence, EstimatesFromSamplesWithSmoothing) {
  const auto d = estimate_distribution({"up", "down"}, {"up", "up", "up"}, 0.5);
  ASSERT_EQ(d.probabilities.size(), 2u);
  EXPECT_NEAR(d.probabilities[0], 3.5 / 4.0, 1e-12);
  EXPECT_NEAR(d.probabilities[1], 0.5 / 4.0, 1e-12);
  const auto raw = estimate_distribution({"up", "down"}, {"up", "down", "down", "down"}, 0.0);
  EXPECT_NEAR(raw.probabilities[1], 0.75, 1e-12);
  // Estimates of the same sampling agree exactly, so KL is 0.
  EXPECT_DOUBLE_EQ(kl_divergence(d, estimate_distribution({"up", "down"}, {"up", "up", "up"}, 0.5)), 0.0);
  EXPECT_THROW(estimate_distribution({"up"}, {"left"}), Error);
  EXPECT_THROW(estimate_distribution({}, {}), Error);
  EXPECT_THROW(estimate_distribution({"up"}, {}, 0.0), Error);
  EXPECT_THROW(estimate_distribution({"up"}, {"up"}, -1.0), Error);
}

TEST(Divergence, SummaryGivesMeanMaxAndWhere) {
  std::vector<StateDivergence> states(3);
  states[0].state = {"g", "(0,0)"};
  states[0].kl = 0.1;
  states[0].exact = true;
  states[1].state = {"g", "(1,0)"};
  states[1].kl = 0.5;
  states[1].exact = true;
  states[2].state = {"g", "(2,0)"};
  states[2].kl = 0.0;
  states[2].exact = false;
  const auto s = summarize(states);
  EXPECT_EQ(s.states, 3u);
  EXPECT_NEAR(s.mean, 0.2, 1e-12);
  EXPECT_DOUBLE_EQ(s.max, 0.5);
  EXPECT_NE(s.argmax.find("g:(1,0)"), std::string::npos);
  EXPECT_FALSE(s.exact);
  EXPECT_EQ(summarize({}).states, 0u);
}

}  // namespace
}  // namespace lethe::attack
