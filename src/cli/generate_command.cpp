#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "llm_flags.hpp"

namespace lethe::cli {

namespace {

struct GenerateArgs {
  LlmFlags llm;
  std::string prompt;
  std::string system;
  std::string grammar_file;
  std::string schema_file;
  std::vector<std::string> stop;
  llm::Sampling sampling;
  bool json = false;
};

std::string read_text_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + what + " file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void run_generate(const GenerateArgs& args) {
  llm::ChatRequest request;
  request.messages = chat_messages(args.system, args.prompt);
  request.sampling = args.sampling;
  request.stop = args.stop;
  if (!args.grammar_file.empty()) request.grammar = read_text_file(args.grammar_file, "grammar");
  if (!args.schema_file.empty()) {
    const std::string text = read_text_file(args.schema_file, "JSON schema");
    try {
      request.json_schema = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw std::runtime_error("JSON schema file " + args.schema_file + " is not valid JSON: " + e.what());
    }
  }
  auto model = args.llm.open();
  const auto response = model->complete(request);
  if (args.json) {
    std::cout << llm::to_json(response).dump() << "\n";
  } else {
    std::cout << response.text << "\n";
  }
  if (args.llm.verbose) print_usage(*model);
}

}  // namespace

void register_generate(CLI::App& app) {
  auto args = std::make_shared<GenerateArgs>();
  auto* cmd = app.add_subcommand("generate", "Complete a prompt with a model and print the answer");
  args->llm.add_to(*cmd);
  cmd->add_option("--prompt,-p", args->prompt, "The user message")->required();
  cmd->add_option("--system", args->system, "A system message");
  auto* grammar = cmd->add_option("--grammar", args->grammar_file, "Constrain the output to a GBNF grammar file")
                      ->check(CLI::ExistingFile);
  cmd->add_option("--json-schema", args->schema_file, "Constrain the output to JSON valid under this schema file")
      ->check(CLI::ExistingFile)
      ->excludes(grammar);
  cmd->add_option("--stop", args->stop, "Stop before this string (repeatable)");
  cmd->add_option("--max-tokens,-n", args->sampling.max_tokens, "Maximum tokens to generate")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--temperature,-t", args->sampling.temperature, "Sampling temperature; 0 is greedy")
      ->check(CLI::Range(0.0, 10.0));
  cmd->add_option("--top-p", args->sampling.top_p, "Nucleus sampling mass (1: off)")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--top-k", args->sampling.top_k, "Keep the k most likely tokens (0: off)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", args->sampling.seed, "Sampling seed (used when temperature > 0)");
  cmd->add_flag("--json", args->json, "Print the whole response (text, finish reason, tokens, latency) as JSON");
  cmd->callback([args] { run_generate(*args); });
}

}  // namespace lethe::cli
