// The word patterns under which a target can be referred to: its name, its aliases, and the partial forms that
// masking uses (surname alone, initials). Patterns are in normalised form (see text_normalizer.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lethe/alu/target.hpp"

namespace lethe::alu {

// Strongest evidence first: the order is the priority when two forms of a name coincide.
enum class PatternKind : std::uint8_t {
  Name,      // the full name, or its core without a trailing title or suffix ("Philip Stanhope", "A. B. Guthrie")
  Alias,     // one of the target's aliases
  Initials,  // given names as initials before the surname: "j r r tolkien", "jrr tolkien", "j tolkien"
  Acronym,   // every initial run together ("jrrt"); matches only words written in capitals
  Surname,   // the last word of a multi-word name ("yun hwa" for Yun-Hwa; after particles only the rest:
             // "kuwaiti" for Al-Kuwaiti), when distinctive (not a stop word, ≥ 3 characters)
};

struct NamePattern {
  std::string text;  // normalised words joined by single spaces
  PatternKind kind = PatternKind::Name;

  bool operator==(const NamePattern&) const = default;
};

// Patterns for one target, without duplicates (a form reachable two ways keeps its strongest kind).
// How the name is read: words are separated by white space; anything after the first comma is a title
// ("Frederick I, Duke of Lorraine"); trailing suffixes (Jr., Sr., II, III, IV, PhD) are not the surname; name
// particles (al, de, van, von, bin, …) give no initial and are never a surname on their own.
std::vector<NamePattern> name_patterns(const Target& target);

// Function words, name particles, titles and suffixes, in normalised form. They are never a surname and never
// corrected as typos.
bool is_stop_word(std::string_view normalized_word);

}  // namespace lethe::alu
