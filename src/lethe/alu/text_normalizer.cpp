#include "lethe/alu/text_normalizer.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace lethe::alu {
namespace {

using CodePoint = utf8proc_int32_t;

bool is_word_category(utf8proc_category_t category) {
  switch (category) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

bool is_mark_category(utf8proc_category_t category) {
  return category == UTF8PROC_CATEGORY_MN || category == UTF8PROC_CATEGORY_MC || category == UTF8PROC_CATEGORY_ME;
}

// Scripts written without spaces between words: each character is a token of its own.
bool is_unspaced_script(CodePoint cp) {
  return (cp >= 0x3040 && cp <= 0x30FF)        // Hiragana, Katakana
         || (cp >= 0x3400 && cp <= 0x4DBF)     // CJK extension A
         || (cp >= 0x4E00 && cp <= 0x9FFF)     // CJK unified ideographs
         || (cp >= 0xF900 && cp <= 0xFAFF)     // CJK compatibility ideographs
         || (cp >= 0x20000 && cp <= 0x3134F);  // CJK extensions B–G
}

// Lower-case Cyrillic а (U+0430) … я (U+044F).
constexpr std::array<const char*, 32> kCyrillicBasic = {"a",  "b",  "v",  "g",    "d", "e", "zh", "z", "i",  "i", "k",
                                                        "l",  "m",  "n",  "o",    "p", "r", "s",  "t", "u",  "f", "kh",
                                                        "ts", "ch", "sh", "shch", "",  "y", "",   "e", "yu", "ya"};

// U+0450 … U+045F: ѐ ё ђ ѓ є ѕ і ї ј љ њ ћ ќ ѝ ў џ.
constexpr std::array<const char*, 16> kCyrillicExtra = {"e", "e",  "dj", "g", "ye", "dz", "i", "i",
                                                        "j", "lj", "nj", "c", "k",  "i",  "u", "dz"};

// Lower-case Greek α (U+03B1) … ω (U+03C9), final sigma included.
constexpr std::array<const char*, 25> kGreek = {"a", "v", "g", "d", "e", "z", "i", "th", "i", "k",  "l",  "m", "n",
                                                "x", "o", "p", "r", "s", "s", "t", "y",  "f", "ch", "ps", "o"};

struct Transliteration {
  const char* latin = nullptr;  // nullptr: keep the character
  bool foreign_script = false;  // Cyrillic or Greek, as opposed to a Latin letter without decomposition
};

Transliteration transliterate(CodePoint cp) {
  if (cp >= 0x0430 && cp <= 0x044F) return {kCyrillicBasic[static_cast<std::size_t>(cp - 0x0430)], true};
  if (cp >= 0x0450 && cp <= 0x045F) return {kCyrillicExtra[static_cast<std::size_t>(cp - 0x0450)], true};
  if (cp >= 0x03B1 && cp <= 0x03C9) return {kGreek[static_cast<std::size_t>(cp - 0x03B1)], true};
  switch (cp) {
    case 0x0491:
      return {"g", true};  // ґ
    case 0x0493:
      return {"gh", true};  // ғ
    case 0x049B:
      return {"q", true};  // қ
    case 0x04A3:
      return {"ng", true};  // ң
    case 0x04AF:
      return {"u", true};  // ү
    case 0x04B1:
      return {"u", true};  // ұ
    case 0x04BB:
      return {"h", true};  // һ
    case 0x04D9:
      return {"a", true};  // ә
    case 0x04E9:
      return {"o", true};  // ө
    case 0x00F8:
      return {"o", false};  // ø
    case 0x00E6:
      return {"ae", false};
    case 0x0153:
      return {"oe", false};
    case 0x0142:
      return {"l", false};  // ł
    case 0x0111:
      return {"d", false};  // đ
    case 0x00F0:
      return {"d", false};  // ð
    case 0x00FE:
      return {"th", false};
    case 0x0131:
      return {"i", false};  // dotless ı
    case 0x0127:
      return {"h", false};  // ħ
    case 0x014B:
      return {"n", false};  // ŋ
    default:
      return {};
  }
}

constexpr CodePoint kGreekOmicron = 0x03BF;
constexpr CodePoint kGreekUpsilon = 0x03C5;
constexpr CodePoint kGreekMu = 0x03BC;
constexpr CodePoint kGreekPi = 0x03C0;
constexpr CodePoint kCyrillicDe = 0x0434;
constexpr CodePoint kCyrillicZhe = 0x0436;

struct FreeDeleter {
  void operator()(utf8proc_uint8_t* p) const { std::free(p); }
};

class Builder {
 public:
  explicit Builder(NormalizedText& out) : out_(out) {}

  void begin_token(std::size_t source_begin, std::size_t source_end, bool all_caps, bool capitalized,
                   bool sentence_start) {
    source_begin_ = source_begin;
    source_end_ = source_end;
    all_caps_ = all_caps;
    capitalized_ = capitalized;
    sentence_start_ = sentence_start;
    start_piece();
  }

  void append(std::string_view s) { out_.text.append(s); }
  void append_code_point(CodePoint cp) {
    std::array<utf8proc_uint8_t, 4> buf{};
    auto n = utf8proc_encode_char(cp, buf.data());
    out_.text.append(reinterpret_cast<const char*>(buf.data()), static_cast<std::size_t>(n));
  }
  void mark_transliterated() { transliterated_ = true; }

  // Ends the current piece of the word and starts another (normalisation produced a separator inside the word).
  void split() {
    finish_piece();
    start_piece();
  }

  void end_token() { finish_piece(); }

 private:
  void start_piece() {
    if (!out_.text.empty()) out_.text.push_back(' ');
    piece_begin_ = out_.text.size();
    transliterated_ = false;
  }

  void finish_piece() {
    if (out_.text.size() == piece_begin_) {
      // Nothing survived (the word held only marks or ignorable characters): take back the separator.
      if (piece_begin_ > 0) out_.text.resize(piece_begin_ - 1);
      return;
    }
    NormalizedToken token;
    token.begin = piece_begin_;
    token.end = out_.text.size();
    token.source_begin = source_begin_;
    token.source_end = source_end_;
    token.all_caps = all_caps_;
    token.capitalized = capitalized_;
    token.sentence_start = sentence_start_;
    token.transliterated = transliterated_;
    out_.tokens.push_back(token);
  }

  NormalizedText& out_;
  std::size_t source_begin_ = 0;
  std::size_t source_end_ = 0;
  std::size_t piece_begin_ = 0;
  bool all_caps_ = false;
  bool capitalized_ = false;
  bool sentence_start_ = false;
  bool transliterated_ = false;
};

void emit_ascii_word(std::string_view word, Builder& builder) {
  std::string lowered(word);
  for (char& c : lowered) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  builder.append(lowered);
}

void emit_unicode_word(std::string_view word, Builder& builder) {
  utf8proc_uint8_t* mapped_raw = nullptr;
  const auto options =
      static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
                                     UTF8PROC_STRIPMARK | UTF8PROC_IGNORE | UTF8PROC_LUMP);
  auto length = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(word.data()),
                             static_cast<utf8proc_ssize_t>(word.size()), &mapped_raw, options);
  std::unique_ptr<utf8proc_uint8_t, FreeDeleter> mapped(mapped_raw);
  if (length < 0 || !mapped) return;  // only on allocation failure: the word is dropped, never a crash

