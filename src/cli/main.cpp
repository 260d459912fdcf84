// `lethe`: make LLM agents forget. Parses the command line and hands over to the library; any error becomes one
// line on stderr and exit code 1 (2 for a usage error).
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.hpp"
#include "unknown_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Lethe: make LLM-based agents forget, without touching the model's weights."};
  app.set_version_flag("--version", std::string("lethe ") + LETHE_VERSION);
  app.require_subcommand(1);
  lethe::cli::register_demo(app);
  lethe::cli::register_generate(app);
  lethe::cli::register_choose(app);
  lethe::cli::register_train(app);
  lethe::cli::register_bench(app);
  lethe::cli::register_audit(app);
  lethe::cli::register_alu(app);
  lethe::cli::register_converter(app);
  if (const auto error = lethe::cli::unknown_command(app, {argv + 1, argv + argc})) {
    std::cerr << "lethe: error: " << *error << "\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "lethe: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
