// Placeholder until this command lands.
#include "commands.hpp"

namespace lethe::cli {

void register_bench_alu_scale(CLI::App& bench) { (void)bench; }

}  // namespace lethe::cli
