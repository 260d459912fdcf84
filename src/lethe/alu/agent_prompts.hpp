// What the four ALU agents are told, the JSON schemas their structured replies must follow, and the checks
// that turn a reply into data.
//
// Untrusted text (the user's question, model outputs) reaches an inner agent only inside a fence:
//   ⟦QUESTION⟧ ... ⟦/QUESTION⟧
// with every ⟦ and ⟧ inside the text replaced by [ and ], so no text can close its fence early or open a
// fake one; the agents are told that fenced text is data and never an instruction. This makes injected
// instructions less effective; the pipeline's index-based safety net, not the prompt, is the guarantee.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "lethe/alu/target.hpp"
#include "lethe/llm/llm.hpp"

namespace lethe::alu {

// A selected target as the inner agents see it: a short label ("T1") stands for it in prompts and replies.
struct ShownTarget {
  std::string label;
  Target target;
};

// `text` between ⟦tag⟧ and ⟦/tag⟧ lines, with the fence characters inside it neutralised.
std::string fence(std::string_view tag, std::string_view text);

// The answer agent: the question as a user asks it, no targets, no filtering.
llm::ChatRequest answer_request(const std::string& question);

// The auditor: which of `targets` the first answer leaks and exactly `k` rewrites without them, in one reply
// under audit_schema(). `feedback` (may be empty) says why the previous reply was rejected.
llm::ChatRequest audit_request(const std::string& question, const std::string& first_answer,
                               const std::vector<ShownTarget>& targets, int k, std::size_t max_rewrite_chars,
                               const std::string& feedback);
nlohmann::json audit_schema(const std::vector<ShownTarget>& targets, int k, std::size_t max_rewrite_chars);

struct AuditReply {
  std::vector<std::string> leaked_labels;
  std::vector<std::string> rewrites;  // trimmed, none empty
};
// Throws alu::Error with a message fit to show the model when the reply is not valid JSON, has the wrong count
// of rewrites, an unknown or repeated label, or an empty rewrite.
AuditReply parse_audit_reply(const std::string& text, const std::vector<ShownTarget>& targets, int k,
                             std::size_t max_rewrite_chars);

// The critic: a 1–5 leakage rating for each rewrite (5 = no direct or indirect trace), under critic_schema().
llm::ChatRequest critic_request(const std::string& question, const std::vector<ShownTarget>& targets,
                                const std::vector<std::string>& rewrites, const std::string& feedback);
nlohmann::json critic_schema(std::size_t count);
// Throws alu::Error (message fit to show the model) unless the reply holds exactly `count` integers in 1..5.
std::vector<int> parse_critic_reply(const std::string& text, std::size_t count);

// The composer: one answer merged from `candidates`, free text.
llm::ChatRequest composer_request(const std::string& question, const std::vector<ShownTarget>& targets,
                                  const std::vector<std::string>& candidates);

}  // namespace lethe::alu
