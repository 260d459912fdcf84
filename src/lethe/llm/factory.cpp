#include "lethe/llm/factory.hpp"

#include "lethe/llm/llama_backend.hpp"
#include "lethe/llm/openai_backend.hpp"
#include "lethe/llm/response_cache.hpp"

namespace lethe::llm {

namespace {

std::unique_ptr<Llm> open_backend(const std::string& spec, const Options& options) {
  const auto colon = spec.find(':');
  if (colon == std::string::npos) {
    throw Error("malformed LLM spec '" + spec + "' (expected gguf:PATH or openai:URL#MODEL)");
  }
  const std::string scheme = spec.substr(0, colon);
  const std::string rest = spec.substr(colon + 1);
  if (rest.empty()) throw Error("LLM spec '" + spec + "' names no model");
  if (scheme == "gguf") return std::make_unique<LlamaBackend>(rest, options);
  if (scheme == "openai") return open_openai(rest, options);
  throw Error("unknown LLM spec scheme '" + scheme + "' in '" + spec + "' (known: gguf, openai)");
}

}  // namespace

std::unique_ptr<Llm> open(const std::string& spec, const Options& options) {
  auto backend = open_backend(spec, options);
  if (!options.use_cache) return backend;
  const std::string path = options.cache_path.empty() ? default_cache_path() : options.cache_path;
  return std::make_unique<CachedLlm>(std::move(backend), path);
}

}  // namespace lethe::llm
