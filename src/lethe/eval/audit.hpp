// The indistinguishability audit of an unlearned GridWorld agent: sets up the scenario (original agent, its
// unlearned copy, the never-exposed reference agent), then runs the three attacks of the Secure Forgetting paper
// against it and measures what they learn:
//  1. state / trajectory inference: probe tasks whose optimal routes use each target, run `runs` times by the
//     agent before unlearning, after, and never exposed; traverse probabilities, one-sided Fisher p-values, and
//     the adversary's accuracy on a balanced mix of unlearned (the unlearned agent) and never-seen (the reference
//     agent) targets, against a shadow agent (the reference agent with other seeds). For a forgotten environment
//     the event is "solves a task optimally" on exploration tasks of that environment.
//  2. environment reconstruction from exploration trajectories of each target's layout, per agent;
//  3. behavioural divergence: KL(unlearned || reference) of the action distributions at probe points (exact
//     from the backend's choice probabilities, else estimated from `kl_samples` sampled actions).
// Writes results.json, report.md and kl_map.svg; audit_summary() is the one-paragraph verdict.
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lethe/attack/adversary.hpp"
#include "lethe/attack/divergence.hpp"
#include "lethe/attack/reconstruction.hpp"
#include "lethe/attack/traverse_inference.hpp"
#include "lethe/eval/gridworld_scenario.hpp"
#include "lethe/llm/llm.hpp"

namespace lethe::eval {

struct AuditConfig {
  ScenarioConfig scenario;       // scenario, method, layouts, seed, agent (its sampling: use temperature > 0)
  std::size_t pairs = 10;        // probe tasks (start/goal pairs) per target
  int runs = 10;                 // runs per probe task
  double alpha = 0.05;           // the adversary's significance level
  std::size_t exploration = 6;   // exploration goto tasks per layout (plus its collect task), each run `runs` times
  std::size_t kl_points = 24;    // probe points per target for the KL (0: every point)
  int kl_samples = 10;           // sampled actions per probe point when the backend reports no probabilities
};

// Throws Error naming the field (pairs < 1, runs < 1, alpha outside (0, 1), kl_samples < 1, method "none", and
// everything eval::validate rejects).
void validate(const AuditConfig& config);
nlohmann::json to_json(const AuditConfig& config);

// Traverse counts of one agent kind, pooled or per target.
struct AgentCounts {
  attack::TraverseCount pre;        // the original agent, before unlearning
  attack::TraverseCount unlearned;  // after unlearning
  attack::TraverseCount unseen;     // the never-exposed reference agent
};

struct TargetAudit {
  std::string target;  // e.g. "state house:(3,4)"
  std::string environment;
  std::vector<env::Task> probe_tasks;
  AgentCounts counts;
  attack::TraverseCount shadow;
  double p_unlearned_vs_unseen = 1.0;  // one-sided: the unlearned agent takes the target less than never exposed
  double p_unlearned_vs_pre = 1.0;     // one-sided: less than before unlearning (did unlearning change anything)
  double p_pre_vs_unseen = 1.0;        // one-sided: before unlearning, more than never exposed (was it learned)
};

struct LayoutReconstruction {
  std::string environment;
  attack::ReconstructionScore pre;
  attack::ReconstructionScore unlearned;
  attack::ReconstructionScore unseen;
  std::string unlearned_map;  // ASCII of what the unlearned agent's trajectories reveal
};

struct AuditResults {
  AuditConfig config;
  std::string llm;
  std::vector<unlearn::Request> requests;
  std::vector<env::GridLayout> layouts;  // the targets' layouts, for the map
  std::vector<TargetAudit> targets;
  AgentCounts pooled;
  double p_unlearned_vs_unseen = 1.0;  // on the pooled counts
  double p_unlearned_vs_pre = 1.0;
  std::vector<attack::Trial> trials;
  attack::AdversaryScore adversary;
  std::vector<LayoutReconstruction> reconstruction;
  double reconstruction_pre = 0.0;  // correct cells / cells over the targets' layouts
  double reconstruction_unlearned = 0.0;
  double reconstruction_unseen = 0.0;
  std::vector<attack::StateDivergence> divergences;
  attack::DivergenceSummary divergence;
  std::size_t kl_skipped = 0;  // probe points where an agent offered no action
  llm::Usage usage;            // of the whole audit, scenario preparation included
  double wall_time_s = 0.0;
};

// Runs the audit (see the file comment). `llm` is the agents' model. Throws Error (or the modules' errors).
AuditResults run_audit(const AuditConfig& config, llm::Llm& llm, const ProgressCallback& progress = {});

// results.json: config, llm, traverse_prob {pre, unlearned, unseen}, traverse_counts, p_values, adversary,
// adversary_accuracy, trials, targets, reconstruction_rate {pre, unlearned, unseen}, reconstruction, kl_mean,
// kl_max, kl (summary and per state), usage, wall_time_s.
nlohmann::json to_json(const AuditResults& results);
// report.md: the paper-style tables and the KL map (kl_map.svg).
std::string audit_report_markdown(const AuditResults& results);
// The KL map of the targets' layouts (per cell: the mean KL over its probe points).
std::string audit_kl_map_svg(const AuditResults& results);
// One paragraph in plain English: what each attack learned and the verdict.
std::string audit_summary(const AuditResults& results);

// Writes results.json, report.md and kl_map.svg into `dir` (created if absent). Throws Error naming the file.
void write_audit(const AuditResults& results, const std::filesystem::path& dir);

}  // namespace lethe::eval
