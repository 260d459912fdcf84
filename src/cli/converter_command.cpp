// Placeholder until this command lands.
#include "commands.hpp"

namespace lethe::cli {

void register_converter(CLI::App& app) { (void)app; }

}  // namespace lethe::cli
