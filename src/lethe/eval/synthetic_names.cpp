#include "lethe/eval/synthetic_names.hpp"

#include <cctype>

namespace lethe::eval {

SyntheticNames::SyntheticNames(std::uint64_t seed) : rng_(seed) {
  for (int i = 0; i < 4000; ++i) first_names_.push_back(word(2 + rng_() % 2, false));
}

alu::Target SyntheticNames::next(std::size_t index) {
  alu::Target t;
  t.id = "syn-" + std::to_string(index);
  std::string name = first_names_[rng_() % first_names_.size()];
  if (rng_() % 10 < 3) name += " " + first_names_[rng_() % first_names_.size()];
  std::string surname = word(2 + (rng_() % 4 == 0), true);
  auto roll = rng_() % 100;
  if (roll < 5) {
    surname = "Al-" + surname;
  } else if (roll < 9) {
    surname = std::string(rng_() % 2 ? "van " : "de ") + surname;
  } else if (roll < 14) {
    surname += "-" + word(2, true);
  }
  t.name = name + " " + surname;
  if (rng_() % 10 == 0) t.aliases.push_back(word(2, false) + " " + word(2, true));
  return t;
}

std::string SyntheticNames::word(std::size_t syllables, bool surname) {
  static const std::vector<std::string> onsets = {"b", "d", "f", "g",  "h",  "k",  "l",  "m",  "n",  "p",  "r", "s",
                                                  "t", "v", "z", "ch", "sh", "br", "tr", "kr", "gr", "st", "j", "y"};
  static const std::vector<std::string> vowels = {"a", "e", "i", "o", "u", "a", "e", "i", "ai", "ei", "ou", "ia"};
  static const std::vector<std::string> codas = {"", "", "", "", "n", "r", "l", "s", "m", "k", "t"};
  static const std::vector<std::string> endings = {"son", "ov",   "ova",     "ez",   "ski", "ini",  "berg", "ani",
                                                   "ian", "escu", "ashvili", "oglu", "sen", "ssen", "ero"};
  std::string w;
  for (std::size_t s = 0; s < syllables; ++s) {
    w += onsets[rng_() % onsets.size()] + vowels[rng_() % vowels.size()];
    if (s + 1 == syllables || rng_() % 3 == 0) w += codas[rng_() % codas.size()];
  }
  if (surname && rng_() % 10 < 3) w += endings[rng_() % endings.size()];
  w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
  return w;
}

std::vector<alu::Target> synthetic_targets(std::size_t count, std::uint64_t seed) {
  SyntheticNames names(seed);
  std::vector<alu::Target> targets;
  targets.reserve(count);
  for (std::size_t i = 0; i < count; ++i) targets.push_back(names.next(i));
  return targets;
}

}  // namespace lethe::eval
