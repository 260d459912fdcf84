// Synthetic person names for scale benchmarks: built from syllables, with middle names, particles ("Al-", "van ",
// "de "), hyphenated surnames and occasional aliases, so that a million of them exercise the target index the way
// real names do. Deterministic from the seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "lethe/alu/target.hpp"

namespace lethe::eval {

class SyntheticNames {
 public:
  explicit SyntheticNames(std::uint64_t seed);

  // The next target, with id "syn-<index>".
  alu::Target next(std::size_t index);

 private:
  std::string word(std::size_t syllables, bool surname);

  std::mt19937_64 rng_;
  std::vector<std::string> first_names_;
};

// `count` targets "syn-0" … from SyntheticNames(seed).
std::vector<alu::Target> synthetic_targets(std::size_t count, std::uint64_t seed);

}  // namespace lethe::eval
