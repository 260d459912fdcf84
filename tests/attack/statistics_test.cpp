#include "lethe/attack/statistics.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "lethe/attack/error.hpp"

namespace lethe::attack {
namespace {

TEST(Statistics, LogChooseMatchesSmallCases) {
  EXPECT_NEAR(log_choose(5, 2), std::log(10.0), 1e-12);
  EXPECT_NEAR(log_choose(10, 0), 0.0, 1e-12);
  EXPECT_NEAR(log_choose(52, 5), std::log(2598960.0), 1e-9);
  EXPECT_THROW(log_choose(3, 4), Error);
  EXPECT_THROW(log_choose(3, -1), Error);
}

TEST(Statistics, BinomialMatchesHandComputation) {
  EXPECT_NEAR(binomial_pmf(4, 2, 0.5), 6.0 / 16.0, 1e-12);
  EXPECT_NEAR(binomial_pmf(3, 1, 0.2), 3 * 0.2 * 0.8 * 0.8, 1e-12);
  EXPECT_NEAR(binomial_cdf(4, 1, 0.5), 5.0 / 16.0, 1e-12);
  EXPECT_NEAR(binomial_sf(4, 3, 0.5), 5.0 / 16.0, 1e-12);
  EXPECT_DOUBLE_EQ(binomial_cdf(4, 4, 0.3), 1.0);
  EXPECT_DOUBLE_EQ(binomial_sf(4, 0, 0.3), 1.0);
  EXPECT_DOUBLE_EQ(binomial_pmf(5, 0, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(binomial_pmf(5, 5, 1.0), 1.0);
  EXPECT_THROW(binomial_pmf(4, 2, 1.5), Error);
}

TEST(Statistics, BinomialTestAgainstReferenceRate) {
  EXPECT_NEAR(binomial_test_less(0, 10, 0.5), 1.0 / 1024.0, 1e-12);
  EXPECT_NEAR(binomial_test_less(1, 10, 0.5), 11.0 / 1024.0, 1e-12);
  EXPECT_DOUBLE_EQ(binomial_test_less(10, 10, 0.5), 1.0);
  EXPECT_THROW(binomial_test_less(11, 10, 0.5), Error);
}

TEST(Statistics, FisherExactMatchesHandComputation) {
  // Margins: 4 + 4 runs, 5 hits. The sample's hits can only be 1..4; P(A = 1) = C(4,1) C(4,4) / C(8,5) = 4/56.
  EXPECT_NEAR(fisher_exact_less(1, 4, 4, 4), 4.0 / 56.0, 1e-12);
  // Fisher's tea tasting table (3 of 4 vs 1 of 4): P(A >= 3) = (16 + 1) / 70; two-sided 34 / 70.
  EXPECT_NEAR(fisher_exact_greater(3, 4, 1, 4), 17.0 / 70.0, 1e-12);
  EXPECT_NEAR(fisher_exact_less(3, 4, 1, 4), 69.0 / 70.0, 1e-12);
  EXPECT_NEAR(fisher_exact_two_sided(3, 4, 1, 4), 34.0 / 70.0, 1e-12);
  // Equal tables are the most likely: nothing to see.
  EXPECT_NEAR(fisher_exact_two_sided(2, 4, 2, 4), 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(fisher_exact_less(0, 0, 0, 0), 1.0);
}

TEST(Statistics, FisherExactFlagsAlwaysAvoidingAgainstLargeSamples) {
  // 0 of 100 against 60 of 100: P = C(100,60) / C(200,60), far below 1e-20, yet computed without overflow.
  const double p = fisher_exact_less(0, 100, 60, 100);
  EXPECT_GT(p, 0.0);
  EXPECT_LT(p, 1e-20);
  EXPECT_NEAR(std::log(p), log_choose(100, 60) - log_choose(200, 60), 1e-9);
}

TEST(Statistics, FisherExactRejectsImpossibleTables) {
  EXPECT_THROW(fisher_exact_less(5, 4, 0, 4), Error);
  EXPECT_THROW(fisher_exact_greater(0, 4, -1, 4), Error);
}

}  // namespace
}  // namespace lethe::attack
