// The committed micro agent model as the GridWorld commands' default agent, with the prompt set-up it was trained
// for. Paths are relative to the repository root, where the README's commands run.
#pragma once

#include <optional>
#include <string>

#include "lethe/agent/grid_agent.hpp"
#include "llm_flags.hpp"

namespace lethe::cli {

inline constexpr const char* kMicroAgentModel = "models/micro-agent.gguf";

// The GridWorld agent's prompts (task, memory digest, constraints, observation) run past the 512-token context of
// small models; unless --context says otherwise every sequence gets room for them.
inline constexpr int kAgentContext = 2048;

// "gguf:models/micro-agent.gguf".
std::string micro_agent_spec();
bool is_micro_agent(const std::string& spec);

// `given` when not empty; else the micro agent model when it is here; else throws, naming both ways to give one.
std::string agent_model_spec(const std::string& given);

// The micro agent's set-up: no chat template (unless one is given), its prompt format, memory digest limits and view
// radius, and
// `temperature` or else 1 (it sees no history: greedy, it repeats the same move in the same place and loops).
void use_micro_agent_prompt(LlmFlags& flags, agent::AgentOptions& agent, std::optional<double> temperature);

}  // namespace lethe::cli
