// What `lethe bench alu` and `lethe bench alu-scale` share: the pipeline's flags, the data and output flags, and
// how a finished run is written and shown.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "lethe/alu/pipeline.hpp"
#include "lethe/eval/alu_bench.hpp"
#include "llm_flags.hpp"

namespace lethe::cli {

struct AluBenchIo {
  std::string data_dir = "../shared/data";
  std::string out;
  bool quiet = false;
};

// --k, --j, --threshold, --answer-tokens.
void add_pipeline_options(CLI::App& command, alu::PipelineOptions& options);
// --data (also $LETHE_DATA), --out (required), --quiet.
void add_io_options(CLI::App& command, AluBenchIo& io, const std::string& data_help);
// Writes DIR/results.json and DIR/report.md, prints the report and where it went, and the usage with --verbose.
void publish(const eval::AluBenchOutcome& outcome, const AluBenchIo& io, const LlmFlags& flags, const llm::Llm& llm);

}  // namespace lethe::cli
