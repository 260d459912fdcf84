// Usage accounting: what a run cost, aggregated over every call, written into every results file.
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>

namespace lethe::llm {

struct ChatResponse;

struct Usage {
  std::int64_t calls = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t prompt_tokens_evaluated = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t cache_hits = 0;
  double latency_ms_total = 0.0;
  double latency_ms_max = 0.0;

  Usage& operator+=(const Usage& other);
  nlohmann::json to_json() const;
};

// Thread-safe accumulator of Usage.
class UsageMeter {
 public:
  void record(const ChatResponse& response);
  Usage snapshot() const;
  void reset();

 private:
  mutable std::mutex mutex_;
  Usage usage_;
};

}  // namespace lethe::llm
