#include "lethe/llm/usage.hpp"

#include <algorithm>

#include "lethe/llm/llm.hpp"

namespace lethe::llm {

Usage& Usage::operator+=(const Usage& other) {
  calls += other.calls;
  prompt_tokens += other.prompt_tokens;
  prompt_tokens_evaluated += other.prompt_tokens_evaluated;
  completion_tokens += other.completion_tokens;
  cache_hits += other.cache_hits;
  latency_ms_total += other.latency_ms_total;
  latency_ms_max = std::max(latency_ms_max, other.latency_ms_max);
  return *this;
}

nlohmann::json Usage::to_json() const {
  return {{"calls", calls},
          {"prompt_tokens", prompt_tokens},
          {"prompt_tokens_evaluated", prompt_tokens_evaluated},
          {"completion_tokens", completion_tokens},
          {"cache_hits", cache_hits},
          {"cache_misses", calls - cache_hits},
          {"latency_ms_total", latency_ms_total},
          {"latency_ms_mean", calls > 0 ? latency_ms_total / static_cast<double>(calls) : 0.0},
          {"latency_ms_max", latency_ms_max}};
}

void UsageMeter::record(const ChatResponse& response) {
  std::lock_guard lock(mutex_);
  usage_.calls += 1;
  usage_.prompt_tokens += response.prompt_tokens;
  usage_.prompt_tokens_evaluated += response.prompt_tokens_evaluated;
  usage_.completion_tokens += response.completion_tokens;
  usage_.cache_hits += response.from_cache ? 1 : 0;
  usage_.latency_ms_total += response.latency_ms;
  usage_.latency_ms_max = std::max(usage_.latency_ms_max, response.latency_ms);
}

Usage UsageMeter::snapshot() const {
  std::lock_guard lock(mutex_);
  return usage_;
}

void UsageMeter::reset() {
  std::lock_guard lock(mutex_);
  usage_ = Usage{};
}

}  // namespace lethe::llm
