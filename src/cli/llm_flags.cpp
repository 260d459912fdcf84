#include "llm_flags.hpp"

#include <iostream>

namespace lethe::cli {

void LlmFlags::add_to(CLI::App& command, bool spec_required) {
  auto* llm = command
                  .add_option("--llm", spec,
                              "Model: gguf:PATH (in-process llama.cpp) or openai:URL#MODEL (any OpenAI-compatible "
                              "server); default $LETHE_LLM")
                  ->envname("LETHE_LLM");
  if (spec_required) llm->required();
  command.add_option("--chat-template", options.chat_template,
                     "Chat template: a built-in name (chatml, llama3, ...), 'raw' (no markup, for base models), "
                     "or a template file; default: the model's own, 'raw' if it has none");
  command
      .add_option("--threads", options.threads,
                  "CPU threads for llama.cpp (0: automatic: 1 for tiny models, else all cores)")
      ->check(CLI::NonNegativeNumber);
  command.add_option("--parallel", options.parallel, "Sequences decoded together in one batch")
      ->check(CLI::Range(1, 256));
  command.add_option("--context", options.context, "Context tokens per sequence (0: from the model, 512..4096)")
      ->check(CLI::NonNegativeNumber);
  command.add_option("--api-key-env", options.api_key_env,
                     "Name of the environment variable that holds the API key of an openai: endpoint");
  command.add_option("--timeout", options.read_timeout_s, "HTTP read timeout in seconds")->check(CLI::PositiveNumber);
  command.add_option("--retries", options.max_retries, "HTTP retries on 429/5xx/connection errors")
      ->check(CLI::NonNegativeNumber);
  command.add_option("--cache", options.cache_path, "Response cache file (default " + llm::default_cache_path() + ")");
  command.add_flag("--no-cache", no_cache, "Do not read or write the response cache");
  command.add_flag("--verbose,-v", verbose, "Print LLM usage (calls, tokens, cache hits, latency) to stderr");
}

std::unique_ptr<llm::Llm> LlmFlags::open() const {
  llm::Options opened = options;
  opened.use_cache = !no_cache;
  return llm::open(spec, opened);
}

std::vector<llm::Message> chat_messages(const std::string& system, const std::string& prompt) {
  std::vector<llm::Message> messages;
  if (!system.empty()) messages.push_back({llm::Role::System, system});
  messages.push_back({llm::Role::User, prompt});
  return messages;
}

void print_usage(const llm::Llm& llm) {
  std::cerr << nlohmann::json{{"llm", llm.describe()}, {"usage", llm.usage().snapshot().to_json()}}.dump() << "\n";
}

}  // namespace lethe::cli
