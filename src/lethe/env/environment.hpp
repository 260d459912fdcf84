// The contract every platform implements (GridWorld, ALFWorld, HotPotQA, HumanEval): an episodic,
// text-observed environment driven by string actions. It knows nothing about LLMs or unlearning.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lethe/env/error.hpp"
#include "lethe/env/state_id.hpp"

namespace lethe::env {

// One thing to do in an environment.
struct Task {
  std::string id;                                    // unique within its environment, e.g. "house/collect"
  std::string environment;                           // the Environment::id() it is meant for; empty = any
  std::string kind;                                  // platform-specific, e.g. "collect", "goto"
  std::string description;                           // natural language, ready for a prompt
  nlohmann::json params = nlohmann::json::object();  // kind-specific parameters

  bool operator==(const Task&) const = default;
};

nlohmann::json to_json(const Task& task);
// Reads what to_json wrote; `source` names the input in error messages (a file, "request", ...).
Task task_from_json(const nlohmann::json& json, const std::string& source);

struct Observation {
  std::string text;  // compact and stable: a prompt shows it verbatim
  StateId state;     // canonical id of the current state
};

struct StepResult {
  Observation observation;
  double reward = 0.0;
  bool done = false;     // the episode is over (success or limit); step() may not be called again before reset()
  bool success = false;  // the task was accomplished
};

// What happened in the current episode: states[0] is the state after reset(); step i took actions[i],
// earned rewards[i] and led to states[i + 1]. So states.size() == actions.size() + 1 once reset.
struct Trajectory {
  std::vector<StateId> states;
  std::vector<std::string> actions;
  std::vector<double> rewards;
};

class Environment {
 public:
  virtual ~Environment() = default;

  // Stable identifier of this environment (a layout, a game file, ...); the `environment` part of StateIds.
  virtual std::string id() const = 0;

  // Starts a new episode of `task`. Throws Error if the task is not one this environment can run.
  virtual Observation reset(const Task& task) = 0;

  // The actions step() accepts now.
  virtual std::vector<std::string> admissible_actions() const = 0;

  // Applies one action. Throws Error (listing the admissible actions) for an action not admissible now,
  // and Error before reset() or after the episode is done.
  virtual StepResult step(const std::string& action) = 0;

  virtual StateId current_state() const = 0;

  // Steps taken in the current episode (bumps into walls count).
  virtual int step_count() const = 0;

  virtual const Trajectory& trajectory() const = 0;
};

// The error step() throws for an inadmissible action, naming it and the admissible ones.
Error invalid_action_error(const std::string& action, const std::vector<std::string>& admissible);

}  // namespace lethe::env
