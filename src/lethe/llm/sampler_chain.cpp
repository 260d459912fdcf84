#include "lethe/llm/sampler_chain.hpp"

#include "lethe/llm/json_schema.hpp"
#include "lethe/llm/llama_runtime.hpp"

namespace lethe::llm {

namespace {

// llama.cpp prints "parse: error parsing grammar: WHY\n\nGRAMMAR" to stderr; WHY is what a person needs.
std::string grammar_parse_error(const std::string& printed, const std::string& logged) {
  const std::string marker = "error parsing grammar: ";
  const auto at = printed.find(marker);
  if (at != std::string::npos) {
    const auto start = at + marker.size();
    return printed.substr(start, printed.find('\n', start) - start);
  }
  return logged.empty() ? "llama.cpp could not parse it" : logged;
}

}  // namespace

std::uint32_t llama_seed(std::uint64_t seed) {
  const auto folded = static_cast<std::uint32_t>(seed ^ (seed >> 32));
  return folded == LLAMA_DEFAULT_SEED ? folded - 1 : folded;
}

std::string request_grammar(const ChatRequest& request) {
  if (!request.grammar.empty() && request.json_schema) {
    throw Error("a request may carry a grammar or a JSON schema, not both");
  }
  if (request.json_schema) return json_schema_to_gbnf(*request.json_schema);
  return request.grammar;
}

SamplerPtr make_sampler_chain(const llama_vocab* vocab, const Sampling& sampling, const std::string& grammar) {
  auto params = llama_sampler_chain_default_params();
  params.no_perf = true;
  SamplerPtr chain(llama_sampler_chain_init(params));
  if (!grammar.empty()) {
    take_llama_log();
    llama_sampler* g = nullptr;
    const std::string printed = capture_stderr([&] { g = llama_sampler_init_grammar(vocab, grammar.c_str(), "root"); });
    if (g == nullptr) throw Error("invalid grammar: " + grammar_parse_error(printed, take_llama_log()));
    llama_sampler_chain_add(chain.get(), g);
  }
  if (sampling.temperature <= 0.0) {
    llama_sampler_chain_add(chain.get(), llama_sampler_init_greedy());
    return chain;
  }
  if (sampling.top_k > 0) llama_sampler_chain_add(chain.get(), llama_sampler_init_top_k(sampling.top_k));
  if (sampling.top_p < 1.0) {
    llama_sampler_chain_add(chain.get(), llama_sampler_init_top_p(static_cast<float>(sampling.top_p), 1));
  }
  llama_sampler_chain_add(chain.get(), llama_sampler_init_temp(static_cast<float>(sampling.temperature)));
  llama_sampler_chain_add(chain.get(), llama_sampler_init_dist(llama_seed(sampling.seed)));
  return chain;
}

}  // namespace lethe::llm
