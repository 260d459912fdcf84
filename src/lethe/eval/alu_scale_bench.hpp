// `lethe bench alu-scale`: what a question costs against the number of targets. For each target count N the index
// holds N targets (the TOFU forget10 authors first, then synthetic names), and the same questions — TOFU forget
// questions about one author who is always present, those naming the author first — go through alu::Pipeline one
// at a time. Measured per N:
//   per-query latency, prompt tokens and LLM calls (goal: flat in N, since prompts hold only selected targets);
//   the index: build time, memory (its own estimate and the process's resident growth), select() p50/p99/max over
//   question-and-answer texts;
//   for comparison, the prompt tokens of ALU's published design, which pastes every target into its three inner
//   prompts (audit, critic, composer): an ESTIMATE, our measured prompt tokens plus 3 × N × the mean tokens of one
//   target line, the latter measured with the backend's tokenizer on a sample of names (prompt tokens of a list of
//   names minus those of an empty list), or 4 bytes per token when the backend cannot tell.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "lethe/alu/pipeline.hpp"
#include "lethe/eval/alu_bench.hpp"
#include "lethe/llm/llm.hpp"

namespace lethe::eval {

struct AluScaleConfig {
  std::vector<std::size_t> target_counts = {1, 10, 100, 1000, 10000, 100000, 1000000};
  std::size_t queries = 10;            // pipeline questions per target count
  std::size_t selection_texts = 1000;  // index-only select() calls per target count, for the p99
  std::uint64_t seed = 42;             // synthetic names
  std::filesystem::path data_dir;      // the shared data folder
  alu::PipelineOptions pipeline;
  std::size_t token_sample = 100;  // target names tokenised for the published-design estimate
};

// "1,10,100" → {1, 10, 100}. Throws std::invalid_argument naming the bad item for an empty list, an item that is
// not a positive integer, or a count above 10^7.
std::vector<std::size_t> parse_target_counts(const std::string& list);

// Throws DatasetError for missing data, alu::Error for invalid pipeline options, std::invalid_argument for an empty
// list of counts or zero queries; llm::Error when a pipeline question fails.
AluBenchOutcome run_alu_scale_bench(llm::Llm& llm, const AluScaleConfig& config, const AluBenchProgress& progress = {});

}  // namespace lethe::eval
