// The canonical name of a state, shared by environments, memory provenance, unlearning targets and the
// adversary: "<environment id>:<state key>", e.g. "maze-3:(3,4)".
#pragma once

#include <compare>
#include <functional>
#include <string>

namespace lethe::env {

struct StateId {
  std::string environment;
  std::string key;

  std::string str() const { return environment + ":" + key; }
  auto operator<=>(const StateId&) const = default;
};

// Parses "<environment>:<key>"; the environment id may not contain ':'. Throws std::invalid_argument.
StateId parse_state_id(const std::string& text);

}  // namespace lethe::env

template <>
struct std::hash<lethe::env::StateId> {
  std::size_t operator()(const lethe::env::StateId& id) const noexcept {
    return std::hash<std::string>{}(id.environment) * 31u ^ std::hash<std::string>{}(id.key);
  }
};
