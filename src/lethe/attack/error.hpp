// The attack module's error: bad input to an attack (an empty distribution, a target outside the layout, ...).
#pragma once

#include <stdexcept>

namespace lethe::attack {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace lethe::attack
