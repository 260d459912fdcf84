// Where tests find shared models and data, the llama.cpp tools and the built CLI.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace lethe::test {

inline std::filesystem::path shared_path(const std::string& relative) {
  std::filesystem::path p = std::filesystem::path(LETHE_SHARED_DIR) / relative;
  if (!std::filesystem::exists(p)) throw std::runtime_error("test input missing: " + p.string());
  return p;
}

// The source tree (this file is <repository>/tests/support/lethe_test/paths.hpp): where the README's commands run.
inline std::filesystem::path repository_root() {
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
}

inline std::string stories_model() { return shared_path("models/stories260Ktok512.gguf").string(); }
inline std::string tiny_random_model() { return shared_path("models/llama-2-tiny-random.gguf").string(); }
inline std::string llama_server_binary() { return LETHE_LLAMA_SERVER; }
inline std::string cli_binary() { return LETHE_CLI; }

// A fresh, empty directory for one test, under the build tree. It lives under the running test's full name, so
// that ctest's parallel processes (the instances of one parameterised test above all) never share one.
inline std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = std::filesystem::path(LETHE_TEST_BINARY_DIR) / "scratch";
  if (const auto* test = testing::UnitTest::GetInstance()->current_test_info()) {
    std::string test_name = std::string(test->test_suite_name()) + "." + test->name();
    for (char& c : test_name) {
      if (c == '/') c = '_';
    }
    dir /= test_name;
  }
  dir /= name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace lethe::test
