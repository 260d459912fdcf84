// Applies unlearning: erases from memory everything derived from each request's target (one receipt per request)
// and installs the method's constraints into the agent, replacing whatever constraints it had.
#pragma once

#include <vector>

#include "lethe/agent/erasure.hpp"
#include "lethe/agent/grid_agent.hpp"
#include "lethe/agent/memory.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/unlearn/methods.hpp"
#include "lethe/unlearn/request.hpp"

namespace lethe::unlearn {

struct Execution {
  std::vector<agent::ErasureReceipt> receipts;  // one per request, in order
  Constraints constraints;                      // what was installed (all requests merged)
};

class Executor {
 public:
  // Keeps references: memory and agent must outlive the executor. `memory` should be the agent's memory.
  Executor(agent::Memory& memory, agent::GridAgent& agent) : memory_(memory), agent_(agent) {}

  Execution execute(const Request& request, const Method& method, const env::GridLayout& layout);
  // Several targets at once. Each request's layout is the one with its environment id. Every request is checked
  // (method and layout) before any memory is erased; throws Error naming the request otherwise.
  Execution execute(const std::vector<Request>& requests, const Method& method,
                    const std::vector<env::GridLayout>& layouts);

 private:
  agent::Memory& memory_;
  agent::GridAgent& agent_;
};

}  // namespace lethe::unlearn
