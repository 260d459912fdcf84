// A fixture for the tests of one memory store's file: a fresh directory per test, the store's file in it, and
// the message a failed open gives.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "lethe/agent/memory_error.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::agent::test {

template <typename Store>
class StoreFileTest : public ::testing::Test {
 protected:
  StoreFileTest(std::string directory_prefix, std::string file_name)
      : prefix_(std::move(directory_prefix)), file_name_(std::move(file_name)) {}

  void SetUp() override {
    directory_ = lethe::test::scratch_dir(prefix_ + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    file_ = directory_ / file_name_;
  }

  std::string open_error() const {
    try {
      Store memory(file_);
    } catch (const MemoryError& e) {
      return e.what();
    }
    return "no error";
  }

  std::filesystem::path directory_;
  std::filesystem::path file_;

 private:
  std::string prefix_;
  std::string file_name_;
};

}  // namespace lethe::agent::test
