// The paper's conversion-model ablations on held-out requests (templates never used for training): for each
// variant — a converter (after DPO, or SFT only) with K candidates, or no converter (the person's request itself is
// the unlearning prompt) — unlearning efficacy (some attempt of max_attempts succeeded), Unlearn@1 (the first
// did), the attempts used, and the success rate on remaining tasks (goto tasks whose route uses no target) with the
// final prompt, next to the unconstrained agent's.
//
// Attempts: attempt a installs candidate ((a - 1) mod K) plus the verifier's feedback on the earlier failed
// attempts (unlearn::feedback_line), so K candidates are K different first tries before feedback repeats them.
// An attempt succeeds when every target's unlearning tasks run without violation (unlearn::Verifier, one
// attempt each). Every variant sees the same requests, memories, tasks and episode seeds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lethe/agent/grid_agent.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/llm/llm.hpp"
#include "lethe/unlearn/converter.hpp"
#include "lethe/unlearn/preference_pairs.hpp"

namespace lethe::eval {

struct ConverterVariant {
  std::string name;               // e.g. "dpo", "sft", "none"
  llm::Llm* converter = nullptr;  // null: the raw request is the prompt (k is then 1)
  std::size_t k = 1;
};

struct ConverterEvalOptions {
  std::size_t requests = 12;  // held-out requests 0 .. requests-1
  std::uint64_t seed = 1;     // the request generator (same seed as collection keeps the split), sampling, tasks
  int max_attempts = 5;
  unlearn::JudgeOptions judge;
  unlearn::ConverterOptions converter;
  agent::AgentOptions agent;
  std::string note;  // written into the report (e.g. that the agent is a fixture)
};

struct VariantResult {
  std::string name;
  std::size_t k = 1;
  std::string converter;  // the converter model's description, or "none"
  std::size_t requests = 0;
  double efficacy = 0;
  double unlearn_at_1 = 0;
  double mean_attempts = 0;       // attempts used (max_attempts when never successful)
  double remaining_success = 0;   // with the final prompt
  double baseline_remaining = 0;  // without any prompt
  double empty_candidates = 0;    // fraction of candidates the converter left empty
  double naming_candidates = 0;   // fraction of candidates that name every target (unlearn::names_targets)
  nlohmann::json per_request = nlohmann::json::array();
};

struct ConverterEvalResults {
  std::string agent;  // the agent model's description
  nlohmann::json config;
  std::vector<VariantResult> variants;
  std::string note;
  double seconds = 0;

  nlohmann::json to_json() const;
  std::string markdown() const;
};

using ConverterEvalProgress = std::function<void(std::size_t done, std::size_t total, const std::string& status)>;

// Throws unlearn::Error for no variants, no requests or max_attempts < 1.
ConverterEvalResults evaluate_converters(llm::Llm& agent_model, const std::vector<ConverterVariant>& variants,
                                         const std::vector<env::GridLayout>& layouts,
                                         const ConverterEvalOptions& options,
                                         const ConverterEvalProgress& progress = {});

// Writes <dir>/results.json and <dir>/report.md (directories created).
void write_converter_eval(const ConverterEvalResults& results, const std::filesystem::path& dir);

}  // namespace lethe::eval