  std::vector<CodePoint> cps;
  for (utf8proc_ssize_t pos = 0; pos < length;) {
    CodePoint cp = 0;
    auto n = utf8proc_iterate(mapped.get() + pos, length - pos, &cp);
    if (n <= 0) break;
    pos += n;
    cps.push_back(cp);
  }
  for (std::size_t i = 0; i < cps.size(); ++i) {
    CodePoint cp = cps[i];
    if (!is_word_category(utf8proc_category(cp)) || is_mark_category(utf8proc_category(cp))) {
      if (!is_mark_category(utf8proc_category(cp))) builder.split();
      continue;
    }
    // Digraphs: Greek "ου" is the vowel u and "μπ" the b of foreign names; Cyrillic "дж" is the English j
    // ("Раджив" → "rajiv").
    if (i + 1 < cps.size() &&
        ((cp == kGreekOmicron && cps[i + 1] == kGreekUpsilon) || (cp == kGreekMu && cps[i + 1] == kGreekPi) ||
         (cp == kCyrillicDe && cps[i + 1] == kCyrillicZhe))) {
      builder.append(cp == kGreekMu ? "b" : cp == kCyrillicDe ? "j" : "ou");
      builder.mark_transliterated();
      ++i;
      continue;
    }
    auto t = transliterate(cp);
    if (t.latin != nullptr) {
      builder.append(t.latin);
      if (t.foreign_script) builder.mark_transliterated();
    } else {
      builder.append_code_point(cp);
    }
  }
}

struct Word {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool ascii = true;
  int upper = 0;
  int lower = 0;
  bool first_upper = false;

  bool empty() const { return end == begin; }
  void add_letter_case(bool is_upper, bool is_lower) {
    if (upper == 0 && lower == 0) first_upper = is_upper;
    upper += is_upper;
    lower += is_lower;
  }
};

