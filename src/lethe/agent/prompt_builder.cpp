#include "lethe/agent/prompt_builder.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <utility>

#include "lethe/agent/compact_prompt.hpp"

namespace lethe::agent {
namespace {

void append_bullets(std::string& out, const std::vector<std::string>& lines) {
  for (const auto& line : lines) {
    out += "- ";
    for (char c : line) {
      out += c;
      if (c == '\n') out += "  ";
    }
    out += '\n';
  }
}

std::string single_line(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

}  // namespace

std::string memory_line(const MemoryEntry& entry) {
  switch (entry.kind) {
    case EntryKind::Trajectory:
      return route_line(entry);
    case EntryKind::Fact:
      return "fact: " + single_line(entry.text);
    case EntryKind::Reflection:
      return "reflection: " + single_line(entry.text);
  }
  return {};
}

std::string route_line(const MemoryEntry& trajectory) {
  std::string line = "route " + trajectory.provenance.task + ":";
  if (!trajectory.steps.empty()) line += " " + trajectory.steps.front().state.key;
  for (const auto& step : trajectory.steps) line += " " + step.action;
  if (!trajectory.provenance.visited.empty()) line += " -> " + trajectory.provenance.visited.back().key;
  return line;
}

MemoryDigest digest_memory(const std::vector<MemoryEntry>& entries, const std::string& environment,
                           const std::string& task_id, const PromptLimits& limits) {
  MemoryDigest digest;
  std::vector<const MemoryEntry*> routes;
  std::vector<const MemoryEntry*> reflections;
  std::vector<std::string> facts;
  std::set<std::string> seen_facts;
  for (const auto& entry : entries) {
    if (entry.provenance.environment != environment) continue;
    switch (entry.kind) {
      case EntryKind::Trajectory:
        if (entry.outcome && entry.outcome->success && !entry.steps.empty()) routes.push_back(&entry);
        break;
      case EntryKind::Fact: {
        auto line = memory_line(entry);
        if (seen_facts.insert(line).second) facts.push_back(std::move(line));
        break;
      }
      case EntryKind::Reflection:
        reflections.push_back(&entry);
        break;
    }
  }
  // Treasures matter most, then obstacles, then the rest (walls); memory order within each group.
  const auto rank = [](const std::string& line) {
    if (line.starts_with("fact: treasure")) return 0;
    if (line.starts_with("fact: obstacle")) return 1;
    return 2;
  };
  std::stable_sort(facts.begin(), facts.end(),
                   [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  if (facts.size() > limits.facts) facts.resize(limits.facts);
  digest.facts = std::move(facts);
  // Stable: among equals, the older entry (earlier in memory order) wins.
  std::stable_sort(routes.begin(), routes.end(), [&](const MemoryEntry* a, const MemoryEntry* b) {
    const bool a_task = a->provenance.task == task_id;
    const bool b_task = b->provenance.task == task_id;
    if (a_task != b_task) return a_task;
    return a->steps.size() < b->steps.size();
  });
  std::set<std::string> seen_routes;
  for (const auto* entry : routes) {
    if (digest.routes.size() >= limits.routes) break;
    auto line = route_line(*entry);
    if (seen_routes.insert(line).second) digest.routes.push_back(std::move(line));
  }
  const std::size_t first = reflections.size() > limits.reflections ? reflections.size() - limits.reflections : 0;
  for (std::size_t i = first; i < reflections.size(); ++i) {
    digest.reflections.push_back(memory_line(*reflections[i]));
  }
  return digest;
}

std::string build_prompt(const PromptInputs& inputs) {
  std::string out = "Task: " + single_line(inputs.task) + "\n";
  if (inputs.memory.empty()) {
    out += "Memory: none\n";
  } else {
    out += "Memory:\n";
    append_bullets(out, inputs.memory.routes);
    append_bullets(out, inputs.memory.facts);
    append_bullets(out, inputs.memory.reflections);
  }
  if (inputs.constraints.empty()) {
    out += "Constraints: none\n";
  } else {
    out += "Constraints:\n";
    append_bullets(out, inputs.constraints);
  }
  out += "Observation: " + single_line(inputs.observation) + "\n";
  out += "Recall:";
  for (std::size_t i = 0; i < inputs.recall.size(); ++i) out += (i == 0 ? " " : "; ") + single_line(inputs.recall[i]);
  if (inputs.recall.empty()) out += " none";
  out += "\n";
  out += "Actions:";
  for (std::size_t i = 0; i < inputs.actions.size(); ++i) out += (i == 0 ? " " : ", ") + inputs.actions[i];
  out += "\nAction:";
  return out;
}

std::string to_string(PromptFormat format) { return format == PromptFormat::compact ? "compact" : "text"; }

PromptFormat prompt_format_from_string(const std::string& name) {
  if (name == "text") return PromptFormat::text;
  if (name == "compact") return PromptFormat::compact;
  throw std::invalid_argument("unknown prompt format '" + name + "' (expected text or compact)");
}

std::string build_prompt(const PromptInputs& inputs, PromptFormat format) {
  return format == PromptFormat::compact ? build_compact_prompt(inputs) : build_prompt(inputs);
}

}  // namespace lethe::agent
