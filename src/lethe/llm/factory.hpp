// Opens a backend from a spec string:
//   gguf:PATH              in-process llama.cpp
//   openai:URL#MODEL       any OpenAI-compatible server (llama-server, vLLM, Ollama, hosted APIs)
// and wraps it in the response cache unless told not to.
#pragma once

#include <memory>
#include <string>

#include "lethe/llm/llm.hpp"

namespace lethe::llm {

struct Options {
  // llama.cpp
  std::string chat_template;  // built-in name (chatml, llama3, ...), a template file, or empty: the model's own
  int threads = 0;   // 0: automatic (1 for tiny models, whose tokens cost less than thread sync; else all cores)
  int parallel = 8;  // sequences decoded together in one batch
  int context = 0;   // tokens per sequence; 0: the model's training context (capped at 4096)
  // HTTP
  std::string api_key_env;  // name of the environment variable holding the API key; empty: no key
  double connect_timeout_s = 10.0;
  double read_timeout_s = 300.0;
  int max_retries = 5;
  int retry_base_ms = 500;      // first backoff ceiling; doubles per retry, with full jitter
  int retry_max_ms = 30'000;    // no backoff exceeds this
  int retry_after_max_s = 120;  // a server's Retry-After is honoured up to this
  int max_in_flight = 8;
  // response cache
  bool use_cache = true;
  std::string cache_path;  // empty: $LETHE_CACHE_DIR/responses.sqlite (default ~/.cache/lethe)
};

// Throws llm::Error naming the problem (unknown scheme, missing model file, bad URL...).
std::unique_ptr<Llm> open(const std::string& spec, const Options& options = {});

// The default location of the response cache.
std::string default_cache_path();

}  // namespace lethe::llm
