// Each subcommand of `lethe` registers itself on the application; the CLI only parses flags and calls the
// library.
#pragma once

#include <CLI/CLI.hpp>

namespace lethe::cli {

void register_generate(CLI::App& app);
void register_choose(CLI::App& app);
void register_demo(CLI::App& app);
void register_train(CLI::App& app);

}  // namespace lethe::cli
