// Turns free text into the form in which target names are matched: a sequence of word tokens, each Unicode
// NFKC-normalised, case-folded and stripped of accents, joined by single spaces. Punctuation and symbols separate
// tokens ("Al-Kuwaiti" → "al kuwaiti", "J.R.R." → "j r r"); default-ignorable characters (soft hyphens,
// zero-width joiners) vanish.
//
// Transliteration, applied after folding, so that references in other scripts meet the Latin form of a name:
// - Cyrillic (Russian, Ukrainian, Belarusian, Serbian and Macedonian letters) by a simple table
//   ("Николай Абилов" → "nikolai abilov", "х" → "kh", "ц" → "ts", "щ" → "shch", "дж" → "j", soft/hard signs
//   dropped; "й" loses its breve with the other marks and reads "i");
// - Greek (modern monotonic values; polytonic accents go with the other marks; "ου" → "ou", "μπ" → "b");
// - Latin letters that have no Unicode decomposition: ø→o, æ→ae, œ→oe, ł→l, đ/ð→d, þ→th, ı→i, ħ→h, ŋ→n
//   (ß becomes "ss" by case folding).
// Not covered: Arabic, Hebrew, Indic, Thai and East Asian scripts keep their own letters, so they match only
// names written in the same script. Han, Hiragana and Katakana characters each form a token of their own, since
// those scripts put no spaces between words. Phonetic differences between transliteration conventions
// ("Бэзил" → "bezil", not "basil") are left to the index's fuzzy matching, which uses the `transliterated` flag.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lethe::alu {

struct NormalizedToken {
  std::size_t begin = 0;  // byte range of the token in NormalizedText::text
  std::size_t end = 0;
  std::size_t source_begin = 0;  // byte range of the original word the token came from (a word that
  std::size_t source_end = 0;    // normalisation splits, such as "½" → "1 2", gives tokens sharing one range)
  bool all_caps = false;         // the original word has at least two letters, all upper case ("JRRT", "NASA")
  bool capitalized = false;      // the original word starts with an upper-case letter
  bool sentence_start = false;   // the original word opens the text, a line or a sentence (after . ! ? : ;)
  bool transliterated = false;   // at least one letter came from the Cyrillic or Greek table
};

struct NormalizedText {
  std::string text;  // the tokens joined by single spaces; empty when the input has no word characters
  std::vector<NormalizedToken> tokens;
  bool cased = false;  // the original has at least one upper-case letter (else capitalisation tells nothing)

  std::string_view token(std::size_t index) const {
    const auto& t = tokens.at(index);
    return std::string_view(text).substr(t.begin, t.end - t.begin);
  }
};

// Never throws on bad input: invalid UTF-8 bytes act as separators.
NormalizedText normalize(std::string_view text);

// The normalised text alone ("Basil Mahfouz Al-Kuwaiti" → "basil mahfouz al kuwaiti").
std::string normalize_string(std::string_view text);

}  // namespace lethe::alu