// Whether the '.' at text[dot] ends an initial ("J. Tolkien", "Х. Колкуитт") or a title ("Dr. Abilov") rather than
// a sentence.
bool ends_abbreviation(std::string_view text, std::size_t dot) {
  std::size_t start = dot;
  std::size_t letters = 0;
  while (start > 0) {
    auto byte = static_cast<unsigned char>(text[start - 1]);
    bool ascii_letter = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z');
    if (!ascii_letter && byte < 0x80) break;
    --start;
    if ((byte & 0xC0) != 0x80) ++letters;  // count code points, not bytes
  }
  if (letters == 1) return true;
  std::string word(text.substr(start, dot - start));
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static constexpr std::array<std::string_view, 8> kTitles = {"mr", "mrs", "ms", "dr", "st", "prof", "jr", "sr"};
  return std::find(kTitles.begin(), kTitles.end(), word) != kTitles.end();
}

// Whether the word at `begin` opens the text, a line or a sentence: looking back over blanks, quotes and opening
// brackets, the text starts, a line ends, or one of . ! ? : ; closes the previous sentence.
bool starts_sentence(std::string_view text, std::size_t begin) {
  static constexpr std::string_view kSkippable = " \t\r\"'([*-";
  static constexpr std::array<std::string_view, 6> kQuotes = {"\xE2\x80\x9C", "\xE2\x80\x9D", "\xE2\x80\x98",
                                                              "\xE2\x80\x99", "\xC2\xAB",     "\xC2\xBB"};
  std::size_t i = begin;
  while (i > 0) {
    char c = text[i - 1];
    if (c == '.') return !ends_abbreviation(text, i - 1);
    if (c == '\n' || c == '!' || c == '?' || c == ':' || c == ';') return true;
    if (kSkippable.find(c) != std::string_view::npos) {
      --i;
      continue;
    }
    bool quote = false;
    for (auto q : kQuotes) {
      if (i >= q.size() && text.substr(i - q.size(), q.size()) == q) {
        i -= q.size();
        quote = true;
        break;
      }
    }
    if (!quote) return false;
  }
  return true;
}

}  // namespace

NormalizedText normalize(std::string_view text) {
  NormalizedText out;
  out.text.reserve(text.size());
  Builder builder(out);

  auto flush = [&](Word& word) {
    if (word.upper > 0) out.cased = true;
    if (!word.empty()) {
      builder.begin_token(word.begin, word.end, word.upper >= 2 && word.lower == 0, word.first_upper,
                          starts_sentence(text, word.begin));
      auto slice = text.substr(word.begin, word.end - word.begin);
      if (word.ascii) {
        emit_ascii_word(slice, builder);
      } else {
        emit_unicode_word(slice, builder);
      }
      builder.end_token();
    }
    word = Word{};
  };

  Word word;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80) {  // ASCII fast path
      bool alnum = (byte >= '0' && byte <= '9') || (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z');
      if (!alnum) {
        flush(word);
        ++pos;
        continue;
      }
      if (word.empty()) word.begin = pos;
      word.add_letter_case(byte >= 'A' && byte <= 'Z', byte >= 'a' && byte <= 'z');
      word.end = ++pos;
      continue;
    }
    CodePoint cp = 0;
    auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + pos),
                              static_cast<utf8proc_ssize_t>(text.size() - pos), &cp);
    if (n <= 0) {  // invalid UTF-8: a separator
      flush(word);
      ++pos;
      continue;
    }
    auto next = pos + static_cast<std::size_t>(n);
    auto category = utf8proc_category(cp);
    if (is_unspaced_script(cp)) {
      flush(word);
      word = Word{};
      word.begin = pos;
      word.end = next;
      word.ascii = false;
      flush(word);
    } else if (category == UTF8PROC_CATEGORY_CF) {
      // Format characters (soft hyphen, zero-width joiners) vanish inside a word instead of splitting it.
      if (!word.empty()) {
        word.ascii = false;
        word.end = next;
      }
    } else if (is_word_category(category)) {
      if (word.empty()) word.begin = pos;
      word.ascii = false;
      word.add_letter_case(category == UTF8PROC_CATEGORY_LU || category == UTF8PROC_CATEGORY_LT,
                           category == UTF8PROC_CATEGORY_LL);
      word.end = next;
    } else {
      flush(word);
    }
    pos = next;
  }
  flush(word);
  return out;
}

std::string normalize_string(std::string_view text) { return normalize(text).text; }

}  // namespace lethe::alu
