#include "micro_agent_model.hpp"

#include <filesystem>
#include <stdexcept>

#include "lethe/eval/micro_agent.hpp"

namespace lethe::cli {

std::string micro_agent_spec() { return std::string("gguf:") + kMicroAgentModel; }

bool is_micro_agent(const std::string& spec) { return spec == micro_agent_spec(); }

std::string agent_model_spec(const std::string& given) {
  if (!given.empty()) return given;
  if (std::filesystem::exists(kMicroAgentModel)) return micro_agent_spec();
  throw std::runtime_error(std::string("no model: pass --llm SPEC or set LETHE_LLM (the default, ") + kMicroAgentModel +
                           ", is not here: run from the repository root)");
}

void use_micro_agent_prompt(LlmFlags& flags, agent::AgentOptions& agent, std::optional<double> temperature) {
  const auto data = eval::default_micro_agent_config().data;
  if (flags.options.chat_template.empty()) flags.options.chat_template = "raw";
  agent.limits = data.limits;
  agent.prompt_format = data.prompt_format;
  agent.world.view_radius = data.view_radius;
  agent.sampling.temperature = temperature.value_or(1.0);
}

}  // namespace lethe::cli
