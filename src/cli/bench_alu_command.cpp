// `lethe bench alu`: the four-agent unlearning pipeline on TOFU, WMDP or WPU under one attack; writes
// DIR/results.json and DIR/report.md.
#include <algorithm>
#include <iostream>
#include <memory>

#include "alu_bench_options.hpp"
#include "commands.hpp"
#include "lethe/attack/question_attack.hpp"
#include "lethe/eval/alu_bench.hpp"
#include "lethe/eval/alu_datasets.hpp"
#include "llm_flags.hpp"
#include "progress_bar.hpp"

namespace lethe::cli {
namespace {

struct BenchAluArgs {
  LlmFlags llm;
  eval::AluBenchConfig config;
  AluBenchIo io;
};

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : "|") + n;
  return out;
}

void check_member(const std::string& flag, const std::string& value, const std::vector<std::string>& known) {
  if (std::find(known.begin(), known.end(), value) == known.end()) {
    throw std::runtime_error("unknown " + flag + " '" + value + "' (expected " + joined(known) + ")");
  }
}

void run_bench_alu(BenchAluArgs& args) {
  // Checked before the model loads, with the exit code of every other error (1).
  check_member("--dataset", args.config.dataset, eval::alu_dataset_names());
  check_member("--attack", args.config.attack, attack::question_attack_names());
  args.config.data_dir = args.io.data_dir;
  auto llm = args.llm.open();
  ProgressBar bar("bench alu " + args.config.dataset + " " + args.config.attack, 0, !args.io.quiet);
  std::size_t shown = 0;
  const auto outcome =
      eval::run_alu_bench(*llm, args.config, [&](std::size_t done, std::size_t total, const std::string& status) {
        bar.set_total(total);
        bar.advance(done - std::min(done, shown), status);
        shown = done;
      });
  bar.finish();
  publish(outcome, args.io, args.llm, *llm);
}

}  // namespace

void register_bench_alu(CLI::App& bench) {
  auto args = std::make_shared<BenchAluArgs>();
  auto* cmd = bench.add_subcommand("alu",
                                   "Knowledge unlearning with the four-agent pipeline on TOFU, WMDP or WPU, "
                                   "under an attack");
  args->llm.add_to(*cmd);
  cmd->add_option("--dataset", args->config.dataset, joined(eval::alu_dataset_names()))->required();
  cmd->add_option("--attack", args->config.attack, joined(attack::question_attack_names()) + " (default none)");
  cmd->add_option("--limit", args->config.limit, "Questions per split (0: all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", args->config.seed, "Seed of the attack draws and the retain sample");
  cmd->add_option("--shots", args->config.manyshot_shots, "Demonstrations prepended by --attack manyshot")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch", args->config.batch_size, "Questions asked together")->check(CLI::PositiveNumber);
  add_pipeline_options(*cmd, args->config.pipeline);
  add_io_options(*cmd, args->io, "The shared data folder (tofu/, wmdp/, wpu/, jailbreak/)");
  cmd->callback([args] { run_bench_alu(*args); });
}

}  // namespace lethe::cli
