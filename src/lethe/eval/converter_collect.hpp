// One round of preference-data collection for the conversion model (the paper's DPO loop): for each generated
// training request, the converter samples K candidate unlearning prompts; each is installed in a fresh agent whose
// memory holds the request's routes, and judged (unlearn::CandidateJudge); the m·n (success, failure) pairs are
// written as JSONL for `lethe train dpo`. A round with the DPO-trained converter collects the next round's data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lethe/env/grid_layout.hpp"
#include "lethe/llm/llm.hpp"
#include "lethe/unlearn/converter.hpp"
#include "lethe/unlearn/preference_pairs.hpp"

namespace lethe::eval {

struct CollectOptions {
  std::size_t requests = 8;  // training-split requests 0 .. requests-1
  std::size_t k = 3;         // candidates per request
  std::uint64_t seed = 1;    // request generator, candidate sampling, remaining tasks
  unlearn::JudgeOptions judge;
  unlearn::ConverterOptions converter;  // its `candidates` is replaced by k, its `format` by the agent's
  agent::AgentOptions agent;
};

struct CollectSummary {
  std::size_t requests = 0;
  std::size_t candidates = 0;
  std::size_t successful_candidates = 0;
  std::size_t naming_candidates = 0;  // candidates that name every target (unlearn::names_targets)
  std::size_t requests_with_pairs = 0;
  std::size_t pairs = 0;
  nlohmann::json to_json() const;
};

// Called after each request with the number done and the summary so far.
using CollectProgress = std::function<void(std::size_t done, const CollectSummary& so_far)>;

// Writes the pairs to `out` (replaced atomically at the end: an interrupted run leaves any earlier file intact).
// Throws unlearn::Error for bad options (no requests, k = 0, no layouts).
CollectSummary collect_preference_pairs(llm::Llm& agent_model, llm::Llm& converter_model,
                                        const std::vector<env::GridLayout>& layouts, const CollectOptions& options,
                                        const std::filesystem::path& out, const CollectProgress& progress = {});

}  // namespace lethe::eval
