#include "lethe/unlearn/compact_constraints.hpp"

#include <array>

#include "lethe/agent/compact_prompt.hpp"
#include "lethe/unlearn/avoidance.hpp"

namespace lethe::unlearn {
namespace {

std::string cells_text(const std::vector<env::StateId>& states, const std::string& separator) {
  std::string text;
  for (std::size_t i = 0; i < states.size(); ++i) text += (i == 0 ? "" : separator) + agent::compact_cell(states[i].key);
  return text;
}

std::string route_cells(const env::GridPath& path) {
  std::string text;
  for (const auto cell : path.cells) text += (text.empty() ? "" : " ") + agent::compact_cell(cell);
  return text;
}

}  // namespace

std::size_t compact_phrasings(Scenario scenario) { return scenario == Scenario::state ? 3 : 2; }

std::string compact_request_text(const Request& request, std::uint64_t variant) {
  const auto pick = variant % compact_phrasings(request.scenario);
  switch (request.scenario) {
    case Scenario::state: {
      static constexpr std::array<const char*, 3> openings{"avoid ", "never enter ", "forget "};
      return openings[pick] + agent::compact_cell(request.states.at(0).key);
    }
    case Scenario::trajectory:
      return (pick == 0 ? "avoid " : "never enter ") + cells_text(request.states, " then ");
    case Scenario::environment:
      return pick == 0 ? "forget map" : "forget new map";
  }
  return {};
}

std::string compact_code_line(const Request& request) {
  switch (request.scenario) {
    case Scenario::state:
      return "if next = " + agent::compact_cell(request.states.at(0).key) + " : no";
    case Scenario::trajectory: {
      const std::vector<env::StateId> prefix(request.states.begin(), request.states.end() - 1);
      return "if last " + cells_text(prefix, " ") + " and next = " + agent::compact_cell(request.states.back().key) +
             " : no";
    }
    case Scenario::environment:
      return "if map : reset";
  }
  return {};
}

std::vector<std::string> compact_example_lines(const Request& request, const env::GridLayout& layout,
                                               std::size_t examples) {
  if (request.scenario == Scenario::environment) return {compact_new_environment_line()};
  const ForbiddenRun run(request.states);
  std::vector<std::string> lines;
  for (const auto& [direct, avoiding] : detours(layout, run, examples)) {
    lines.push_back("eg bad " + route_cells(direct) + " ok " + route_cells(avoiding));
  }
  if (lines.empty()) lines.push_back("eg bad " + cells_text(request.states, " "));
  return lines;
}

std::string compact_new_environment_line() { return "new map"; }

}  // namespace lethe::unlearn
