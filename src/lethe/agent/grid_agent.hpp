// The paper's LLM agent on GridWorld. Each step is one single-choice LLM call over the admissible actions (so
// the answer is always an action and the model's distribution over actions is recorded), prompted with the task,
// the observation, what memory knows about the environment and the active unlearning constraints
// (prompt_builder.hpp). The choices are the plain action names ("up", ...). The agent itself never writes memory
// while acting; learn() does, after each episode. Consecutive prompts of an episode share their long prefix, so
// the llama.cpp backend reuses its KV cache between steps; run_episodes() decodes independent episodes together.
//
// Action filter: the hard unlearning method installs a callback that removes forbidden actions before the call.
// When it removes every action the agent stays where it is and the episode ends unsuccessfully, marked `stuck`
// (the filter sees the same history again, so nothing could change).
//
// Determinism: step t of episode e is sampled with seed options.sampling.seed + e * 1'000'003 + t, so a rerun
// with the same seed (and a deterministic backend) repeats every episode, batched or not.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "lethe/agent/memory.hpp"
#include "lethe/agent/prompt_builder.hpp"
#include "lethe/env/grid_world.hpp"
#include "lethe/llm/llm.hpp"

namespace lethe::agent {

// What the action filter sees: the states of the episode so far (visited.back() is the current state; staying in
// place repeats a state) and the actions still offered.
struct FilterContext {
  const std::vector<env::StateId>& visited;
  const std::vector<std::string>& actions;
};
// Returns the subset of ctx.actions that may be taken, in their order.
using ActionFilter = std::function<std::vector<std::string>(const FilterContext& ctx)>;

// The model's distribution over the actions offered at one step (after filtering).
struct ActionDistribution {
  std::vector<std::string> actions;
  std::vector<double> probabilities;  // same order; empty when the backend cannot know them
};

struct EpisodeResult {
  std::string environment;
  env::Task task;
  int episode = 0;
  bool success = false;
  bool stuck = false;                // the action filter removed every action
  int steps = 0;                     // actions taken
  std::vector<env::StateId> states;  // states[0] after reset; states[i + 1] after actions[i]
  std::vector<std::string> actions;
  std::vector<double> rewards;
  std::vector<std::string> observations;          // observations[i] was seen in states[i]
  std::vector<ActionDistribution> distributions;  // distributions[i] was offered before actions[i]
};

struct AgentOptions {
  llm::Sampling sampling{};  // max_tokens is irrelevant for single-choice calls
  PromptLimits limits{};
  PromptFormat prompt_format = PromptFormat::text;
  env::GridWorldOptions world{};  // for the worlds run_episodes() creates
  // learn(): after a failed episode, ask the LLM for the reflection instead of writing a templated one.
  bool llm_reflections = false;
  int reflection_max_tokens = 48;
};

struct LearnReport {
  std::vector<EpisodeResult> episodes;
  std::size_t entries_added = 0;
};

class GridAgent {
 public:
  // The agent keeps references: llm and memory must outlive it.
  GridAgent(llm::Llm& llm, Memory& memory, AgentOptions options = {});

  // Unlearning constraints shown in every prompt (replacing earlier ones), and the action filter (empty: none).
  void set_constraints(std::vector<std::string> lines) { constraints_ = std::move(lines); }
  const std::vector<std::string>& constraints() const { return constraints_; }
  void set_action_filter(ActionFilter filter) { filter_ = std::move(filter); }
  bool has_action_filter() const { return static_cast<bool>(filter_); }
  void clear_unlearning() {
    constraints_.clear();
    filter_ = nullptr;
  }

  // The prompt the agent would send now in `world` (reset and not done) for `task`.
  std::string prompt_for(const env::GridWorld& world, const env::Task& task, const std::string& observation) const;

  // Resets `world` to `task` and acts until the episode is done or the agent is stuck.
  EpisodeResult run_episode(env::GridWorld& world, const env::Task& task, int episode = 0);
  // Independent episodes of `tasks` on `layout` (one fresh world each, options.world), stepped together with
  // complete_batch. Result i is for tasks[i] and episode first_episode + i.
  std::vector<EpisodeResult> run_episodes(const env::GridLayout& layout, const std::vector<env::Task>& tasks,
                                          int first_episode = 0);

  // `episodes` rounds over `tasks` in `world`; after each episode writes into memory, with provenance
  // (environment, task id, episode number, visited states): the trajectory; facts learned from the observations
  // (obstacles and treasures seen, about those cells; walls, about the observing cell) not already known; and
  // after a failure a reflection. Episode numbers continue after the largest already in memory for the
  // environment, so repeated calls never reuse an entry id.
  LearnReport learn(env::GridWorld& world, const std::vector<env::Task>& tasks, int episodes);

  // The memory entries learn() writes for one finished episode (not added); `known` are the environment's
  // entries already stored (facts there are not repeated).
  std::vector<MemoryEntry> entries_for(const EpisodeResult& result, const std::vector<MemoryEntry>& known);

  const AgentOptions& options() const { return options_; }

 private:
  llm::Llm& llm_;
  Memory& memory_;
  AgentOptions options_;
  std::vector<std::string> constraints_;
  ActionFilter filter_;
};

// Facts an observation text reveals, as (subject cell key, text) pairs: "obstacle at (3,4)" / "treasure at (3,4)"
// about that cell, "wall left of (0,3)" about the observing cell. Throws env::Error if it is not a GridWorld
// observation.
struct ObservedFact {
  std::string subject_key;
  std::string text;
  bool operator==(const ObservedFact&) const = default;
};
std::vector<ObservedFact> facts_from_observation(const std::string& observation);

// The reflection learn() writes after a failed episode when no LLM reflection is asked for.
std::string templated_reflection(const EpisodeResult& result);

}  // namespace lethe::agent
