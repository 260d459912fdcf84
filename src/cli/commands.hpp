// Each subcommand of `lethe` registers itself on the application; the CLI only parses flags and calls the
// library.
#pragma once

#include <CLI/CLI.hpp>

namespace lethe::cli {

void register_generate(CLI::App& app);
void register_choose(CLI::App& app);
void register_demo(CLI::App& app);
void register_train(CLI::App& app);
void register_alu(CLI::App& app);        // lethe alu ask
void register_audit(CLI::App& app);      // lethe audit
void register_converter(CLI::App& app);  // lethe converter collect
void register_bench(CLI::App& app);      // lethe bench <name>, registering the ones below

void register_bench_gridworld(CLI::App& bench);
void register_bench_alu(CLI::App& bench);        // lethe bench alu
void register_bench_alu_scale(CLI::App& bench);  // lethe bench alu-scale

}  // namespace lethe::cli
