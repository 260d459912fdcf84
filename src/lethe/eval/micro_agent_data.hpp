// Expert demonstrations for the self-trained micro agent model: random solvable GridWorld layouts, tasks, an
// expert planner on the true layout, and for every step the exact prompt agent::GridAgent would send in that
// situation (task, memory digest, active unlearning constraints, observation, actions) paired with the expert's
// action. Everything is deterministic from MicroDataOptions::seed.
//
// Scenarios per layout (the mix is drawn from the seed):
//  - collect without memory: the expert explores. It only uses what it has seen in this episode (the model sees
//    even less: no episode history), heading for the nearest seen treasure, else the nearest unseen cell.
//    This episode, run by the expert, becomes the layout's memory (GridAgent::entries_for: route, facts).
//  - collect with that memory: the expert fetches the remembered treasures in the digest's fact order (so "the
//    (collected + 1)-th treasure fact" is the next target, something a policy can read off its prompt).
//  - goto, with or without memory: shortest path to the goal the observation names.
//  - constraints from the real unlearning methods (NL request texts in several variants, code-style,
//    example-style) about a state or a trajectory on the shortest route of a goto task (unlearn::crossing_tasks),
//    or a cell on the remembered collect route; the memory is what erasure leaves (agent::matches). The expert
//    never enters a forbidden state nor completes a forbidden trajectory.
//  - forget the environment: memory erased, the environment lines of a method; the expert explores.
//  - constraint drills (MicroDataOptions::drills per layout, kind kDrillKind): a goto task that starts right where
//    the constraint bites. The forbidden state is the cell the expert's first move would enter, or the forbidden
//    route is that move; a quarter are controls forbidding another neighbour, which leaves the move as it was. Only
//    their first step is demonstrated. In the other constrained scenarios about one step per episode depends on
//    the constraint, too few for a small model to learn to read it.
//  - reading drills (MicroDataOptions::reading_drills per layout, kind kReadingDrillKind): as drills, but the
//    constraint is drawn apart from the route, half the time about a uniformly drawn free neighbour (the state, or
//    the move into it), else about somewhere else. Each asks the forbidden-move question besides the action. In
//    drills the forbidden move is mostly the move towards the goal, so "towards the goal" answers them without
//    reading the constraint; here only reading it does.
//
// Held out: whole layouts (a disjoint set of generator seeds) and constraint phrasings (NL variants
// kHeldOutStateVariant / kHeldOutTrajectoryVariant / kHeldOutEnvironmentVariant never appear in training data).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "lethe/agent/memory_entry.hpp"
#include "lethe/agent/prompt_builder.hpp"
#include "lethe/env/environment.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/train/jsonl_data.hpp"
#include "lethe/unlearn/request.hpp"

