// Builds llama.cpp's sampler chain for one request: grammar (when constrained) first, then top-k, top-p,
// temperature and a seeded draw — or greedy at temperature 0.
#pragma once

#include <llama.h>

#include <memory>
#include <string>

#include "lethe/llm/llm.hpp"

namespace lethe::llm {

struct SamplerDeleter {
  void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

// `grammar` is GBNF text (empty: unconstrained). Throws llm::Error quoting llama.cpp when it does not parse.
SamplerPtr make_sampler_chain(const llama_vocab* vocab, const Sampling& sampling, const std::string& grammar);

// The GBNF a request is decoded under: its grammar, or its JSON schema converted; empty when unconstrained.
std::string request_grammar(const ChatRequest& request);

// llama.cpp takes a 32-bit seed and treats 0xFFFFFFFF as "pick one at random"; never hand it that.
std::uint32_t llama_seed(std::uint64_t seed);

}  // namespace lethe::llm
