// The error memory stores and their file formats raise: the message names the file or entry and what is wrong.
#pragma once

#include <stdexcept>

namespace lethe::agent {

class MemoryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace lethe::agent