namespace lethe::eval {

inline constexpr std::uint64_t kHeldOutStateVariant = 2;
inline constexpr std::uint64_t kHeldOutTrajectoryVariant = 1;
inline constexpr std::uint64_t kHeldOutEnvironmentVariant = 1;
inline constexpr std::string_view kDrillKind = "constraint-drill";
inline constexpr std::string_view kReadingDrillKind = "reading-drill";
inline constexpr std::string_view kForbiddenQuestion = "Forbidden moves:";
inline constexpr std::string_view kCompactForbiddenQuestion = "forbidden :";

struct MicroDataOptions {
  std::uint64_t seed = 1;
  int train_layouts = 300;
  int heldout_layouts = 40;
  int width = 6;
  int height = 6;
  double obstacle_density = 0.15;
  int treasures = 2;
  int view_radius = 1;
  int drills = 0;                       // constraint drills per layout
  int reading_drills = 0;               // reading drills per layout
  agent::PromptLimits limits{1, 8, 1};  // what the agent that uses the model must use too
  // The prompts' format, and so the methods' (unlearn/compact_constraints.hpp): NL phrasings are then the compact
  // ones, with the same variants held out.
  agent::PromptFormat prompt_format = agent::PromptFormat::text;
};

// What the constraint of a scenario is, and how it was phrased.
struct ConstraintInfo {
  std::string style;     // "none", "nl", "code", "example"
  std::string phrasing;  // "none", "nl-state-0", "code-trajectory", "example-environment", ...
  bool held_out_phrasing = false;
  std::optional<unlearn::Request> request;  // absent for "none"
};

struct MicroScenario {
  env::GridLayout layout;
  env::Task task;
  bool held_out_layout = false;
  std::vector<agent::MemoryEntry> memory;  // the layout's memory as the agent would hold it (after any erasure)
  std::vector<std::string> constraints;    // the prompt lines of the unlearning method
  ConstraintInfo constraint;
  std::string kind;  // "explore", "collect-memory", "goto", "goto-memory", "constraint-goto", "constraint-collect",
                     // "forget-environment", kDrillKind, kReadingDrillKind
};

struct MicroStep {
  std::string prompt;     // the user message GridAgent builds (the raw chat template sends it verbatim)
  std::string action;     // the expert's action
  bool decisive = false;  // the constraint changed the action: without it the expert would move otherwise
  // The moves that would enter a forbidden state or complete a forbidden trajectory from here, in kAllMoves order
  // (always empty without a state or trajectory constraint).
  std::vector<std::string> forbidden_moves;
};

struct MicroEpisode {
  MicroScenario scenario;
  std::vector<MicroStep> steps;
  std::vector<env::StateId> states;  // visited by the expert, states[0] after reset
  bool success = false;
};

// The request phrased by `style` ("nl", "code", "example"; `variant` picks the NL phrasing) in the options' prompt
// format, and the method's prompt lines for it.
std::pair<ConstraintInfo, std::vector<std::string>> phrase(const unlearn::Request& base, const env::GridLayout& layout,
                                                           const std::string& style, std::uint64_t variant,
                                                           agent::PromptFormat format);

// How many NL phrasings a scenario has, and which of them training never sees.
std::uint64_t nl_phrasings(unlearn::Scenario scenario);
std::uint64_t held_out_variant(unlearn::Scenario scenario);

// The layouts of the split: train layouts are generator seeds 0 .. train_layouts-1 of the options' seed, held-out
// ones come from a disjoint seed range and never repeat a train layout's grid.
std::vector<env::GridLayout> micro_layouts(const MicroDataOptions& options, bool held_out);

// The scenarios of one layout (see the file comment); `salt` varies the draws between layouts.
std::vector<MicroScenario> micro_scenarios(const env::GridLayout& layout, const MicroDataOptions& options,
                                           bool held_out_layout, std::uint64_t salt);

// Runs the expert on the scenario and records each step's prompt and action.
MicroEpisode demonstrate(const MicroScenario& scenario, const MicroDataOptions& options);

// The expert's memoryless exploration episode of the collect task, as GridAgent::entries_for records it
// (trajectory, facts, no reflection when it succeeds): the memory the other scenarios start from.
std::vector<agent::MemoryEntry> expert_memory(const env::GridLayout& layout, const MicroDataOptions& options);

// Whether the visited states complete the forbidden run of a state/trajectory request.
bool violates(const unlearn::Request& request, const std::vector<env::StateId>& visited);

// All demonstrations of the split, layout by layout.
std::vector<MicroEpisode> micro_episodes(const MicroDataOptions& options, bool held_out);

struct SftRecordOptions {
  std::size_t max_records = 0;       // 0: all
  int decisive_repeats = 1;          // copies of each decisive step
  bool forbidden_questions = false;  // also the forbidden-move question of each constrained step (file comment)
  bool questions_only = false;       // only those questions, no actions: a probe of whether a model reads constraints
};

// Whether the episode runs under a state or trajectory constraint (one that forbids moves).
bool forbids_moves(const MicroScenario& scenario);
// A drill or a reading drill: only its first step is demonstrated.
bool is_drill(const MicroScenario& scenario);

// The step's prompt asking kForbiddenQuestion (compact prompts: kCompactForbiddenQuestion) instead of the action,
// and its answer (" up", " down, left", " none").
train::SftRecord forbidden_question_record(const MicroStep& step);

// One SFT record per step: prompt = the rendered prompt text, completion = " " + action (tokenized in context, as
// the choice scorer sees "<prompt>" then the action). Decisive steps are repeated `decisive_repeats` times: they
// are the only steps whose action teaches obedience, about one per constrained episode. Shuffled
// deterministically, at most max_records.
std::vector<train::SftRecord> sft_records(const std::vector<MicroEpisode>& episodes, std::uint64_t seed,
                                          const SftRecordOptions& options = {});

void write_sft_jsonl(const std::filesystem::path& path, const std::vector<train::SftRecord>& records);

}  // namespace lethe::eval
