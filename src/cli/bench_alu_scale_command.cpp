// `lethe bench alu-scale`: per-query latency, prompt tokens and LLM calls of the four-agent pipeline against the
// number of targets, with the index's figures; writes DIR/results.json and DIR/report.md.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "lethe/eval/alu_bench.hpp"
#include "lethe/eval/alu_scale_bench.hpp"
#include "llm_flags.hpp"
#include "progress_bar.hpp"

namespace lethe::cli {
namespace {

struct BenchAluScaleArgs {
  LlmFlags llm;
  eval::AluScaleConfig config;
  std::string targets = "1,10,100,1000,10000,100000,1000000";
  std::string data_dir = "../shared/data";
  std::string out;
  bool quiet = false;
};

void run_bench_alu_scale(BenchAluScaleArgs& args) {
  args.config.target_counts = eval::parse_target_counts(args.targets);  // before the model loads
  args.config.data_dir = args.data_dir;
  auto llm = args.llm.open();
  ProgressBar bar("bench alu-scale", 0, !args.quiet);
  const auto outcome =
      eval::run_alu_scale_bench(*llm, args.config, [&](std::size_t, std::size_t total, const std::string& status) {
        bar.set_total(total);
        bar.advance(1, status);
      });
  bar.finish();
  eval::write_bench_outcome(args.out, outcome.results, outcome.report);
  std::cout << outcome.report;
  std::cout << "wrote " << (std::filesystem::path(args.out) / "results.json").string() << " and report.md\n";
  if (args.llm.verbose) print_usage(*llm);
}

}  // namespace

void register_bench_alu_scale(CLI::App& bench) {
  auto args = std::make_shared<BenchAluScaleArgs>();
  auto* cmd = bench.add_subcommand("alu-scale",
                                   "Cost per question of the four-agent pipeline against the number "
                                   "of targets (goal: flat), with the target index's figures");
  args->llm.add_to(*cmd);
  cmd->add_option("--targets", args->targets, "Comma-separated target counts");
  cmd->add_option("--queries", args->config.queries, "Pipeline questions per target count")->check(CLI::PositiveNumber);
  cmd->add_option("--selection-texts", args->config.selection_texts, "Index-only selections per count (p99)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", args->config.seed, "Seed of the synthetic names");
  cmd->add_option("--k", args->config.pipeline.k, "Rewrites from the audit agent")->check(CLI::PositiveNumber);
  cmd->add_option("--j", args->config.pipeline.j, "Best rewrites merged by the composer")->check(CLI::PositiveNumber);
  cmd->add_option("--answer-tokens", args->config.pipeline.answer_max_tokens, "Token limit of the first answer")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--data", args->data_dir, "The shared data folder (tofu/, wpu/)")->envname("LETHE_DATA");
  cmd->add_option("--out", args->out, "Directory for results.json and report.md")->required();
  cmd->add_flag("--quiet,-q", args->quiet, "No progress bar");
  cmd->callback([args] { run_bench_alu_scale(*args); });
}

}  // namespace lethe::cli
