// Inference-time knowledge unlearning with four agents (after ALU, Sanyal & Mandal, arXiv 2502.00406).
//
//   Answer    the model answers the question as usual;
//   (select)  the index finds the targets the question or that answer refers to — none: the answer passes
//             through, one LLM call in all;
//   Audit     one structured call: which selected targets the answer leaks, directly or indirectly, and exactly
//             k rewrites without them;
//   Critic    one structured call: a 1–5 leakage rating per rewrite (5 = no direct or indirect trace);
//   Composer  when the mean rating of the best j rewrites reaches the threshold, one call merges them; else the
//             refusal.
//   (net)     when the index still finds a target in the composed answer, the refusal.
//
// Prompts hold only the selected targets (at most max_targets_in_prompt), so their size does not depend on the
// number of targets in the index. Structured replies are decoded under a JSON schema and checked; a wrong count
// or invalid JSON is retried with a note saying what was wrong, and when retries run out — or a backend call of
// a later stage fails — the user gets the refusal, never an error message. A failure of the answer call itself
// propagates (llm::Error): there is no answer to filter.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lethe/alu/target_index.hpp"
#include "lethe/llm/llm.hpp"

namespace lethe::alu {

struct PipelineOptions {
  int k = 5;               // rewrites from audit & erase
  int j = 3;               // best rewrites merged by the composer (at most k)
  double threshold = 4.0;  // mean critic rating of the best j needed to answer (1..5; 5 = no trace)
  std::string refusal = "I'm sorry, but I can't share information about that.";
  int max_retries = 2;          // structured calls with a wrong count / invalid JSON are retried this many times
  int answer_max_tokens = 256;  // first and composed answers; each rewrite is capped at 4 characters per token
                                // of it (64..2000) and the audit call at about k * (answer_max_tokens + 16) tokens
  std::size_t max_targets_in_prompt = 8;  // selected targets shown to the inner agents
  llm::Sampling sampling{};               // temperature / seed for all calls (max_tokens is set per stage)
};

struct PipelineResult {
  std::string answer;           // what the user sees
  std::string first_answer;     // the answer agent's output
  bool passed_through = false;  // no relevant target in question or first answer: one LLM call, answer as is
  bool refused = false;
  std::vector<Match> selected;                 // targets the index found (question + first answer)
  std::vector<std::string> leaked_target_ids;  // what the auditor said the first answer leaks
  std::vector<std::string> rewrites;           // k rewrites
  std::vector<double> ratings;                 // critic rating per rewrite (1..5)
  int llm_calls = 0;
  std::size_t prompt_tokens = 0, completion_tokens = 0;
  double latency_ms = 0.0;

  // Why the answer is the refusal (empty when it is not): "low_rating", "audit_invalid" / "critic_invalid"
  // (no valid reply within the retries), "llm_error" (a backend call after the answer failed), "empty_answer"
  // (the composer wrote nothing), "safety_net" (the composed answer still refers to a target).
  std::string refusal_reason;
  std::string failure_detail;        // the last validation or backend message behind an *_invalid / llm_error
  int retries = 0;                   // structured calls repeated after an invalid reply
  std::vector<std::size_t> merged;   // indices into rewrites of those given to the composer, best first
  std::string composed;              // the composer's output (kept even when the safety net refused it)
  std::vector<Match> final_matches;  // targets the safety net found in the composed answer
};

nlohmann::json to_json(const PipelineResult& result);

// Throws alu::Error naming the first invalid option: k or j < 1, j > k, threshold outside 1..5, negative
// max_retries, answer_max_tokens or max_targets_in_prompt < 1, an empty refusal.
void validate(const PipelineOptions& options);

class Pipeline {
 public:
  // Keeps references to `llm` and `index`; both must outlive the pipeline. The index may change at any time:
  // each question sees the targets present when it is asked. Throws alu::Error for invalid options (validate).
  Pipeline(llm::Llm& llm, const TargetIndex& index, PipelineOptions options = {});

  const PipelineOptions& options() const { return options_; }

  // Thread-safe: several threads may ask at once (the Llm backend must be thread-safe, as this project's are).
  // Throws alu::Error for an empty question, llm::Error when the answer call fails.
  PipelineResult ask(const std::string& question) const;
  // The same for many questions, one complete_batch per stage (and per retry round). Results in order.
  std::vector<PipelineResult> ask_batch(const std::vector<std::string>& questions) const;

 private:
  llm::Llm& llm_;
  const TargetIndex& index_;
  PipelineOptions options_;
};

}  // namespace lethe::alu
