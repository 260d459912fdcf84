#include "lethe/unlearn/executor.hpp"

namespace lethe::unlearn {

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
  for (const auto& request : requests) execution.receipts.push_back(memory_.erase(request.erasure_target()));
  execution.constraints = merge(std::move(parts));
  agent_.set_constraints(execution.constraints.prompt_lines);
  agent_.set_action_filter(execution.constraints.filter);
  return execution;
}

}  // namespace lethe::unlearn
