#include "lethe/unlearn/reference_agent.hpp"

#include <algorithm>
#include <map>

#include "lethe/env/grid_world.hpp"
#include "lethe/unlearn/methods.hpp"

namespace lethe::unlearn {
namespace {

// The next episode number GridAgent::learn would give in this environment.
int next_episode_number(const std::vector<agent::MemoryEntry>& entries) {
  int max = 0;
  for (const auto& entry : entries) max = std::max(max, entry.provenance.episode);
  return max + 1;
}

bool matches_any(const std::vector<Request>& requests, const agent::MemoryEntry& entry) {
  return std::any_of(requests.begin(), requests.end(),
                     [&](const Request& request) { return agent::matches(request.erasure_target(), entry); });
}

std::optional<env::Cell> goto_param(const env::Task& task, const char* name) {
  if (task.kind != "goto" || !task.params.contains(name)) return std::nullopt;
  const auto& value = task.params.at(name);
  if (!value.is_array() || value.size() != 2 || !value[0].is_number_integer() || !value[1].is_number_integer()) {
    return std::nullopt;
  }
  return env::Cell{value[0].get<int>(), value[1].get<int>()};
}

}  // namespace

agent::LearnReport learn_schedule(agent::GridAgent& agent, const std::vector<LayoutTasks>& schedule, int episodes) {
  agent::LearnReport report;
  for (const auto& item : schedule) {
    env::GridWorld world(item.layout, agent.options().world);
    auto part = agent.learn(world, item.tasks, episodes);
    report.entries_added += part.entries_added;
    for (auto& episode : part.episodes) report.episodes.push_back(std::move(episode));
  }
  return report;
}

ReferenceAgent::ReferenceAgent(llm::Llm& llm, agent::Memory& memory, agent::AgentOptions options,
                               std::vector<Request> requests)
    : memory_(memory), agent_(llm, memory, std::move(options)), requests_(std::move(requests)) {
  for (std::size_t i = 0; i < requests_.size(); ++i) {
    const auto& request = requests_[i];
    if (request.environment.empty())
      throw Error("reference agent: request " + std::to_string(i) + " has no environment");
    if (request.scenario != Scenario::environment && request.states.empty()) {
      throw Error("reference agent: request " + std::to_string(i) + " (" + request.describe() + ") has no states");
    }
  }
}

std::string ReferenceAgent::exclusion_reason(const env::GridLayout& layout, const env::Task& task) const {
  for (const auto& request : requests_) {
    if (request.environment != layout.id()) continue;
    if (request.scenario == Scenario::environment) return "environment " + layout.id() + " is forgotten";
    if (request.scenario != Scenario::state) continue;
    const auto forgotten = request.states.front();
    std::optional<env::Cell> start =
        task.kind == "collect" ? std::optional<env::Cell>(layout.start()) : goto_param(task, "from");
    if (start && env::state_id(layout, *start) == forgotten) return "starts in the forgotten state " + forgotten.str();
    const auto goal = goto_param(task, "to");
    if (goal && env::state_id(layout, *goal) == forgotten) return "ends in the forgotten state " + forgotten.str();
  }
  return {};
}

ReferenceLearnReport ReferenceAgent::learn(const std::vector<LayoutTasks>& schedule, int episodes) {
  ReferenceLearnReport report;
  for (const auto& item : schedule) {
    std::vector<Constraints> filters;
    for (const auto& request : requests_) {
      if (request.environment == item.layout.id() && request.scenario != Scenario::environment) {
        filters.push_back(Constraints{{}, forbidding_filter(request, item.layout)});
      }
    }
    agent_.clear_unlearning();
    if (!filters.empty()) agent_.set_action_filter(merge(std::move(filters)).filter);

    env::GridWorld world(item.layout, agent_.options().world);
    auto known = memory_.entries(item.layout.id());
    int next_episode = next_episode_number(known);
    for (int round = 0; round < episodes; ++round) {
      for (const auto& task : item.tasks) {
        const int episode = next_episode++;
        auto reason = exclusion_reason(item.layout, task);
        if (!reason.empty()) {
          report.excluded.push_back(ExcludedTask{item.layout.id(), task, episode, std::move(reason)});
          continue;
        }
        auto result = agent_.run_episode(world, task, episode);
        std::vector<agent::MemoryEntry> kept;
        for (auto& entry : agent_.entries_for(result, known)) {
          if (matches_any(requests_, entry)) {
            ++report.entries_dropped;
          } else {
            kept.push_back(std::move(entry));
          }
        }
        memory_.add_all(kept);
        report.learned.entries_added += kept.size();
        known.insert(known.end(), kept.begin(), kept.end());
        report.learned.episodes.push_back(std::move(result));
      }
    }
  }
  agent_.clear_unlearning();
  return report;
}

bool holds_nothing_of(const agent::Memory& memory, const std::vector<Request>& requests) {
  const auto entries = memory.entries();
  return std::none_of(entries.begin(), entries.end(),
                      [&](const agent::MemoryEntry& entry) { return matches_any(requests, entry); });
}

}  // namespace lethe::unlearn
