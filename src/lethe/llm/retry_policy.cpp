#include "lethe/llm/retry_policy.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace lethe::llm {

namespace {

using std::chrono::milliseconds;

// Longer waits than this are meaningless for a client; clamping keeps the arithmetic far from overflow.
constexpr long long kMaxRetryAfterSeconds = 1'000'000'000;

bool is_blank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

StatusClass classify_status(long http_status) {
  if (http_status >= 200 && http_status < 300) return StatusClass::Success;
  if (http_status == 408 || http_status == 429) return StatusClass::Retryable;
  if (http_status >= 500 && http_status < 600) return StatusClass::Retryable;
  return StatusClass::Fatal;
}

milliseconds backoff_ceiling(const RetryPolicy& policy, int retry) {
  const milliseconds cap = std::max(policy.max_delay, milliseconds{0});
  milliseconds ceiling = std::clamp(policy.base_delay, milliseconds{0}, cap);
  // Doubling step by step stops at the cap, so no exponent can overflow.
  for (int i = 0; i < retry && ceiling < cap; ++i) ceiling = std::min(cap, ceiling * 2);
  return ceiling;
}

std::optional<milliseconds> parse_retry_after(std::string_view header_value) {
  while (!header_value.empty() && is_blank(header_value.front())) header_value.remove_prefix(1);
  while (!header_value.empty() && is_blank(header_value.back())) header_value.remove_suffix(1);
  if (header_value.empty()) return std::nullopt;
  long long seconds = 0;
  for (char c : header_value) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = std::min(kMaxRetryAfterSeconds, seconds * 10 + (c - '0'));
  }
  return milliseconds{seconds * 1000};
}

milliseconds retry_delay(const RetryPolicy& policy, int retry, std::optional<milliseconds> retry_after,
                         double unit_random) {
  if (retry_after) {
    return std::clamp(*retry_after, milliseconds{0}, std::max(policy.max_retry_after, milliseconds{0}));
  }
  const double u = std::isfinite(unit_random) ? std::clamp(unit_random, 0.0, 1.0) : 0.0;
  const double ceiling_ms = static_cast<double>(backoff_ceiling(policy, retry).count());
  return milliseconds{std::llround(u * ceiling_ms)};
}

milliseconds retry_delay(const RetryPolicy& policy, int retry, std::optional<milliseconds> retry_after) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  return retry_delay(policy, retry, retry_after, unit(generator));
}

}  // namespace lethe::llm
