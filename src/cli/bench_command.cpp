// `lethe bench <name>`: the benchmarks a user runs to reproduce the papers' tables. Each writes
// DIR/results.json and DIR/report.md.
#include "commands.hpp"

namespace lethe::cli {

void register_bench(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "Run a benchmark; writes results.json and report.md into --out");
  bench->require_subcommand(1);
  register_bench_gridworld(*bench);
  register_bench_alu(*bench);
  register_bench_alu_scale(*bench);
}

}  // namespace lethe::cli
