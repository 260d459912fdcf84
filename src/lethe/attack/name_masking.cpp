#include "lethe/attack/name_masking.hpp"

#include <cctype>
#include <sstream>
#include <utility>

namespace lethe::attack {
namespace {

bool is_suffix(const std::string& word) {
  return word == "Jr." || word == "Sr." || word == "Jr" || word == "Sr" || word == "I" || word == "II" ||
         word == "III" || word == "IV";
}

bool is_ascii_letter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

bool has_non_ascii(const std::string& text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

// Appends code point `cp` as UTF-8 (only the two-byte range is needed here: Cyrillic and Greek).
void append_two_byte(std::string& out, unsigned cp) {
  out += static_cast<char>(0xC0 | (cp >> 6));
  out += static_cast<char>(0x80 | (cp & 0x3F));
}

unsigned decode_two_byte(const std::string& piece) {
  return ((static_cast<unsigned char>(piece[0]) & 0x1Fu) << 6) | (static_cast<unsigned char>(piece[1]) & 0x3Fu);
}

// Upper-cases the first code point of a two-byte Cyrillic or Greek piece.
std::string capitalised(std::string piece) {
  if (piece.size() < 2) return piece;
  unsigned cp = decode_two_byte(piece);
  if ((cp >= 0x430 && cp <= 0x44F) || (cp >= 0x3B1 && cp <= 0x3C9 && cp != 0x3C2)) cp -= 0x20;
  std::string out;
  append_two_byte(out, cp);
  return out + piece.substr(2);
}

// Shared walk of a lower-cased ASCII name: digraphs first, then single letters via `letter(i)`.
template <typename Letter>
std::string transliterate(const std::string& name, const std::vector<std::pair<std::string, std::string>>& digraphs,
                          Letter letter) {
  if (has_non_ascii(name)) return "";
  const std::string lowered = ascii_lower(name);
  std::string out;
  bool word_start = true;
  for (std::size_t i = 0; i < lowered.size();) {
    const char c = lowered[i];
    std::string piece;
    std::size_t used = 1;
    if (!is_ascii_letter(c)) {
      piece = std::string(1, c);
    } else {
      for (const auto& [latin, foreign] : digraphs) {
        if (lowered.compare(i, latin.size(), latin) == 0) {
          piece = foreign;
          used = latin.size();
          break;
        }
      }
      if (piece.empty()) piece = letter(lowered, i, word_start);
    }
    if (word_start && is_ascii_letter(c)) piece = capitalised(piece);
    word_start = !is_ascii_letter(lowered[i + used - 1]);
    out += piece;
    i += used;
  }
  return out;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || (c & 0x80) != 0; }

}  // namespace

std::vector<std::size_t> find_word_occurrences(const std::string& text, const std::string& needle) {
  std::vector<std::size_t> found;
  if (needle.empty() || needle.size() > text.size()) return found;
  const std::string lowered_text = ascii_lower(text);
  const std::string lowered_needle = ascii_lower(needle);
  for (std::size_t pos = lowered_text.find(lowered_needle); pos != std::string::npos;
       pos = lowered_text.find(lowered_needle, pos + 1)) {
    const std::size_t end = pos + needle.size();
    const bool starts = pos == 0 || !is_word_char(text[pos - 1]);
    const bool ends = end == text.size() || !is_word_char(text[end]);
    if (starts && ends) found.push_back(pos);
  }
  return found;
}

std::string replace_occurrences(const std::string& text, const std::vector<std::size_t>& positions, std::size_t length,
                                const std::string& replacement) {
  std::string out;
  std::size_t last = 0;
  for (std::size_t pos : positions) {
    if (pos < last) continue;
    out += text.substr(last, pos - last) + replacement;
    last = pos + length;
  }
  return out + text.substr(last);
}

NameInText find_named_target(const std::string& text, const std::vector<alu::Target>& targets) {
  NameInText best;
  for (const auto& candidate : targets) {
    std::vector<std::string> names = {candidate.name};
    names.insert(names.end(), candidate.aliases.begin(), candidate.aliases.end());
    for (const auto& name : names) {
      if (name.size() <= best.written.size()) continue;
      auto found = find_word_occurrences(text, name);
      if (found.empty()) continue;
      best = {&candidate, name, std::move(found)};
    }
  }
  return best;
}

std::vector<std::string> name_core_words(const std::string& name) {
  std::vector<std::string> words;
  std::istringstream in(name.substr(0, name.find(',')));
  for (std::string w; in >> w;) words.push_back(w);
  while (words.size() > 1 && is_suffix(words.back())) words.pop_back();
  return words;
}

std::string surname_of(const std::string& name) {
  auto words = name_core_words(name);
  return words.empty() ? std::string() : words.back();
}

std::string initials_form(const std::string& name) {
  auto words = name_core_words(name);
  if (words.empty()) return "";
  std::string out;
  for (std::size_t i = 0; i + 1 < words.size(); ++i) out += words[i].substr(0, 1) + ". ";
  return out + words.back();
}

std::string initials_only(const std::string& name) {
  std::string out;
  for (const auto& word : name_core_words(name)) {
    // Particles in a hyphenated surname ("Al-Kuwaiti") give the initial of the part after the hyphen.
    std::string part = word;
    if (auto dash = word.rfind('-'); dash != std::string::npos && dash + 1 < word.size()) part = word.substr(dash + 1);
    if (!out.empty()) out += ' ';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(part[0])));
    out += '.';
  }
  return out;
}

