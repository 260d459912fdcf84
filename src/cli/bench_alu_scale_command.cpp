// `lethe bench alu-scale`: per-query latency, prompt tokens and LLM calls of the four-agent pipeline against the
// number of targets, with the index's figures; writes DIR/results.json and DIR/report.md.
#include <iostream>
#include <memory>

#include "alu_bench_options.hpp"
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
  AluBenchIo io;
};

void run_bench_alu_scale(BenchAluScaleArgs& args) {
  args.config.target_counts = eval::parse_target_counts(args.targets);  // before the model loads
  args.config.data_dir = args.io.data_dir;
  auto llm = args.llm.open();
  ProgressBar bar("bench alu-scale", 0, !args.io.quiet);
  const auto outcome =
      eval::run_alu_scale_bench(*llm, args.config, [&](std::size_t, std::size_t total, const std::string& status) {
        bar.set_total(total);
        bar.advance(1, status);
      });
  bar.finish();
  publish(outcome, args.io, args.llm, *llm);
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
  add_pipeline_options(*cmd, args->config.pipeline);
  add_io_options(*cmd, args->io, "The shared data folder (tofu/, wpu/)");
  cmd->callback([args] { run_bench_alu_scale(*args); });
}

}  // namespace lethe::cli
