#include "lethe/eval/confidence.hpp"

#include <gtest/gtest.h>

namespace lethe::eval {
namespace {

TEST(Confidence, WilsonIntervalMatchesTheTextbookValues) {
  // 8 of 10: the Wilson 95% interval is [0.490, 0.943] (Newcombe 1998, method 3).
  const auto e = wilson_interval(8, 10);
  EXPECT_DOUBLE_EQ(e.value, 0.8);
  EXPECT_NEAR(e.low, 0.4902, 1e-4);
  EXPECT_NEAR(e.high, 0.9433, 1e-4);
  // All or nothing still gets a width, inside [0, 1].
  EXPECT_NEAR(wilson_interval(30, 30).low, 0.8865, 1e-4);
  EXPECT_NEAR(wilson_interval(30, 30).high, 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(wilson_interval(0, 30).low, 0.0);
  const auto none = wilson_interval(0, 0);
  EXPECT_DOUBLE_EQ(none.low, 0.0);
  EXPECT_DOUBLE_EQ(none.high, 1.0);
}

TEST(Confidence, MeanIntervalIsTheNormalApproximation) {
  const auto e = mean_interval({1, 2, 3, 4, 5});
  EXPECT_DOUBLE_EQ(e.value, 3.0);
  // sd = sqrt(2.5), se = sqrt(0.5): 3 +- 1.96 * 0.7071.
  EXPECT_NEAR(e.low, 3.0 - 1.385904, 1e-5);
  EXPECT_NEAR(e.high, 3.0 + 1.385904, 1e-5);
  EXPECT_DOUBLE_EQ(mean_interval({0.5}).low, 0.5);
  // Rates stay in [0, 1].
  const auto rates = mean_interval({1, 1, 1, 0.5}, true);
  EXPECT_DOUBLE_EQ(rates.high, 1.0);
  EXPECT_GT(mean_interval({1, 1, 1, 0.5}).high, 1.0);
  EXPECT_DOUBLE_EQ(mean_interval({}).value, 0.0);
  EXPECT_EQ(to_json(e)["ci95"].size(), 2u);
}

}  // namespace
}  // namespace lethe::eval
