#include "lethe/alu/token_dictionary.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <utility>

#include "lethe/alu/error.hpp"

namespace lethe::alu {
namespace {

using HashTable = TokenDictionary::HashTable;
using TokenId = TokenDictionary::TokenId;

constexpr std::size_t kMaxFuzzyLength = 64;  // longer words are matched exactly only
constexpr std::size_t kMinTypoQueryLength = 4;
constexpr std::size_t kMinShortWordLength = 3;    // shortest dictionary word corrected beside other evidence
constexpr std::size_t kMinPhoneticKeyLength = 2;  // keys this short give weak (short_word) candidates
constexpr std::size_t kStrongPhoneticKeyLength = 3;
constexpr std::size_t kMaxProbedCandidates = 512;
constexpr std::size_t kMaxPhoneticProbes = 2048;

std::uint64_t hash_of(std::string_view s) { return std::hash<std::string_view>{}(s); }

// Deletions indexed for a dictionary word: its typo budget, and one for short words.
int indexed_deletes(std::size_t length) {
  return std::max(TokenDictionary::typo_budget(length), length >= kMinShortWordLength ? 1 : 0);
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool fuzzy_eligible(std::string_view word) { return word.size() <= kMaxFuzzyLength && is_ascii(word); }

// ---- compact hash multimap ----

std::uint32_t entry_check(const HashTable& table, std::uint64_t hash) {
  if (table.value_bits >= 32) return 0;
  return static_cast<std::uint32_t>((hash >> 32) & ((std::uint64_t{1} << (32 - table.value_bits)) - 1));
}

std::uint32_t entry_value(const HashTable& table, std::uint32_t entry) {
  return table.value_bits >= 32 ? entry : entry & ((std::uint32_t{1} << table.value_bits) - 1);
}

std::uint32_t entry_of(const HashTable& table, std::uint64_t hash, std::uint32_t value) {
  return table.value_bits >= 32 ? value : (entry_check(table, hash) << table.value_bits) | value;
}

// Built in two passes over the items, so no temporary list of them is ever held: `generate(emit)` must call
// emit(hash, value) for the same items both times. `expected_items` only sizes the buckets.
template <typename Generate>
HashTable build_table(std::size_t expected_items, std::size_t value_count, Generate&& generate) {
  HashTable table;
  table.value_bits = std::max(1, static_cast<int>(std::bit_width(std::max<std::size_t>(value_count, 1))));
  const std::size_t buckets = std::bit_ceil(std::max<std::size_t>(expected_items / 2, 1));
  table.mask = buckets - 1;
  table.bucket_begin.assign(buckets + 1, 0);
  generate([&](std::uint64_t hash, std::uint32_t) { ++table.bucket_begin[(hash & table.mask) + 1]; });
  for (std::size_t b = 0; b < buckets; ++b) table.bucket_begin[b + 1] += table.bucket_begin[b];
  table.entries.resize(table.bucket_begin[buckets]);
  std::vector<std::uint32_t> cursor(table.bucket_begin.begin(), table.bucket_begin.end() - 1);
  generate([&](std::uint64_t hash, std::uint32_t value) {
    table.entries[cursor[hash & table.mask]++] = entry_of(table, hash, value);
  });
  return table;
}

template <typename F>
void for_each_value(const HashTable& table, std::uint64_t hash, F&& f) {
  auto bucket = hash & table.mask;
  auto check = entry_check(table, hash);
  for (auto i = table.bucket_begin[bucket]; i < table.bucket_begin[bucket + 1]; ++i) {
    auto entry = table.entries[i];
    if (table.value_bits >= 32 || (entry >> table.value_bits) == check) f(entry_value(table, entry));
  }
}

std::size_t table_bytes(const HashTable& table) {
  return table.bucket_begin.capacity() * sizeof(std::uint32_t) + table.entries.capacity() * sizeof(std::uint32_t);
}

// ---- deletion neighbourhoods ----

std::size_t deletion_count_bound(std::size_t length, int max_deletes) {
  std::size_t n = 1 + length;
  if (max_deletes >= 2) n += length * (length - 1) / 2;
  return n;
}

// Hashes of `word` with up to `max_deletes` characters removed (the word itself included), without duplicates.
void deletion_hashes(std::string_view word, int max_deletes, std::vector<std::uint64_t>& out) {
  out.clear();
  out.push_back(hash_of(word));
  std::array<char, kMaxFuzzyLength> buffer{};
  const std::size_t n = word.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t k = 0;
    for (std::size_t p = 0; p < n; ++p) {
      if (p != i) buffer[k++] = word[p];
    }
    out.push_back(hash_of(std::string_view(buffer.data(), k)));
    if (max_deletes < 2) continue;
    for (std::size_t j = i + 1; j < n; ++j) {
      std::size_t m = 0;
      for (std::size_t p = 0; p < n; ++p) {
        if (p != i && p != j) buffer[m++] = word[p];
      }
      out.push_back(hash_of(std::string_view(buffer.data(), m)));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

// Romanisations of one name differ in a vowel or two and a digraph ("bezil" / "basil", "makhfuz" / "mahfouz").
int phonetic_budget(std::size_t length) { return length >= 9 ? 3 : 2; }

// The set of letters a word uses, one bit per letter a–z (each edit changes at most two bits).
std::uint32_t letter_set(std::string_view word) {
  std::uint32_t set = 0;
  for (char c : word) {
    if (c >= 'a' && c <= 'z') set |= std::uint32_t{1} << (c - 'a');
  }
  return set;
}

bool is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'; }

void sort_and_limit(std::vector<TokenDictionary::Candidate>& out, std::size_t first, std::size_t limit) {
  std::stable_sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                   [](const auto& a, const auto& b) { return a.distance < b.distance; });
  if (out.size() - first > limit) out.resize(first + limit);
}

}  // namespace

// ---- builder ----

TokenId TokenDictionary::Builder::intern(std::string_view word) {
  if (slots_.empty() || size() * 2 >= slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash_of(word) & mask;; i = (i + 1) & mask) {
    TokenId id = slots_[i];
    if (id == kNoToken) {
      if (arena_.size() + word.size() > std::numeric_limits<std::uint32_t>::max() || size() >= kNoToken - 1) {
        throw Error("token dictionary: too many words");
      }
      id = static_cast<TokenId>(size());
      arena_.append(word);
      offsets_.push_back(static_cast<std::uint32_t>(arena_.size()));
      slots_[i] = id;
      return id;
    }
    if (std::string_view(arena_).substr(offsets_[id], offsets_[id + 1] - offsets_[id]) == word) return id;
  }
}

void TokenDictionary::Builder::grow() {
  std::vector<TokenId> slots(std::max<std::size_t>(slots_.size() * 2, 64), kNoToken);
  const std::size_t mask = slots.size() - 1;
  for (TokenId id = 0; id < size(); ++id) {
    auto word = std::string_view(arena_).substr(offsets_[id], offsets_[id + 1] - offsets_[id]);
    std::size_t i = hash_of(word) & mask;
    while (slots[i] != kNoToken) i = (i + 1) & mask;
    slots[i] = id;
  }
  slots_ = std::move(slots);
}

TokenDictionary TokenDictionary::Builder::build() const {
  TokenDictionary dict;
  dict.arena_ = arena_;
  dict.offsets_ = offsets_;
  const auto count = static_cast<TokenId>(size());

  dict.words_ = build_table(count, count, [&](auto&& emit) {
    for (TokenId id = 0; id < count; ++id) emit(hash_of(dict.word(id)), id);
  });

  // Three deletion tables by dictionary word length, so that a query probes only the words it may reach:
  // 3–4 letters (weak, on request), 5–8 (one edit), 9 and more (two edits).
  auto deletion_table = [&](std::size_t min_length, std::size_t max_length) {
    auto in_range = [&](std::string_view w) {
      return w.size() >= min_length && w.size() <= max_length && fuzzy_eligible(w);
    };
    std::size_t expected = 0;
    for (TokenId id = 0; id < count; ++id) {
      auto w = dict.word(id);
      if (in_range(w)) expected += deletion_count_bound(w.size(), indexed_deletes(w.size()));
    }
    std::vector<std::uint64_t> hashes;
    return build_table(expected, count, [&](auto&& emit) {
      for (TokenId id = 0; id < count; ++id) {
        auto w = dict.word(id);
        if (!in_range(w)) continue;
        deletion_hashes(w, indexed_deletes(w.size()), hashes);
        for (auto h : hashes) emit(h, id);
      }
    });
  };
  dict.short_deletions_ = deletion_table(kMinShortWordLength, 4);
  dict.deletions_ = deletion_table(5, 8);
  dict.long_deletions_ = deletion_table(9, kMaxFuzzyLength);

  dict.phonetic_hash_.assign(count, 0);
  dict.letters_.assign(count, 0);
  for (TokenId id = 0; id < count; ++id) {
    auto w = dict.word(id);
    dict.letters_[id] = letter_set(w);
    if (!fuzzy_eligible(w)) continue;
    auto key = phonetic_key(w);
    if (key.size() >= kMinPhoneticKeyLength) dict.phonetic_hash_[id] = static_cast<std::uint32_t>(hash_of(key)) | 1U;
  }
  dict.phonetic_ = build_table(count, count, [&](auto&& emit) {
    for (TokenId id = 0; id < count; ++id) {
      auto w = dict.word(id);
      if (!fuzzy_eligible(w)) continue;
      auto key = phonetic_key(w);
      if (key.size() >= kMinPhoneticKeyLength) emit(hash_of(key), id);
    }
  });
  return dict;
}

// ---- lookups ----

TokenDictionary::TokenDictionary() = default;

TokenId TokenDictionary::find(std::string_view word) const {
  TokenId found = kNoToken;
  for_each_value(words_, hash_of(word), [&](std::uint32_t id) {
    if (found == kNoToken && this->word(id) == word) found = id;
  });
  return found;
}

std::string_view TokenDictionary::word(TokenId id) const {
  return std::string_view(arena_).substr(offsets_[id], offsets_[id + 1] - offsets_[id]);
}

void TokenDictionary::typo_candidates(std::string_view query, std::vector<Candidate>& out, std::size_t limit,
                                      bool short_words) const {
  const std::size_t min_length = short_words ? kMinShortWordLength : kMinTypoQueryLength;
  if (query.size() < min_length || !fuzzy_eligible(query)) return;
  std::vector<std::uint64_t> hashes;
  std::vector<TokenId> probed;
  auto probe = [&](const HashTable& table) {
    for (auto h : hashes) {
      for_each_value(table, h, [&](std::uint32_t id) {
        if (probed.size() < kMaxProbedCandidates) probed.push_back(id);
      });
    }
  };
  deletion_hashes(query, 1, hashes);
  probe(deletions_);
  if (short_words) probe(short_deletions_);
  if (query.size() >= 7) {  // a word of 9 letters or more may be two edits away
    deletion_hashes(query, 2, hashes);
    probe(long_deletions_);
  }
  std::sort(probed.begin(), probed.end());
  probed.erase(std::unique(probed.begin(), probed.end()), probed.end());
  const std::size_t first = out.size();
  for (TokenId id : probed) {
    auto candidate = word(id);
    int budget = typo_budget(candidate.size());
    const bool is_short = budget == 0;
    if (is_short) {
      if (!short_words || candidate.size() < kMinShortWordLength) continue;
      budget = 1;
    }
    auto length_gap =
        candidate.size() > query.size() ? candidate.size() - query.size() : query.size() - candidate.size();
    if (static_cast<int>(length_gap) > budget) continue;
    int distance = bounded_edit_distance(query, candidate, budget);
    if (distance >= 1 && distance <= budget) out.push_back({id, distance, is_short});
  }
  sort_and_limit(out, first, limit);
}

void TokenDictionary::transliteration_candidates(std::string_view query, std::vector<Candidate>& out,
                                                 std::size_t limit) const {
  if (!fuzzy_eligible(query)) return;
  auto key = phonetic_key(query);
  if (key.size() < kMinPhoneticKeyLength) return;
  const bool weak = key.size() < kStrongPhoneticKeyLength;
  const int budget = phonetic_budget(query.size());
  const std::size_t first = out.size();
  std::size_t probed = 0;
  // Entries carry part of the key's hash, so nearly all of them share the key; the distance bounds the rest.
  // Crowded keys (hundreds of words) are common among a million names: a letter-set test discards most of them
  // before the distance is computed.
  const std::uint32_t query_letters = letter_set(query);
  for_each_value(phonetic_, hash_of(key), [&](std::uint32_t id) {
    if (++probed > kMaxPhoneticProbes) return;
    auto candidate = word(id);
    if (candidate == query) return;
    if (std::popcount(query_letters ^ letter_set(candidate)) > 2 * budget) return;
    int distance = bounded_edit_distance(query, candidate, budget);
    if (distance <= budget) out.push_back({id, distance, weak});
  });
  sort_and_limit(out, first, limit);
}

TokenDictionary::QueryWord TokenDictionary::query_word(std::string_view text, bool transliterated) {
  QueryWord q;
  q.text = text;
  q.transliterated = transliterated;
  q.letters = letter_set(text);
  if (transliterated && fuzzy_eligible(text)) {
    auto key = phonetic_key(text);
    q.key_length = key.size();
    q.key_hash = static_cast<std::uint32_t>(hash_of(key)) | 1U;
  }
  return q;
}

std::optional<TokenDictionary::Similarity> TokenDictionary::similarity(const QueryWord& query, TokenId id,
                                                                       bool short_words) const {
  const auto word = this->word(id);
  if (query.text == word || !fuzzy_eligible(query.text) || !fuzzy_eligible(word)) return std::nullopt;
  const int differing_letters = std::popcount(query.letters ^ letters_[id]);
  int budget = typo_budget(word.size());
  bool is_short = false;
  if (budget == 0 && short_words && word.size() >= kMinShortWordLength && query.text.size() >= kMinShortWordLength) {
    budget = 1;
    is_short = true;
  }
  auto length_gap = word.size() > query.text.size() ? word.size() - query.text.size() : query.text.size() - word.size();
  if (budget > 0 && static_cast<int>(length_gap) <= budget && differing_letters <= 2 * budget &&
      query.text.size() >= kMinTypoQueryLength - (is_short ? 1 : 0)) {
    int distance = bounded_edit_distance(query.text, word, budget);
    if (distance <= budget) return Similarity{distance, is_short};
  }
  if (query.key_length >= kMinPhoneticKeyLength && query.key_hash == phonetic_hash_[id]) {
    const int phonetic = phonetic_budget(query.text.size());
    if (differing_letters > 2 * phonetic) return std::nullopt;
    int distance = bounded_edit_distance(query.text, word, phonetic);
    if (distance <= phonetic) return Similarity{distance, query.key_length < kStrongPhoneticKeyLength};
  }
  return std::nullopt;
}

std::size_t TokenDictionary::memory_bytes() const {
  return arena_.capacity() + offsets_.capacity() * sizeof(std::uint32_t) + table_bytes(words_) +
         table_bytes(short_deletions_) + table_bytes(deletions_) + table_bytes(long_deletions_) +
         table_bytes(phonetic_) + (phonetic_hash_.capacity() + letters_.capacity()) * sizeof(std::uint32_t);
}

int TokenDictionary::typo_budget(std::size_t word_length) {
  if (word_length >= 9) return 2;
  if (word_length >= 5) return 1;
  return 0;
}

namespace {

// Whether a and b are at most one edit apart (substitution, insertion, deletion or adjacent transposition), in
// one pass: the common case of typo verification.
int distance_up_to_one(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  if (a.size() < b.size()) std::swap(a, b);
  std::size_t i = 0;
  while (i < b.size() && a[i] == b[i]) ++i;
  if (a.size() == b.size()) {
    if (a.substr(i + 1) == b.substr(i + 1)) return 1;  // substitution
    bool transposed = i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] && a.substr(i + 2) == b.substr(i + 2);
    return transposed ? 1 : 2;
  }
  if (a.size() == b.size() + 1 && a.substr(i + 1) == b.substr(i)) return 1;  // one letter more in a
  return 2;
}

}  // namespace

int TokenDictionary::bounded_edit_distance(std::string_view a, std::string_view b, int bound) {
  if (bound == 1) return distance_up_to_one(a, b);
  if (bound <= 0) return a == b ? 0 : bound + 1;
  if (a.size() > kMaxFuzzyLength || b.size() > kMaxFuzzyLength) return a == b ? 0 : bound + 1;
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  if ((n > m ? n - m : m - n) > static_cast<std::size_t>(bound)) return bound + 1;
  // The recurrence of edit_distance over rows of m + 1 cells (three rotating rows, only written cells read),
  // stopping once a whole row exceeds the bound (row minima never decrease).
  std::array<std::array<int, kMaxFuzzyLength + 1>, 3> rows;
  int* before = rows[0].data();
  int* previous = rows[1].data();
  int* current = rows[2].data();
  for (std::size_t j = 0; j <= m; ++j) previous[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= n; ++i) {
    current[0] = static_cast<int>(i);
    int row_best = current[0];
    for (std::size_t j = 1; j <= m; ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int best = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) best = std::min(best, before[j - 2] + 1);
      current[j] = best;
      row_best = std::min(row_best, best);
    }
    if (row_best > bound) return bound + 1;
    std::swap(before, previous);  // the old "before" row is overwritten next
    std::swap(previous, current);
  }
  return std::min(previous[m], bound + 1);
}

int TokenDictionary::edit_distance(std::string_view a, std::string_view b) {
  if (a.size() > kMaxFuzzyLength || b.size() > kMaxFuzzyLength) return a == b ? 0 : static_cast<int>(kMaxFuzzyLength);
  // Optimal string alignment: Levenshtein plus adjacent transpositions, three rolling rows.
  std::array<int, kMaxFuzzyLength + 1> before{}, previous{}, current{};
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= b.size(); ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int best = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) best = std::min(best, before[j - 2] + 1);
      current[j] = best;
    }
    before = previous;
    previous = current;
  }
  return previous[b.size()];
}

