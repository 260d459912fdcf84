// Helpers shared by the environment tests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "lethe/env/error.hpp"

namespace lethe::env::test {

// Runs `action`, expects env::Error, and checks that its message contains every fragment.
inline void expect_error(const std::function<void()>& action, const std::vector<std::string>& fragments) {
  try {
    action();
  } catch (const Error& e) {
    const std::string message = e.what();
    for (const auto& fragment : fragments) {
      EXPECT_NE(message.find(fragment), std::string::npos) << "message: " << message << "\nlacks: " << fragment;
    }
    return;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected env::Error, got another exception: " << e.what();
    return;
  }
  ADD_FAILURE() << "expected env::Error, nothing was thrown";
}

// The repository's data/gridworld folder (the tests live in <repo>/tests/env/).
inline std::filesystem::path example_layouts_dir() {
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "data" / "gridworld";
}

}  // namespace lethe::env::test
