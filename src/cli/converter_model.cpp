#include "converter_model.hpp"

#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "micro_agent_model.hpp"

namespace lethe::cli {

std::unique_ptr<llm::Llm> open_converter(const std::string& path, const LlmFlags& agent_flags) {
  if (!std::filesystem::is_regular_file(path)) throw std::runtime_error("converter model '" + path + "' not found");
  llm::Options options;
  options.chat_template = "raw";
  options.threads = agent_flags.options.threads;
  options.use_cache = !agent_flags.no_cache;
  options.cache_path = agent_flags.options.cache_path;
  return llm::open("gguf:" + path, options);
}

OpenConverter open_nl_converter(const std::string& path, const LlmFlags& agent_flags, agent::PromptFormat format) {
  OpenConverter open;
  open.model = open_converter(path, agent_flags);
  unlearn::ConverterOptions options;
  options.format = format;
  open.converter = std::make_unique<unlearn::Converter>(*open.model, options);
  return open;
}

void check_converter_flag(const std::string& given, const std::string& method) {
  if (given.empty()) return;
  if (method != "nl") throw std::runtime_error("--converter is for --method nl, not " + method);
  if (given != "none" && !std::filesystem::is_regular_file(given)) {
    throw std::runtime_error("--converter: no model file '" + given + "'");
  }
}

OpenConverter install_nl_converter(const std::string& given, const LlmFlags& flags,
                                   const std::vector<env::GridLayout>& layouts, eval::ScenarioConfig& config) {
  if (config.method != "nl" || given == "none") return {};
  std::string path = given;
  if (path.empty() && is_micro_agent(flags.spec) && std::filesystem::exists(kConverterModel)) path = kConverterModel;
  if (path.empty()) return {};
  auto open = open_nl_converter(path, flags, config.agent.prompt_format);
  config.converter = open.converter->nl_converter(layouts, config.seed);
  std::cerr << "converter: " << path << "\n";
  return open;
}

}  // namespace lethe::cli
