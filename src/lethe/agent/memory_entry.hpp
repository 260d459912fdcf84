// One unit of agent memory with its provenance: where it came from (environment, task, episode) and which states
// the experience behind it visited. Provenance is what erasure predicates match on, so every entry derived from a
// state, a route or an environment can be found and removed.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "lethe/agent/timestamp.hpp"
#include "lethe/env/state_id.hpp"

namespace lethe::agent {

enum class EntryKind { Trajectory, Fact, Reflection };

std::string to_string(EntryKind kind);
// Throws std::invalid_argument for a name other than "trajectory", "fact", "reflection".
EntryKind entry_kind_from_string(const std::string& name);

struct Provenance {
  std::string environment;
  std::string task;
  int episode = 0;
  // Every state the experience went through, in order, repeats included (staying in place is a visit).
  std::vector<env::StateId> visited;

  bool operator==(const Provenance&) const = default;
};

// One step of a trajectory: in `state` the agent took `action` and received `reward`.
struct Step {
  env::StateId state;
  std::string action;
  double reward = 0.0;

  bool operator==(const Step&) const = default;
};

struct Outcome {
  bool success = false;
  std::optional<int> steps;  // absent when the source did not record it

  bool operator==(const Outcome&) const = default;
};

struct MemoryEntry {
  std::string id;  // unique within a store
  EntryKind kind = EntryKind::Reflection;
  Provenance provenance;
  std::vector<Step> steps;              // trajectories
  std::optional<Outcome> outcome;       // trajectories; optional for other kinds
  std::optional<env::StateId> subject;  // facts: the state the fact is about
  std::string text;                     // facts ("wall at (3,4)") and reflections
  Timestamp created{};                  // when it was recorded (UTC, milliseconds)

  bool operator==(const MemoryEntry&) const = default;

  // Canonical JSON: keys sorted, absent optionals omitted, states as "<environment>:<key>".
  nlohmann::json to_json() const;
  // Throws MemoryError naming the offending field; the result satisfies validate().
  static MemoryEntry from_json(const nlohmann::json& json);
  // SHA-256 hex of to_json().dump(): identifies the exact content that was stored (and later erased).
  std::string content_hash() const;
};

// Checks the invariants erasure relies on; throws MemoryError naming the entry and the field:
//  - id non-empty, provenance environment non-empty;
//  - a trajectory's step states are, in order, a prefix of provenance.visited and visited has at most one more
//    state (the one reached by the last action), so matching on visited states covers every step;
//  - a fact has a subject and text; a reflection has text.
void validate(const MemoryEntry& entry);

}  // namespace lethe::agent