std::string ascii_lower(std::string text) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x80) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

std::string misspelling(const std::string& name, std::mt19937_64& rng) {
  std::size_t best_start = 0, best_length = 0, start = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || !is_ascii_letter(name[i])) {
      if (i - start > best_length) {
        best_start = start;
        best_length = i - start;
      }
      start = i + 1;
    }
  }
  if (best_length < 5) return "";
  std::string typo = name;
  const auto pos = best_start + 1 + rng() % (best_length - 2);
  auto replacement = static_cast<char>('a' + rng() % 26);
  if (std::tolower(static_cast<unsigned char>(typo[pos])) == replacement) {
    replacement = replacement == 'z' ? 'a' : static_cast<char>(replacement + 1);
  }
  typo[pos] = replacement;
  return typo;
}

std::string misspelling(const std::string& name, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  return misspelling(name, rng);
}

std::string cyrillic_form(const std::string& name) {
  static const std::vector<std::pair<std::string, std::string>> digraphs = {
      {"sch", "ш"}, {"sh", "ш"}, {"ch", "ч"}, {"zh", "ж"}, {"kh", "х"}, {"ph", "ф"}, {"th", "т"}, {"ts", "ц"},
      {"ck", "к"},  {"ya", "я"}, {"yu", "ю"}, {"ye", "е"}, {"ou", "у"}, {"ee", "и"}, {"oo", "у"}};
  static const char* letters[26] = {"а", "б", "к", "д", "е", "ф", "г", "х", "и", "дж", "к",  "л", "м",
                                    "н", "о", "п", "к", "р", "с", "т", "у", "в", "в",  "кс", "и", "з"};
  return transliterate(name, digraphs, [](const std::string& s, std::size_t i, bool word_start) -> std::string {
    const char c = s[i];
    const char next = i + 1 < s.size() ? s[i + 1] : '\0';
    if (c == 'c') return (next == 'e' || next == 'i' || next == 'y') ? "с" : "к";
    if (c == 'y' && std::string("aeiou").find(next) != std::string::npos) return "й";
    if (c == 'e' && word_start) return "э";
    return letters[c - 'a'];
  });
}

std::string greek_form(const std::string& name) {
  static const std::vector<std::pair<std::string, std::string>> digraphs = {
      {"th", "θ"}, {"ch", "χ"},  {"kh", "χ"},  {"ph", "φ"}, {"ps", "ψ"}, {"ks", "ξ"},
      {"sh", "σ"}, {"ou", "ου"}, {"oo", "ου"}, {"ee", "ι"}, {"ck", "κ"}};
  static const char* letters[26] = {"α", "μπ", "κ", "δ", "ε", "φ", "γ", "χ",  "ι", "τζ", "κ", "λ", "μ",
                                    "ν", "ο",  "π", "κ", "ρ", "σ", "τ", "ου", "β", "ου", "ξ", "ι", "ζ"};
  return transliterate(name, digraphs, [](const std::string& s, std::size_t i, bool) -> std::string {
    const char c = s[i];
    const char next = i + 1 < s.size() ? s[i + 1] : '\0';
    if (c == 'c') return (next == 'e' || next == 'i' || next == 'y') ? "σ" : "κ";
    if (c == 's' && !is_ascii_letter(next)) return "ς";  // final sigma
    return letters[c - 'a'];
  });
}

}  // namespace lethe::attack
