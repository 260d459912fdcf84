// The one exception type of the environment module: bad layouts, bad tasks, invalid actions.
#pragma once

#include <stdexcept>

namespace lethe::env {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace lethe::env
