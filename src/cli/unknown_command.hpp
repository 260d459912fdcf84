// Unknown commands, named. Left to CLI11, a word that names no command is reported as "A subcommand is required",
// and with --help the parent's help is printed with exit code 0, so scripts cannot tell that the command is
// missing. The command line is therefore checked before it is parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace lethe::cli {

// The error for the first word of `args` (the arguments after the program name) that stands where a command of
// `app`, or of one of its command groups, is expected and names none, with the closest command by edit distance
// suggested: "unknown command 'bench nosuch'; the closest is 'bench alu' ('lethe bench --help' lists the commands)".
// nullopt when every such word names a command. Options of a group (and their values) are skipped; checking stops
// at the first command without subcommands, whose arguments are its own.
std::optional<std::string> unknown_command(const CLI::App& app, const std::vector<std::string>& args);

}  // namespace lethe::cli
