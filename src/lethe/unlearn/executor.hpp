// Applies unlearning: erases from memory everything derived from each request's target (one receipt per request)
// and installs the method's constraints into the agent, replacing whatever constraints it had.
//
// With a response cache attached, the cached exchanges derived from a target go too (llm::CachedLlm::
// erase_containing, secure deletion): for a state, every exchange of its environment that mentions the cell; for
// a trajectory, every exchange whose prompt showed one of the erased memory entries; for an environment, every
// exchange of its tasks. Over-erasing a cache costs a recomputation; under-erasing would keep the target.
#pragma once

#include <vector>

#include "lethe/agent/erasure.hpp"
#include "lethe/agent/grid_agent.hpp"
#include "lethe/agent/memory.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/llm/response_cache.hpp"
#include "lethe/unlearn/methods.hpp"
#include "lethe/unlearn/request.hpp"

namespace lethe::unlearn {

struct Execution {
  std::vector<agent::ErasureReceipt> receipts;  // one per request, in order
  Constraints constraints;                      // what was installed (all requests merged)
  std::size_t cached_exchanges_erased = 0;      // from the attached response cache
};

class Executor {
 public:
  // Keeps references: memory and agent must outlive the executor. `memory` should be the agent's memory.
  Executor(agent::Memory& memory, agent::GridAgent& agent) : memory_(memory), agent_(agent) {}

  // Also erase from this cache (kept by reference; nullptr detaches). Typically the agent's own LLM, when it was
  // opened with a cache.
  void attach_response_cache(llm::CachedLlm* cache) { cache_ = cache; }

  Execution execute(const Request& request, const Method& method, const env::GridLayout& layout);
  // Several targets at once. Each request's layout is the one with its environment id. Every request is checked
  // (method and layout) before any memory is erased; throws Error naming the request otherwise.
  Execution execute(const std::vector<Request>& requests, const Method& method,
                    const std::vector<env::GridLayout>& layouts);

 private:
  agent::Memory& memory_;
  agent::GridAgent& agent_;
  llm::CachedLlm* cache_ = nullptr;
};

}  // namespace lethe::unlearn
