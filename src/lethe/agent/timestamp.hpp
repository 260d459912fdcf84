// Wall-clock times in memory entries and erasure receipts: UTC, millisecond precision, ISO-8601 text
// ("2025-01-31T12:34:56.789Z") so that a JSON round trip is exact.
#pragma once

#include <chrono>
#include <string>

namespace lethe::agent {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

Timestamp now_utc();

// "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string to_iso8601(Timestamp time);

// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (fraction truncated to milliseconds). Throws std::invalid_argument.
Timestamp parse_iso8601(const std::string& text);

}  // namespace lethe::agent
