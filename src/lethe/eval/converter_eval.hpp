// The paper's conversion-model ablations on held-out requests (templates never used for training), per scenario
// (a forgotten state, a forgotten trajectory). A variant is a way to write the unlearning prompt:
//  - a converter (after DPO, or after SFT only) with K candidates;
//  - no converter: the person's request itself is the prompt;
//  - the code, example or hard method (unlearn/methods.hpp), written in the format the agent reads.
// For each request and variant: unlearning efficacy (some attempt of max_attempts succeeded), Unlearn@1 (the first
// did), the attempts used; with the final prompt, the avoidance rate (the unlearning tasks run avoidance_runs
// times each: the share of runs that never touch a target), and success and steps on remaining tasks (goto tasks
// whose route uses no target), next to the unconstrained agent's. Each figure comes with a 95% interval (rates per
// request or per run: Wilson; means over requests: normal).
//
// Efficacy alone cannot tell methods apart on a sampling agent: over five attempts one of them misses a target by
// chance. The avoidance rate of the final prompt, over many runs, can.
//
// Attempts: attempt a installs the variant's prompt (for a converter, candidate ((a - 1) mod K)) plus the
// verifier's feedback on the earlier failed attempts (unlearn::feedback_line), so K candidates are K different
// first tries before feedback repeats them. An attempt succeeds when every target's unlearning tasks run without
// violation (unlearn::Verifier, one attempt each). Every variant sees the same requests, memories, tasks and
// episode seeds.
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
#include "lethe/unlearn/request_generator.hpp"

namespace lethe::eval {

struct ConverterVariant {
  std::string name;               // e.g. "dpo_k3", "sft_k3", "none", "code", "example", "hard"
  llm::Llm* converter = nullptr;  // NL: the converter; null: the raw request is the prompt (k is then 1)
  std::size_t k = 1;
  std::string method = "nl";  // "nl", or "code", "example", "hard": that method's prompt and filter
};

struct ConverterEvalOptions {
  std::size_t requests = 30;  // held-out requests per kind
  std::vector<unlearn::RequestKind> kinds{unlearn::RequestKind::state, unlearn::RequestKind::trajectory};
  std::uint64_t seed = 1;  // the request generator (same seed as collection keeps the split), sampling, tasks
  int max_attempts = 5;
  int avoidance_runs = 4;  // runs of each unlearning task with the final prompt
  unlearn::JudgeOptions judge;
  unlearn::ConverterOptions converter;  // its `format` is replaced by the agent's
  agent::AgentOptions agent;
  std::string note;  // written into the report (e.g. that the agent is a fixture)
};

struct VariantResult {
  std::string name;
  std::string method;
  std::size_t k = 1;
  std::string converter;  // the converter model's description, or "none"
  nlohmann::json overall;                                   // the figures over every request (figures_json)
  nlohmann::json by_kind = nlohmann::json::object();        // the same, per request kind
  nlohmann::json per_request = nlohmann::json::array();
};

struct ConverterEvalResults {
  std::string agent;  // the agent model's description
  nlohmann::json config;
  std::vector<VariantResult> variants;
  std::string note;
  double seconds = 0;

  // {"variants": {"<name>": {"unlearn_efficacy": v, "unlearn_efficacy_ci": [l, h], ..., "by_kind": {...}}}, ...}
  nlohmann::json to_json() const;
  std::string markdown() const;
};

using ConverterEvalProgress = std::function<void(std::size_t done, std::size_t total, const std::string& status)>;

// The first `per_kind` held-out requests of each of `kinds`, in generation order. Throws unlearn::Error when the
// generator does not yield that many.
std::vector<unlearn::GeneratedRequest> held_out_requests(const unlearn::RequestGenerator& generator,
                                                         const std::vector<unlearn::RequestKind>& kinds,
                                                         std::size_t per_kind);

// Throws unlearn::Error for no variants, no requests, no kinds, max_attempts < 1 or avoidance_runs < 1.
ConverterEvalResults evaluate_converters(llm::Llm& agent_model, const std::vector<ConverterVariant>& variants,
                                         const std::vector<env::GridLayout>& layouts,
                                         const ConverterEvalOptions& options,
                                         const ConverterEvalProgress& progress = {});

// Writes <dir>/results.json and <dir>/report.md (directories created).
void write_converter_eval(const ConverterEvalResults& results, const std::filesystem::path& dir);

}  // namespace lethe::eval
