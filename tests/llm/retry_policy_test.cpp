#include "lethe/llm/retry_policy.hpp"

#include <gtest/gtest.h>

namespace lethe::llm {
namespace {

using std::chrono::milliseconds;

RetryPolicy policy(milliseconds base, milliseconds cap, milliseconds retry_after_cap = milliseconds{60'000}) {
  RetryPolicy p;
  p.base_delay = base;
  p.max_delay = cap;
  p.max_retry_after = retry_after_cap;
  return p;
}

TEST(RetryPolicy, CeilingDoublesFromTheBase) {
  const auto p = policy(milliseconds{100}, milliseconds{100'000});
  EXPECT_EQ(backoff_ceiling(p, 0), milliseconds{100});
  EXPECT_EQ(backoff_ceiling(p, 1), milliseconds{200});
  EXPECT_EQ(backoff_ceiling(p, 2), milliseconds{400});
  EXPECT_EQ(backoff_ceiling(p, 5), milliseconds{3200});
}

TEST(RetryPolicy, CeilingIsCappedEvenForHugeRetryNumbers) {
  const auto p = policy(milliseconds{100}, milliseconds{1000});
  EXPECT_EQ(backoff_ceiling(p, 3), milliseconds{800});
  EXPECT_EQ(backoff_ceiling(p, 4), milliseconds{1000});
  EXPECT_EQ(backoff_ceiling(p, 64), milliseconds{1000});
  EXPECT_EQ(backoff_ceiling(p, 1'000'000), milliseconds{1000});
}

TEST(RetryPolicy, BaseAboveTheCapIsCapped) {
  EXPECT_EQ(backoff_ceiling(policy(milliseconds{5000}, milliseconds{1000}), 0), milliseconds{1000});
}

TEST(RetryPolicy, FullJitterSpansZeroToTheCeiling) {
  const auto p = policy(milliseconds{100}, milliseconds{10'000});
  EXPECT_EQ(retry_delay(p, 3, std::nullopt, 0.0), milliseconds{0});
  EXPECT_EQ(retry_delay(p, 3, std::nullopt, 0.5), milliseconds{400});
  EXPECT_EQ(retry_delay(p, 3, std::nullopt, 1.0), milliseconds{800});
  // Out-of-range draws are clamped rather than trusted.
  EXPECT_EQ(retry_delay(p, 3, std::nullopt, 7.0), milliseconds{800});
  EXPECT_EQ(retry_delay(p, 3, std::nullopt, -1.0), milliseconds{0});
}

TEST(RetryPolicy, RandomJitterStaysWithinBoundsAndVaries) {
  const auto p = policy(milliseconds{100}, milliseconds{10'000});
  milliseconds lowest = milliseconds::max();
  milliseconds highest = milliseconds::min();
  for (int i = 0; i < 2000; ++i) {
    const milliseconds d = retry_delay(p, 2, std::nullopt);
    ASSERT_GE(d, milliseconds{0});
    ASSERT_LE(d, milliseconds{400});
    lowest = std::min(lowest, d);
    highest = std::max(highest, d);
  }
  // 2000 uniform draws over [0, 400] land in the outer quarters with overwhelming probability.
  EXPECT_LT(lowest, milliseconds{100});
  EXPECT_GT(highest, milliseconds{300});
}

TEST(RetryPolicy, RetryAfterIsHonouredInsteadOfBackoff) {
  const auto p = policy(milliseconds{100}, milliseconds{1000}, milliseconds{60'000});
  EXPECT_EQ(retry_delay(p, 0, milliseconds{3000}, 0.0), milliseconds{3000});
  EXPECT_EQ(retry_delay(p, 5, milliseconds{0}, 1.0), milliseconds{0});
}

TEST(RetryPolicy, RetryAfterIsCapped) {
  const auto p = policy(milliseconds{100}, milliseconds{1000}, milliseconds{5000});
  EXPECT_EQ(retry_delay(p, 0, milliseconds{3'600'000}, 0.5), milliseconds{5000});
  EXPECT_EQ(retry_delay(p, 0, parse_retry_after("99999999999999999999"), 0.5), milliseconds{5000});
}

TEST(RetryPolicy, ParsesTheSecondsFormOfRetryAfter) {
  EXPECT_EQ(parse_retry_after("0"), milliseconds{0});
  EXPECT_EQ(parse_retry_after("2"), milliseconds{2000});
  EXPECT_EQ(parse_retry_after(" 120\t"), milliseconds{120'000});
}

TEST(RetryPolicy, RejectsOtherRetryAfterForms) {
  EXPECT_EQ(parse_retry_after(""), std::nullopt);
  EXPECT_EQ(parse_retry_after("   "), std::nullopt);
  EXPECT_EQ(parse_retry_after("-5"), std::nullopt);
  EXPECT_EQ(parse_retry_after("1.5"), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon"), std::nullopt);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
}

TEST(RetryPolicy, ClassifiesStatuses) {
  for (long status : {200L, 201L, 204L, 299L}) EXPECT_EQ(classify_status(status), StatusClass::Success) << status;
  for (long status : {408L, 429L, 500L, 502L, 503L, 504L, 599L}) {
    EXPECT_EQ(classify_status(status), StatusClass::Retryable) << status;
  }
  for (long status : {0L, 100L, 301L, 400L, 401L, 403L, 404L, 409L, 422L, 600L}) {
    EXPECT_EQ(classify_status(status), StatusClass::Fatal) << status;
  }
}

}  // namespace
}  // namespace lethe::llm
