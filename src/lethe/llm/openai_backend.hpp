// The OpenAI-compatible HTTP backend (spec `openai:URL#MODEL`): llama-server, vLLM, Ollama, hosted APIs.
//
// Endpoint rule: trailing slashes of URL are dropped; then a URL ending in /chat/completions is used as is, a URL
// ending in /v1 gets /chat/completions appended, and any other URL gets /v1/chat/completions appended. So
// http://127.0.0.1:8080, http://127.0.0.1:8080/ and http://127.0.0.1:8080/v1 all POST to
// http://127.0.0.1:8080/v1/chat/completions.
//
// Per attempt: connect_timeout_s to connect; once connected, read_timeout_s is the longest the server may stay
// silent (no byte received; checked about once a second), and an attempt as a whole is capped at
// connect_timeout_s + 2 · read_timeout_s, so a server that stalls or trickles cannot hang the caller. Transient
// failures (HTTP 408, 429, 5xx, connection errors, timeouts, truncated or malformed response bodies) are retried
// up to RetryPolicy::max_retries times with exponential backoff and full jitter, or after the server's
// Retry-After; other HTTP errors fail at once with the server's own message. At most Options::max_in_flight
// requests are in flight at once across all threads (a retry waits for its backoff without holding a slot).
// The API key, read once from the variable options.api_key_env names, goes only into the Authorization header.
//
// Constraints: `grammar` is sent as llama-server's `grammar` field, `json_schema` as an OpenAI `response_format`
// of type json_schema (strict). A single-choice call becomes a GBNF alternation of the choices (choice_grammar in
// json_schema.hpp), asking for the top 20 log-probabilities of the first token; choice_probs is filled when every
// choice can be told apart by its first token and every token of the top list that could begin an answer begins
// exactly one choice, and is left empty otherwise: over HTTP the probability of a multi-token continuation is not
// available.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lethe/llm/factory.hpp"
#include "lethe/llm/llm.hpp"
#include "lethe/llm/retry_policy.hpp"

namespace lethe::llm {

// The URL requests are POSTed to, from the URL part of a spec (see the endpoint rule above).
std::string chat_completions_url(const std::string& base_url);

class OpenAiBackend : public Llm {
 public:
  // `url_and_model` is the part of a spec after `openai:`, i.e. URL#MODEL (split at the first '#'). The retry
  // policy takes max_retries from `options` and the default delays.
  // Throws llm::Error on a malformed spec, bad options, or when options.api_key_env names an unset or empty
  // variable.
  OpenAiBackend(const std::string& url_and_model, const Options& options);
  // As above with an explicit retry policy (its max_retries wins over options.max_retries).
  OpenAiBackend(const std::string& url_and_model, const Options& options, const RetryPolicy& retry);
  ~OpenAiBackend() override;

  std::string describe() const override;  // openai:URL#MODEL
  std::string identity() const override;  // openai|URL|MODEL

  const std::string& endpoint() const;
  const std::string& model() const;
  // Retries performed so far by this backend, over all calls and threads.
  std::int64_t retries() const;

 protected:
  ChatResponse do_complete(const ChatRequest& request) override;
  // Sends the requests concurrently, never more than max_in_flight at once; answers in order. If any request
  // fails, no new ones are started and the first failure is thrown once the running ones are done.
  std::vector<ChatResponse> do_complete_batch(const std::vector<ChatRequest>& requests) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// What the factory calls for `openai:URL#MODEL`.
std::unique_ptr<Llm> open_openai(const std::string& url_and_model, const Options& options);

}  // namespace lethe::llm
