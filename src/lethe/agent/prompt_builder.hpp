// The GridWorld agent's prompt: one user message in a fixed, line-oriented format (a small model is trained on
// exactly this text, so the format is part of the contract — change it only together with that training data):
//
//   Task: <task description>
//   Memory:
//   - route <task id>: (1,1) right right down -> (3,2)
//   - fact: obstacle at (3,4)
//   - reflection: <text>
//   Constraints:
//   - <constraint line>
//   Observation: pos (2,3); up (2,2): free; down (2,4): obstacle; left (1,3): free; right: wall; ...
//   Recall: treasure (4,1): 2 up, 2 right
//   Actions: up, down, left, right
//   Action:
//
// "Memory:", "Constraints:" and "Recall:" are followed by " none" on the same line when empty; recall items
// (agent/recall.hpp) are joined by "; ". Routes come first, then
// facts, then reflections, each group capped by PromptLimits: routes are the successful trajectories, those of
// the current task first, then the shortest, ties by age; facts are deduplicated, treasures first, then
// obstacles, then walls, memory order within each; reflections are the newest, oldest first.
//
// The parts that change least come first (the observation near the end), so consecutive steps of an episode
// share a long token prefix and the llama.cpp backend reuses its KV cache.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "lethe/agent/memory_entry.hpp"

namespace lethe::agent {

struct PromptLimits {
  std::size_t routes = 3;
  std::size_t facts = 24;
  std::size_t reflections = 3;
};

// What memory knows about one environment, already rendered as prompt lines (without the "- " bullet).
struct MemoryDigest {
  std::vector<std::string> routes;       // "route <task id>: (1,1) right right down -> (3,2)"
  std::vector<std::string> facts;        // "fact: obstacle at (3,4)"
  std::vector<std::string> reflections;  // "reflection: <text>"

  bool empty() const { return routes.empty() && facts.empty() && reflections.empty(); }
};

// Selects and renders the entries of `environment` among `entries` (entries of other environments are ignored).
// Routes are successful trajectory entries; those whose provenance task is `task_id` are preferred.
MemoryDigest digest_memory(const std::vector<MemoryEntry>& entries, const std::string& environment,
                           const std::string& task_id = {}, const PromptLimits& limits = {});

// The line an entry is shown as in the Memory section: a route line (trajectories, successful or not), "fact: ..."
// or "reflection: ...".
std::string memory_line(const MemoryEntry& entry);

// One route line for a trajectory entry: "route <task>: <first state key> <actions...> -> <last state key>".
std::string route_line(const MemoryEntry& trajectory);

struct PromptInputs {
  std::string task;         // the task description
  std::string observation;  // the observation text, verbatim
  MemoryDigest memory;
  std::vector<std::string> constraints;  // active unlearning constraints; may span several lines each
  std::vector<std::string> actions;      // the actions offered to the model
  std::vector<std::string> recall;       // recall_items of the memory at the current step
};

// The prompt text (see the file comment). Deterministic: the same inputs give the same bytes. Multi-line
// constraints keep their inner line breaks, indented by two spaces.
std::string build_prompt(const PromptInputs& inputs);

// How the agent writes its prompt: the text above, for general LLMs, or the compact format of the small models
// trained here (compact_prompt.hpp).
enum class PromptFormat { text, compact };
std::string to_string(PromptFormat format);
// "text" or "compact"; throws std::invalid_argument otherwise.
PromptFormat prompt_format_from_string(const std::string& name);
std::string build_prompt(const PromptInputs& inputs, PromptFormat format);

}  // namespace lethe::agent