// Romanisation digraphs folded ("kh", "gh", "h" dropped; "sch", "sh", "zh" → s; "ch" → c; "ts", "tz" → s;
// "ph" → v), letters that conventions swap merged (w/v/f, z/s, q/k/hard c, soft c → s), the glides j, y, "dj",
// "dzh" counted as vowels, every vowel run one 'a', repeated letters collapsed.
std::string TokenDictionary::phonetic_key(std::string_view word) {
  std::string key;
  key.reserve(word.size());
  auto push = [&](char c) {
    if (key.empty() || key.back() != c) key += c;
  };
  auto at = [&](std::size_t i) { return i < word.size() ? word[i] : '\0'; };
  for (std::size_t i = 0; i < word.size(); ++i) {
    const char c = word[i];
    const char next = at(i + 1);
    if (c == 'd' && next == 'z' && at(i + 2) == 'h') {
      push('a');
      i += 2;
    } else if (c == 's' && next == 'c' && at(i + 2) == 'h') {
      push('s');
      i += 2;
    } else if (next == 'h' && (c == 'k' || c == 'g')) {
      ++i;
    } else if (next == 'h' && (c == 's' || c == 'z')) {
      push('s');
      ++i;
    } else if (next == 'h' && c == 'c') {
      push('c');
      ++i;
    } else if (next == 'h' && c == 'p') {
      push('v');
      ++i;
    } else if (next == 'h' && c == 't') {
      push('t');
      ++i;
    } else if (c == 'd' && next == 'j') {
      push('a');
      ++i;
    } else if (c == 't' && (next == 's' || next == 'z')) {
      push('s');
      ++i;
    } else if (c == 'c' && next == 'k') {
      push('k');
      ++i;
    } else if (c == 'c') {
      push(next == 'e' || next == 'i' || next == 'y' ? 's' : 'k');
    } else if (c == 'q') {
      push('k');
    } else if (c == 'x') {
      push('k');
      push('s');
    } else if (c == 'w' || c == 'f') {
      push('v');
    } else if (c == 'z') {
      push('s');
    } else if (is_vowel(c) || c == 'j') {  // j and y are the same glide across conventions (Young / Йунг)
      push('a');
    } else if (c != 'h') {
      push(c);
    }
  }
  return key;
}

}  // namespace lethe::alu
