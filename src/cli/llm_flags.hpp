// The flags every LLM-using subcommand shares (--llm, --chat-template, --cache, ...) and the backend they open.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "lethe/llm/factory.hpp"

namespace lethe::cli {

struct LlmFlags {
  std::string spec;
  llm::Options options;
  bool no_cache = false;
  bool verbose = false;

  // Adds the flags to `command`. With `spec_required`, --llm (or $LETHE_LLM) must be given.
  void add_to(CLI::App& command, bool spec_required = true);
  std::unique_ptr<llm::Llm> open() const;
};

// An optional system message followed by the user's prompt.
std::vector<llm::Message> chat_messages(const std::string& system, const std::string& prompt);

// Prints the backend's accumulated usage to stderr as one JSON line.
void print_usage(const llm::Llm& llm);

}  // namespace lethe::cli
