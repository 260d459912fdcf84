// What to forget, and the receipt that proves what was forgotten.
//
// Targets (the three scenarios of agent unlearning):
//  - StateTarget s: every entry whose visited states include s, and every fact whose subject is s;
//  - TrajectoryTarget T: every entry whose visited states contain T as a contiguous run (T = a,b,c matches
//    x,a,b,c,y but not a,x,b,c). Staying in place is a visit, so a,b,b,c (a bump at b) does not contain a,b,c;
//  - EnvironmentTarget E: every entry of environment E, and every entry that visited or is about a state of E.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "lethe/agent/memory_entry.hpp"
#include "lethe/agent/timestamp.hpp"
#include "lethe/env/state_id.hpp"

namespace lethe::agent {

struct StateTarget {
  env::StateId state;
  bool operator==(const StateTarget&) const = default;
};

struct TrajectoryTarget {
  std::vector<env::StateId> states;  // non-empty
  bool operator==(const TrajectoryTarget&) const = default;
};

struct EnvironmentTarget {
  std::string environment;  // non-empty
  bool operator==(const EnvironmentTarget&) const = default;
};

using ErasureTarget = std::variant<StateTarget, TrajectoryTarget, EnvironmentTarget>;

// Throws MemoryError for an empty trajectory or environment name.
void validate(const ErasureTarget& target);

// True when the entry is derived from the target (see the file comment). An invalid target matches nothing.
bool matches(const ErasureTarget& target, const MemoryEntry& entry);

// One line for people: "state maze:(3,4)", "trajectory maze:(0,0) -> maze:(0,1)", "environment maze".
std::string describe(const ErasureTarget& target);

// {"type": "state"|"trajectory"|"environment", "state": ..., "states": [...], "environment": ...}.
nlohmann::json to_json(const ErasureTarget& target);
// Throws MemoryError naming the field.
ErasureTarget erasure_target_from_json(const nlohmann::json& json);

struct RemovedEntry {
  std::string id;
  std::string content_hash;  // MemoryEntry::content_hash() of the entry as it was stored
  bool operator==(const RemovedEntry&) const = default;
};

struct ErasureReceipt {
  ErasureTarget target;
  std::string target_description;
  std::vector<RemovedEntry> removed;  // in the store's order
  std::string store_kind;             // "json-file", "sqlite"
  Timestamp time{};                   // when the erasure became durable
  std::string receipt_hash;           // SHA-256 hex over every other field (see compute_hash)

  // SHA-256 hex of the canonical JSON of every field except receipt_hash.
  std::string compute_hash() const;
  // True when receipt_hash matches the content: the receipt was not altered after it was issued.
  bool verify() const;

  nlohmann::json to_json() const;
  // Throws MemoryError naming the field. Does not verify the hash (call verify()).
  static ErasureReceipt from_json(const nlohmann::json& json);
};

// A receipt with its hash filled in.
ErasureReceipt make_receipt(const ErasureTarget& target, std::vector<RemovedEntry> removed, std::string store_kind,
                            Timestamp time);

}  // namespace lethe::agent
