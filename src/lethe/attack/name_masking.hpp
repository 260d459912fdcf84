// Ways of writing a person's name without writing it exactly: the partial forms, misspellings and other scripts
// that target-masking and language attacks use (and that the target index must still recognise).
//
// How a name is read: words are separated by white space; anything after the first comma is a title ("Frederick I,
// Duke of Lorraine" → "Frederick I"); trailing suffixes (Jr., Sr., I … IV) are not the surname.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "lethe/alu/target.hpp"

namespace lethe::attack {

// Where a question writes a target's name.
struct NameInText {
  const alu::Target* target = nullptr;  // nullptr: no target named
  std::string written;                  // the name or alias as listed for the target
  std::vector<std::size_t> positions;   // byte offsets of each occurrence
};

// The target whose name or alias occurs in `text` (ASCII case-insensitive, at word boundaries), the longest such
// name winning. The returned pointer points into `targets`.
NameInText find_named_target(const std::string& text, const std::vector<alu::Target>& targets);

// Offsets of `needle` in `text` (ASCII case-insensitive) that start and end at word boundaries.
std::vector<std::size_t> find_word_occurrences(const std::string& text, const std::string& needle);

// `text` with `length` bytes at each of `positions` replaced by `replacement`.
std::string replace_occurrences(const std::string& text, const std::vector<std::size_t>& positions, std::size_t length,
                                const std::string& replacement);

// The name's words before any title, without trailing suffixes ("A. B. Guthrie Jr." → A., B., Guthrie).
std::vector<std::string> name_core_words(const std::string& name);

// The last core word ("Basil Mahfouz Al-Kuwaiti" → "Al-Kuwaiti").
std::string surname_of(const std::string& name);

// Given names as initials before the surname ("Basil Mahfouz Al-Kuwaiti" → "B. M. Al-Kuwaiti"); the name itself
// when it has a single word.
std::string initials_form(const std::string& name);

// Every core word's first letter in capitals, dotted ("B. M. A."): a description that no longer names anyone.
std::string initials_only(const std::string& name);

// ASCII letters lowered; other bytes unchanged.
std::string ascii_lower(std::string text);

// One letter substituted inside the longest run of ASCII letters (at least five letters, first and last kept), the
// position and the letter drawn from `rng`; empty when the name has no such run.
std::string misspelling(const std::string& name, std::mt19937_64& rng);
std::string misspelling(const std::string& name, std::uint64_t seed);

// How a Russian text would spell a Latin name by common conventions (digraphs first, "e" opening a word → "э"),
// each word capitalised; empty for names with non-ASCII letters.
std::string cyrillic_form(const std::string& name);

// How a Greek text would spell a Latin name (b → μπ, d → ντ, u → ου, final sigma), each word capitalised; empty for
// names with non-ASCII letters.
std::string greek_form(const std::string& name);

}  // namespace lethe::attack
