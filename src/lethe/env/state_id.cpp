#include "lethe/env/state_id.hpp"

#include <stdexcept>

namespace lethe::env {

StateId parse_state_id(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    throw std::invalid_argument("malformed state id '" + text + "' (expected <environment>:<state>)");
  }
  return StateId{text.substr(0, colon), text.substr(colon + 1)};
}

}  // namespace lethe::env
