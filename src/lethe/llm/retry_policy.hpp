// When and how long to wait before retrying a failed HTTP call: exponential backoff with full jitter, honouring a
// server's Retry-After. Pure functions, so the policy is testable without a network.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace lethe::llm {

struct RetryPolicy {
  int max_retries = 5;                                 // retries after the first attempt
  std::chrono::milliseconds base_delay{500};           // ceiling of the first backoff
  std::chrono::milliseconds max_delay{30'000};         // no backoff ceiling grows beyond this
  std::chrono::milliseconds max_retry_after{120'000};  // a server's Retry-After is obeyed up to this
};

enum class StatusClass {
  Success,    // 2xx
  Retryable,  // 408, 429, 5xx: the same request may succeed later
  Fatal,      // everything else: retrying cannot help (bad request, auth, not found, redirects...)
};

StatusClass classify_status(long http_status);

// The upper bound of the wait before retry number `retry` (0 for the first retry):
// min(max_delay, base_delay · 2^retry).
std::chrono::milliseconds backoff_ceiling(const RetryPolicy& policy, int retry);

// Parses the delta-seconds form of a Retry-After header ("120", surrounding blanks allowed). The HTTP-date form and
// anything else give nullopt, and the caller falls back to its own backoff.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view header_value);

// The wait before retry number `retry`: the server's Retry-After when given (capped at max_retry_after), otherwise
// full jitter, `unit_random` · backoff_ceiling, with `unit_random` drawn uniformly from [0, 1] by the caller.
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int retry,
                                      std::optional<std::chrono::milliseconds> retry_after, double unit_random);

// As above with `unit_random` drawn from a per-thread generator. Jitter only spreads retries out; it never affects
// what a model answers, so it needs no seed.
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int retry,
                                      std::optional<std::chrono::milliseconds> retry_after);

}  // namespace lethe::llm
