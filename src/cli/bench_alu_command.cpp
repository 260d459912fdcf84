// Placeholder until this command lands.
#include "commands.hpp"

namespace lethe::cli {

void register_bench_alu(CLI::App& bench) { (void)bench; }

}  // namespace lethe::cli
