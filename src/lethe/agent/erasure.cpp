#include "lethe/agent/erasure.hpp"

#include <algorithm>
#include <stdexcept>

#include "lethe/agent/memory_error.hpp"
#include "lethe/util/sha256.hpp"

namespace lethe::agent {

using util::sha256_hex;
namespace {

using nlohmann::json;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

bool visits(const MemoryEntry& entry, const env::StateId& state) {
  const auto& visited = entry.provenance.visited;
  return std::find(visited.begin(), visited.end(), state) != visited.end();
}

bool contains_run(const std::vector<env::StateId>& visited, const std::vector<env::StateId>& run) {
  if (run.empty()) return false;
  return std::search(visited.begin(), visited.end(), run.begin(), run.end()) != visited.end();
}

bool belongs_to(const MemoryEntry& entry, const std::string& environment) {
  if (entry.provenance.environment == environment) return true;
  if (entry.subject && entry.subject->environment == environment) return true;
  const auto& visited = entry.provenance.visited;
  return std::any_of(visited.begin(), visited.end(),
                     [&](const env::StateId& state) { return state.environment == environment; });
}

[[noreturn]] void fail_field(const std::string& what, const std::string& field, const std::string& problem) {
  throw MemoryError(what + ": field '" + field + "' " + problem);
}

const json& member(const json& object, const std::string& key, const std::string& what) {
  if (!object.is_object()) fail_field(what, "(top)", "must be an object");
  const auto it = object.find(key);
  if (it == object.end()) fail_field(what, key, "is missing");
  return *it;
}

std::string string_member(const json& object, const std::string& key, const std::string& what) {
  const json& value = member(object, key, what);
  if (!value.is_string()) fail_field(what, key, "must be a string");
  return value.get<std::string>();
}

env::StateId state_from(const json& value, const std::string& field, const std::string& what) {
  if (!value.is_string()) fail_field(what, field, "must be a state id string");
  try {
    return env::parse_state_id(value.get<std::string>());
  } catch (const std::invalid_argument& e) {
    fail_field(what, field, e.what());
  }
}

}  // namespace

void validate(const ErasureTarget& target) {
  std::visit(Overloaded{
                 [](const StateTarget& t) {
                   if (t.state.environment.empty() || t.state.key.empty()) {
                     throw MemoryError("erasure target: state id '" + t.state.str() + "' is incomplete");
                   }
                 },
                 [](const TrajectoryTarget& t) {
                   if (t.states.empty()) throw MemoryError("erasure target: trajectory has no states");
                 },
                 [](const EnvironmentTarget& t) {
                   if (t.environment.empty()) throw MemoryError("erasure target: environment name is empty");
                 },
             },
             target);
}

bool matches(const ErasureTarget& target, const MemoryEntry& entry) {
  return std::visit(
      Overloaded{
          [&](const StateTarget& t) { return visits(entry, t.state) || (entry.subject && *entry.subject == t.state); },
          [&](const TrajectoryTarget& t) { return contains_run(entry.provenance.visited, t.states); },
          [&](const EnvironmentTarget& t) { return !t.environment.empty() && belongs_to(entry, t.environment); },
      },
      target);
}

std::string describe(const ErasureTarget& target) {
  return std::visit(Overloaded{
                        [](const StateTarget& t) { return "state " + t.state.str(); },
                        [](const TrajectoryTarget& t) {
                          std::string out = "trajectory";
                          for (std::size_t i = 0; i < t.states.size(); ++i) {
                            out += (i == 0 ? " " : " -> ") + t.states[i].str();
                          }
                          return out;
                        },
                        [](const EnvironmentTarget& t) { return "environment " + t.environment; },
                    },
                    target);
}

json to_json(const ErasureTarget& target) {
  return std::visit(Overloaded{
                        [](const StateTarget& t) {
                          return json{{"type", "state"}, {"state", t.state.str()}};
                        },
                        [](const TrajectoryTarget& t) {
                          json states = json::array();
                          for (const auto& s : t.states) states.push_back(s.str());
                          return json{{"type", "trajectory"}, {"states", std::move(states)}};
                        },
                        [](const EnvironmentTarget& t) {
                          return json{{"type", "environment"}, {"environment", t.environment}};
                        },
                    },
                    target);
}

ErasureTarget erasure_target_from_json(const json& in) {
  const std::string what = "erasure target";
  const std::string type = string_member(in, "type", what);
  ErasureTarget target;
  if (type == "state") {
    target = StateTarget{state_from(member(in, "state", what), "state", what)};
  } else if (type == "trajectory") {
    const json& states = member(in, "states", what);
    if (!states.is_array()) fail_field(what, "states", "must be an array");
    TrajectoryTarget t;
    for (std::size_t i = 0; i < states.size(); ++i) {
      t.states.push_back(state_from(states[i], "states[" + std::to_string(i) + "]", what));
    }
    target = std::move(t);
  } else if (type == "environment") {
    target = EnvironmentTarget{string_member(in, "environment", what)};
  } else {
    fail_field(what, "type", "is '" + type + "' (expected state, trajectory or environment)");
  }
  validate(target);
  return target;
}

std::string ErasureReceipt::compute_hash() const {
  json content = to_json();
  content.erase("receipt_hash");
  return sha256_hex(content.dump());
}

bool ErasureReceipt::verify() const { return receipt_hash == compute_hash(); }

json ErasureReceipt::to_json() const {
  json removed_json = json::array();
  for (const auto& r : removed) removed_json.push_back({{"id", r.id}, {"content_hash", r.content_hash}});
  return {
      {"target", agent::to_json(target)},   {"target_description", target_description},
      {"removed", std::move(removed_json)}, {"removed_count", removed.size()},
      {"store_kind", store_kind},           {"time", to_iso8601(time)},
      {"receipt_hash", receipt_hash},
  };
}

ErasureReceipt ErasureReceipt::from_json(const json& in) {
  const std::string what = "erasure receipt";
  ErasureReceipt receipt;
  receipt.target = erasure_target_from_json(member(in, "target", what));
  receipt.target_description = string_member(in, "target_description", what);
  const json& removed = member(in, "removed", what);
  if (!removed.is_array()) fail_field(what, "removed", "must be an array");
  for (std::size_t i = 0; i < removed.size(); ++i) {
    const std::string item = what + " removed[" + std::to_string(i) + "]";
    receipt.removed.push_back({string_member(removed[i], "id", item), string_member(removed[i], "content_hash", item)});
  }
  receipt.store_kind = string_member(in, "store_kind", what);
  try {
    receipt.time = parse_iso8601(string_member(in, "time", what));
  } catch (const std::invalid_argument& e) {
    fail_field(what, "time", e.what());
  }
  receipt.receipt_hash = string_member(in, "receipt_hash", what);
  return receipt;
}

ErasureReceipt make_receipt(const ErasureTarget& target, std::vector<RemovedEntry> removed, std::string store_kind,
                            Timestamp time) {
  ErasureReceipt receipt;
  receipt.target = target;
  receipt.target_description = describe(target);
  receipt.removed = std::move(removed);
  receipt.store_kind = std::move(store_kind);
  receipt.time = time;
  receipt.receipt_hash = receipt.compute_hash();
  return receipt;
}

}  // namespace lethe::agent
