// The contract every LLM backend honours: a chat request in, a response out.
// Backends: in-process llama.cpp (gguf:PATH), OpenAI-compatible HTTP (openai:URL#MODEL), and decorators
// (response cache). Nothing outside src/lethe/llm knows which one it talks to.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "lethe/llm/usage.hpp"

namespace lethe::llm {

// Raised at the module boundary with a message a person can act on.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Role { System, User, Assistant };

struct Message {
  Role role = Role::User;
  std::string content;
};

struct Sampling {
  double temperature = 0.0;  // 0 means greedy
  double top_p = 1.0;        // 1 means off
  int top_k = 0;             // 0 means off
  std::uint64_t seed = 0;    // matters only when temperature > 0
  int max_tokens = 256;
};

struct ChatRequest {
  std::vector<Message> messages;
  Sampling sampling;
  std::vector<std::string> stop;              // generation ends before the first occurrence of any of these
  std::string grammar;                        // GBNF; empty means unconstrained
  std::optional<nlohmann::json> json_schema;  // output must be JSON valid under this schema
  // A single-choice call when non-empty: the answer is exactly one of these strings, and the response carries
  // the probability of each.
  std::vector<std::string> choices;
};

enum class FinishReason { Stop, Length, Choice };

struct ChatResponse {
  std::string text;
  FinishReason finish = FinishReason::Stop;
  std::int64_t prompt_tokens = 0;
  std::int64_t prompt_tokens_evaluated = 0;  // prompt tokens actually computed (fewer when a prefix was reused)
  std::int64_t completion_tokens = 0;
  double latency_ms = 0.0;
  // For single-choice calls: probability of each of request.choices, same order, summing to 1. Empty when the
  // backend cannot know them (an HTTP server without logprobs).
  std::vector<double> choice_probs;
  bool from_cache = false;
};

std::string to_string(Role role);
Role role_from_string(const std::string& name);
std::string to_string(FinishReason reason);
FinishReason finish_reason_from_string(const std::string& name);

// Canonical JSON forms, used by the response cache and by results files.
nlohmann::json to_json(const ChatRequest& request);
nlohmann::json to_json(const ChatResponse& response);
ChatResponse response_from_json(const nlohmann::json& json);

class Llm {
 public:
  virtual ~Llm() = default;
  Llm() = default;
  Llm(const Llm&) = delete;
  Llm& operator=(const Llm&) = delete;

  // Thread-safe for the backends in this module. Throws llm::Error.
  ChatResponse complete(const ChatRequest& request);
  // Independent requests, answered in order. Backends that can decode several sequences together (llama.cpp)
  // or keep several requests in flight (HTTP) do so.
  std::vector<ChatResponse> complete_batch(const std::vector<ChatRequest>& requests);

  // Human-readable backend and model, e.g. "gguf:/models/x.gguf" — goes into results files.
  virtual std::string describe() const = 0;
  // What distinguishes this backend's answers from another's (backend kind, model identity, template...).
  // The response cache keys on it.
  virtual std::string identity() const = 0;

  const UsageMeter& usage() const { return usage_; }
  UsageMeter& usage() { return usage_; }

 protected:
  virtual ChatResponse do_complete(const ChatRequest& request) = 0;
  virtual std::vector<ChatResponse> do_complete_batch(const std::vector<ChatRequest>& requests);

 private:
  UsageMeter usage_;
};

}  // namespace lethe::llm
