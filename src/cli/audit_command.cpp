// Placeholder until this command lands.
#include "commands.hpp"

namespace lethe::cli {

void register_audit(CLI::App& app) { (void)app; }

}  // namespace lethe::cli
