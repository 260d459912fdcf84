#include "lethe/unlearn/executor.hpp"

#include "lethe/agent/prompt_builder.hpp"
#include "lethe/env/grid_world.hpp"

namespace lethe::unlearn {
namespace {

// What identifies the cached exchanges derived from `request`, given the memory entries about to be erased for it
// (see the header).
std::vector<std::vector<std::string>> cache_groups(const Request& request,
                                                   const std::vector<agent::MemoryEntry>& erased) {
  const std::string world = env::world_name_text(request.environment);
  std::vector<std::vector<std::string>> groups;
  switch (request.scenario) {
    case Scenario::environment:
      groups.push_back({world});
      break;
    case Scenario::state:
      groups.push_back({world, request.states.front().key});
      break;
    case Scenario::trajectory:
      break;
  }
  for (const auto& entry : erased) groups.push_back({world, agent::memory_line(entry)});
  return groups;
}

}  // namespace

Execution Executor::execute(const Request& request, const Method& method, const env::GridLayout& layout) {
  return execute(std::vector<Request>{request}, method, std::vector<env::GridLayout>{layout});
}

Execution Executor::execute(const std::vector<Request>& requests, const Method& method,
                            const std::vector<env::GridLayout>& layouts) {
  std::vector<Constraints> parts;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const env::GridLayout* layout = nullptr;
    for (const auto& candidate : layouts) {
      if (candidate.id() == requests[i].environment) layout = &candidate;
    }
    if (layout == nullptr) {
      throw Error("request " + std::to_string(i) + " (" + requests[i].describe() + "): no layout for environment '" +
                  requests[i].environment + "'");
    }
    try {
      parts.push_back(method.constraints(requests[i], *layout));
    } catch (const Error& e) {
      throw Error("request " + std::to_string(i) + " (" + requests[i].describe() + "): " + e.what());
    }
  }
  Execution execution;
  for (const auto& request : requests) {
    const auto target = request.erasure_target();
    std::vector<agent::MemoryEntry> erased;
    if (cache_ != nullptr) {
      for (auto& entry : memory_.entries()) {
        if (agent::matches(target, entry)) erased.push_back(std::move(entry));
      }
    }
    execution.receipts.push_back(memory_.erase(target));
    if (cache_ != nullptr) execution.cached_exchanges_erased += cache_->erase_containing(cache_groups(request, erased));
  }
  execution.constraints = merge(std::move(parts));
  agent_.set_constraints(execution.constraints.prompt_lines);
  agent_.set_action_filter(execution.constraints.filter);
  return execution;
}

}  // namespace lethe::unlearn
