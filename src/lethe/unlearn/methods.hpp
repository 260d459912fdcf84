// Unlearning methods: each turns a Request into the constraints installed in the agent — prompt lines and, for
// the hard method, an action filter that removes forbidden moves before decoding (so avoidance holds whatever the
// model answers).
//
//  - NL: the request text itself, or the conversion model's output when a converter is given.
//  - Code: the constraint as a code-like rule block, e.g. "rule forget_state:\n  if next_state == (3,4): forbidden".
//  - Example: demonstrations of correct avoidance: an unlearning task whose direct route crosses the target, the
//    route to avoid and the shortest route that avoids it (from the layout).
//  - Hard: states and trajectories: an ActionFilter removing every move that would enter the forgotten state or
//    complete the forgotten trajectory (contiguously, as erasure matches it), and no prompt line, like an agent
//    that never knew; environments: no filter, and the agent is told it has never been there (the executor
//    erases the memory, for every method).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lethe/agent/grid_agent.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/unlearn/request.hpp"

namespace lethe::unlearn {

struct Constraints {
  std::vector<std::string> prompt_lines;
  agent::ActionFilter filter;  // empty: none
};

// All prompt lines in order; a filter keeping only what every filter keeps.
Constraints merge(std::vector<Constraints> parts);

// The hard filter for a state or trajectory request on `layout`: removes each action whose destination (the
// neighbour, or the current cell when the move bumps into a wall or obstacle) would complete the target. In any
// other environment it keeps every action. Throws Error for an environment request or a request about another
// layout.
agent::ActionFilter forbidding_filter(const Request& request, const env::GridLayout& layout);

class Method {
 public:
  virtual ~Method() = default;
  virtual std::string name() const = 0;  // "nl", "code", "example", "hard"
  // `layout` is the request's environment. Throws Error when the request does not fit the layout.
  virtual Constraints constraints(const Request& request, const env::GridLayout& layout) const = 0;
};

class NlMethod final : public Method {
 public:
  // Turns a request into the NL unlearning prompt (the conversion model); empty: the request text is used.
  using Converter = std::function<std::string(const Request&)>;
  explicit NlMethod(Converter converter = {}) : converter_(std::move(converter)) {}
  std::string name() const override { return "nl"; }
  Constraints constraints(const Request& request, const env::GridLayout& layout) const override;

 private:
  Converter converter_;
};

// Code, example and hard write their lines in the format of the agent they are for (compact_constraints.hpp).
class CodeMethod final : public Method {
 public:
  explicit CodeMethod(agent::PromptFormat format = agent::PromptFormat::text) : format_(format) {}
  std::string name() const override { return "code"; }
  Constraints constraints(const Request& request, const env::GridLayout& layout) const override;

 private:
  agent::PromptFormat format_;
};

class ExampleMethod final : public Method {
 public:
  // The compact format shows one demonstration where the text shows `examples`.
  explicit ExampleMethod(std::size_t examples = 2, agent::PromptFormat format = agent::PromptFormat::text)
      : examples_(examples), format_(format) {}
  std::string name() const override { return "example"; }
  Constraints constraints(const Request& request, const env::GridLayout& layout) const override;

 private:
  std::size_t examples_;
  agent::PromptFormat format_;
};

class HardMethod final : public Method {
 public:
  explicit HardMethod(agent::PromptFormat format = agent::PromptFormat::text) : format_(format) {}
  std::string name() const override { return "hard"; }
  Constraints constraints(const Request& request, const env::GridLayout& layout) const override;

 private:
  agent::PromptFormat format_;
};

// "nl", "code", "example" or "hard"; throws Error otherwise.
std::unique_ptr<Method> make_method(const std::string& name, NlMethod::Converter converter = {},
                                    agent::PromptFormat format = agent::PromptFormat::text);

// The line the hard and example methods use for a forgotten environment.
std::string new_environment_line(const std::string& environment);

}  // namespace lethe::unlearn
