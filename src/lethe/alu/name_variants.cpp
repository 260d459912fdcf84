#include "lethe/alu/name_variants.hpp"

#include <algorithm>
#include <unordered_set>

#include "lethe/alu/text_normalizer.hpp"

namespace lethe::alu {
namespace {

const std::unordered_set<std::string_view>& stop_words() {
  static const std::unordered_set<std::string_view> words = {
      // English function words
      "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "before", "but", "by",
      "can", "could", "did", "do", "does", "for", "from", "had", "has", "have", "he", "her", "hers", "him", "his",
      "how", "i", "if", "in", "into", "is", "it", "its", "may", "me", "might", "my", "no", "nor", "not", "of", "on",
      "one", "or", "our", "out", "over", "she", "should", "so", "some", "such", "than", "that", "the", "their", "them",
      "then", "there", "these", "they", "this", "those", "to", "under", "up", "us", "was", "we", "were", "what", "when",
      "where", "which", "while", "who", "whom", "whose", "why", "will", "with", "would", "you", "your",
      // name particles
      "al", "el", "ibn", "bin", "bint", "abu", "da", "das", "de", "del", "della", "der", "des", "di", "dos", "du",
      "den", "la", "le", "les", "lo", "ter", "ten", "van", "vander", "von", "zu", "y", "af", "av",
      // titles and suffixes
      "mr", "mrs", "ms", "dr", "prof", "sir", "dame", "lord", "lady", "st", "saint", "jr", "sr", "ii", "iii", "iv",
      "phd", "md", "esq"};
  return words;
}

bool is_suffix(std::string_view word) {
  return word == "jr" || word == "sr" || word == "ii" || word == "iii" || word == "iv" || word == "phd" ||
         word == "md" || word == "esq";
}

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string first_code_point(std::string_view s) {
  std::size_t n = 1;
  while (n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) ++n;
  return std::string(s.substr(0, n));
}

// A one-letter word is an initial already ("A. B. Guthrie"), except the conjunctions of Iberian names
// ("José Batlle y Ordóñez"); longer stop words are particles ("de", "al") or function words.
bool gives_initial(std::string_view token, std::size_t word_index) {
  if (token.size() == 1) return !(word_index > 0 && (token == "y" || token == "e"));
  return !is_stop_word(token);
}

using Words = std::vector<std::vector<std::string>>;  // each original word as its normalised tokens

// Words are separated by white space in the original; one normalisation of the whole text gives their tokens.
Words split_words(std::string_view text) {
  Words words;
  auto normalized = normalize(text);
  std::size_t previous_end = 0;
  for (std::size_t i = 0; i < normalized.tokens.size(); ++i) {
    const auto& token = normalized.tokens[i];
    auto gap = text.substr(previous_end, token.source_begin - std::min(previous_end, token.source_begin));
    bool new_word = words.empty() || gap.find_first_of(" \t\r\n") != std::string_view::npos;
    if (new_word) words.emplace_back();
    words.back().emplace_back(normalized.token(i));
    previous_end = token.source_end;
  }
  return words;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

// Few patterns per name: a linear search beats hashing.
class PatternSet {
 public:
  void add(std::string text, PatternKind kind) {
    if (text.empty()) return;
    for (auto& existing : patterns_) {
      if (existing.text == text) {
        existing.kind = std::min(existing.kind, kind);
        return;
      }
    }
    patterns_.push_back({std::move(text), kind});
  }
  std::vector<NamePattern> take() { return std::move(patterns_); }

 private:
  std::vector<NamePattern> patterns_;
};

}  // namespace

bool is_stop_word(std::string_view normalized_word) { return stop_words().contains(normalized_word); }

std::vector<NamePattern> name_patterns(const Target& target) {
  PatternSet out;
  out.add(normalize_string(target.name), PatternKind::Name);
  for (const auto& alias : target.aliases) out.add(normalize_string(alias), PatternKind::Alias);

  std::string_view head(target.name);
  head = head.substr(0, head.find(','));
  Words words = split_words(head);
  while (words.size() >= 2 && words.back().size() == 1 && is_suffix(words.back().front())) words.pop_back();
  if (words.size() < 2) return out.take();

  std::vector<std::string> all_tokens;
  for (const auto& word : words) all_tokens.insert(all_tokens.end(), word.begin(), word.end());
  out.add(join(all_tokens, " "), PatternKind::Name);

  // The surname alone: the last word, or its last piece when particles come before it ("Al-Kuwaiti" → kuwaiti;
  // but "Welser-Möst" stays "welser most": "most" alone would be a common word, not this person).
  const auto& surname_word = words.back();
  const auto& last = surname_word.back();
  const bool particles_before =
      std::all_of(surname_word.begin(), surname_word.end() - 1, [](const std::string& t) { return is_stop_word(t); });
  if (particles_before) {
    if (!is_stop_word(last) && code_points(last) >= 3) out.add(last, PatternKind::Surname);
  } else {
    out.add(join(surname_word, " "), PatternKind::Surname);
  }

  std::vector<std::string> given_initials;
  for (std::size_t w = 0; w + 1 < words.size(); ++w) {
    for (const auto& token : words[w]) {
      if (gives_initial(token, w)) given_initials.push_back(first_code_point(token));
    }
  }
  std::string surname_initials;
  for (const auto& token : surname_word) {
    if (!is_stop_word(token)) surname_initials += first_code_point(token);
  }
  const std::string surname_text = join(surname_word, " ");
  if (!given_initials.empty()) {
    out.add(join(given_initials, " ") + " " + surname_text, PatternKind::Initials);
    if (given_initials.size() >= 2) {
      out.add(join(given_initials, "") + " " + surname_text, PatternKind::Initials);
      out.add(given_initials.front() + " " + surname_text, PatternKind::Initials);
    }
  }
  std::string acronym = join(given_initials, "") + surname_initials;
  if (code_points(acronym) >= 3) out.add(acronym, PatternKind::Acronym);
  return out.take();
}

}  // namespace lethe::alu
