#include "lethe/unlearn/methods.hpp"

#include <algorithm>

#include "lethe/env/error.hpp"
#include "lethe/unlearn/avoidance.hpp"
#include "lethe/unlearn/compact_constraints.hpp"

namespace lethe::unlearn {
namespace {

void check_layout(const Request& request, const env::GridLayout& layout) {
  if (request.environment != layout.id()) {
    throw Error("request about '" + request.environment + "' given the layout of '" + layout.id() + "'");
  }
  validate(request, layout);
}

std::string cell_list(const std::vector<env::StateId>& states) {
  std::string text = "[";
  for (std::size_t i = 0; i < states.size(); ++i) text += (i == 0 ? "" : ", ") + states[i].key;
  return text + "]";
}

std::string route_text(const env::GridPath& path) {
  std::string text = env::cell_key(path.cells.front());
  for (const auto move : path.moves) text += " " + std::string(env::move_name(move));
  return text + " -> " + env::cell_key(path.cells.back());
}

}  // namespace

std::string new_environment_line(const std::string& environment) {
  return "You have never been in environment '" + environment + "' before: you know nothing about it yet.";
}

Constraints merge(std::vector<Constraints> parts) {
  Constraints merged;
  std::vector<agent::ActionFilter> filters;
  for (auto& part : parts) {
    merged.prompt_lines.insert(merged.prompt_lines.end(), part.prompt_lines.begin(), part.prompt_lines.end());
    if (part.filter) filters.push_back(std::move(part.filter));
  }
  if (filters.size() == 1) {
    merged.filter = std::move(filters.front());
  } else if (!filters.empty()) {
    merged.filter = [filters = std::move(filters)](const agent::FilterContext& ctx) {
      std::vector<std::string> kept = ctx.actions;
      for (const auto& filter : filters) kept = filter(agent::FilterContext{ctx.visited, kept});
      return kept;
    };
  }
  return merged;
}

agent::ActionFilter forbidding_filter(const Request& request, const env::GridLayout& layout) {
  if (request.scenario == Scenario::environment) throw Error("an environment request has no forbidden moves");
  check_layout(request, layout);
  return [run = ForbiddenRun(request.states), layout](const agent::FilterContext& ctx) {
    // One agent walks every layout; in any but the request's, this request forbids nothing.
    if (ctx.visited.empty() || ctx.visited.back().environment != layout.id()) return ctx.actions;
    std::vector<std::string> kept;
    const auto progress = run.progress(ctx.visited);
    const auto here = env::cell_from_state_id(layout, ctx.visited.back());
    for (const auto& action : ctx.actions) {
      const auto move = env::parse_move(action);
      if (!move) {
        kept.push_back(action);
        continue;
      }
      auto destination = env::neighbour(here, *move);
      if (!layout.is_free(destination)) destination = here;  // a bump stays, and staying is a visit
      if (run.advance(progress, env::state_id(layout, destination)) != run.size()) kept.push_back(action);
    }
    return kept;
  };
}

Constraints NlMethod::constraints(const Request& request, const env::GridLayout& layout) const {
  check_layout(request, layout);
  return Constraints{{converter_ ? converter_(request) : request.text}, {}};
}

Constraints CodeMethod::constraints(const Request& request, const env::GridLayout& layout) const {
  check_layout(request, layout);
  if (format_ == agent::PromptFormat::compact) return {{compact_code_line(request)}, {}};
  switch (request.scenario) {
    case Scenario::state:
      return {{"rule forget_state:\n  if next_state == " + request.states[0].key + ": forbidden"}, {}};
    case Scenario::trajectory: {
      std::vector<env::StateId> prefix(request.states.begin(), request.states.end() - 1);
      return {{"rule forget_trajectory:\n  if last_states == " + cell_list(prefix) +
               " and next_state == " + request.states.back().key + ": forbidden"},
              {}};
    }
    case Scenario::environment:
      return {{"rule forget_environment:\n  memory[\"" + request.environment + "\"] = {}\n  treat_as_never_visited(\"" +
               request.environment + "\")"},
              {}};
  }
  return {};
}

Constraints ExampleMethod::constraints(const Request& request, const env::GridLayout& layout) const {
  check_layout(request, layout);
  if (format_ == agent::PromptFormat::compact) return {compact_example_lines(request, layout, 1), {}};
  if (request.scenario == Scenario::environment) {
    return {{new_environment_line(request.environment),
             "Example: in an environment you have never seen, you look at the neighbouring cells, move towards free "
             "ones and learn the layout as you go."},
            {}};
  }
  const ForbiddenRun run(request.states);
  const std::string target =
      request.scenario == Scenario::state ? request.states[0].key : "the route " + cell_list(request.states);
  std::vector<std::string> lines;
  for (const auto& [direct, avoiding] : detours(layout, run, examples_)) {
    lines.push_back("Example: going from " + env::cell_key(direct.cells.front()) + " to " +
                    env::cell_key(direct.cells.back()) + ". Wrong: " + route_text(direct) + " (uses forgotten " +
                    target + "). Right: " + route_text(avoiding) + ".");
  }
  if (lines.empty()) lines.push_back("Example: whatever the task, a correct route never uses " + target + ".");
  return {lines, {}};
}

Constraints HardMethod::constraints(const Request& request, const env::GridLayout& layout) const {
  check_layout(request, layout);
  if (request.scenario == Scenario::environment) {
    return {{format_ == agent::PromptFormat::compact ? compact_new_environment_line()
                                                     : new_environment_line(request.environment)},
            {}};
  }
  return {{}, forbidding_filter(request, layout)};
}

std::unique_ptr<Method> make_method(const std::string& name, NlMethod::Converter converter,
                                    agent::PromptFormat format) {
  if (name == "nl") return std::make_unique<NlMethod>(std::move(converter));
  if (name == "code") return std::make_unique<CodeMethod>(format);
  if (name == "example") return std::make_unique<ExampleMethod>(2, format);
  if (name == "hard") return std::make_unique<HardMethod>(format);
  throw Error("unknown unlearning method '" + name + "' (expected nl, code, example or hard)");
}

}  // namespace lethe::unlearn
