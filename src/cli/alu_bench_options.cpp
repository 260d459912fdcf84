#include "alu_bench_options.hpp"

#include <filesystem>
#include <iostream>

namespace lethe::cli {

void add_pipeline_options(CLI::App& command, alu::PipelineOptions& options) {
  command.add_option("--k", options.k, "Rewrites from the audit agent")->check(CLI::PositiveNumber);
  command.add_option("--j", options.j, "Best rewrites merged by the composer")->check(CLI::PositiveNumber);
  command.add_option("--threshold", options.threshold, "Mean critic rating needed to answer (1..5)");
  command.add_option("--answer-tokens", options.answer_max_tokens, "Token limit of the first answer")
      ->check(CLI::PositiveNumber);
}

void add_io_options(CLI::App& command, AluBenchIo& io, const std::string& data_help) {
  command.add_option("--data", io.data_dir, data_help)->envname("LETHE_DATA");
  command.add_option("--out", io.out, "Directory for results.json and report.md")->required();
  command.add_flag("--quiet,-q", io.quiet, "No progress bar");
}

void publish(const eval::AluBenchOutcome& outcome, const AluBenchIo& io, const LlmFlags& flags, const llm::Llm& llm) {
  eval::write_bench_outcome(io.out, outcome.results, outcome.report);
  std::cout << outcome.report;
  std::cout << "wrote " << (std::filesystem::path(io.out) / "results.json").string() << " and report.md\n";
  if (flags.verbose) print_usage(llm);
}

}  // namespace lethe::cli
