// The one exception type of the ALU module: malformed target files, empty targets, bad arguments.
#pragma once

#include <stdexcept>

namespace lethe::alu {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace lethe::alu
