// Test doubles for agent and unlearning control-flow tests: an LLM whose answers a function scripts, and an
// in-memory Memory store.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "lethe/agent/memory.hpp"
#include "lethe/agent/memory_error.hpp"
#include "lethe/llm/llm.hpp"

namespace lethe::agent::test {

// Answers each request with script(request) (for single-choice calls, one of request.choices; probabilities
// put 0.7 on the pick and share the rest). Records every request.
class ScriptedLlm final : public llm::Llm {
 public:
  using Script = std::function<std::string(const llm::ChatRequest&)>;
  explicit ScriptedLlm(Script script) : script_(std::move(script)) {}

  std::string describe() const override { return "scripted"; }
  std::string identity() const override { return "scripted"; }

  std::vector<llm::ChatRequest> requests;
  std::size_t batch_calls = 0;

 protected:
  llm::ChatResponse do_complete(const llm::ChatRequest& request) override {
    requests.push_back(request);
    llm::ChatResponse response;
    response.text = script_(request);
    if (!request.choices.empty()) {
      response.finish = llm::FinishReason::Choice;
      const double rest = request.choices.size() > 1 ? 0.3 / static_cast<double>(request.choices.size() - 1) : 0.0;
      for (const auto& choice : request.choices) {
        response.choice_probs.push_back(choice == response.text ? (request.choices.size() > 1 ? 0.7 : 1.0) : rest);
      }
    }
    return response;
  }
  std::vector<llm::ChatResponse> do_complete_batch(const std::vector<llm::ChatRequest>& batch) override {
    ++batch_calls;
    std::vector<llm::ChatResponse> out;
    for (const auto& request : batch) out.push_back(do_complete(request));
    return out;
  }

 private:
  Script script_;
};

// The user message of a request (the agent sends exactly one).
inline const std::string& prompt_of(const llm::ChatRequest& request) { return request.messages.back().content; }

class VectorMemory final : public Memory {
 public:
  std::string kind() const override { return "vector"; }

 protected:
  void store(const std::vector<MemoryEntry>& entries) override {
    for (const auto& entry : entries) {
      for (const auto& held : entries_) {
        if (held.id == entry.id) throw MemoryError("duplicate id " + entry.id);
      }
    }
    entries_.insert(entries_.end(), entries.begin(), entries.end());
  }
  std::vector<MemoryEntry> load(const std::optional<std::string>& environment) const override {
    std::vector<MemoryEntry> out;
    for (const auto& entry : entries_) {
      if (!environment || entry.provenance.environment == *environment) out.push_back(entry);
    }
    return out;
  }
  std::size_t count() const override { return entries_.size(); }
  std::vector<RemovedEntry> remove_matching(const ErasureTarget& target) override {
    std::vector<RemovedEntry> removed;
    std::vector<MemoryEntry> kept;
    for (const auto& entry : entries_) {
      if (matches(target, entry)) {
        removed.push_back({entry.id, entry.content_hash()});
      } else {
        kept.push_back(entry);
      }
    }
    entries_ = std::move(kept);
    return removed;
  }

 private:
  std::vector<MemoryEntry> entries_;
};

}  // namespace lethe::agent::test
