// The distinct words of a set of names, each with a dense id, and the two approximate lookups that fuzzy matching
// needs, built once and then read-only (safe to share between threads):
// - typos: words within edit distance 1 (dictionary words of ≥ 5 characters) or 2 (≥ 9 characters), counting an
//   adjacent transposition as one edit; on request also 3–4 character words at distance 1. A deletion-neighbourhood
//   index (symmetric deletes, as in SymSpell) keeps this a few dozen hash probes per query word whatever the dictionary
//   size. ASCII words only.
// - transliterations: words that sound alike across romanisation conventions ("bezil" ~ "basil",
//   "makhfuz" ~ "mahfouz", "kuveiti" ~ "kuwaiti", "dzharrakh" ~ "jarrah"): the same phonetic key (romanisation
//   digraphs folded, letters that conventions swap merged, every vowel or glide run one 'a', 'h' dropped) and
//   within edit distance 2 (3 for words of 9 letters or more). Two-letter keys ("li" ~ "lee") give short_word
//   candidates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lethe::alu {

class TokenDictionary {
 public:
  using TokenId = std::uint32_t;
  static constexpr TokenId kNoToken = std::numeric_limits<TokenId>::max();

  struct Candidate {
    TokenId token = kNoToken;
    int distance = 0;         // edits from the query word, ≥ 1
    bool short_word = false;  // weak evidence on its own: a 3–4 character word one edit away, a two-letter key
  };

  class Builder {
   public:
    // The word's id, assigning the next one when the word is new.
    TokenId intern(std::string_view word);
    std::size_t size() const { return offsets_.size() - 1; }
    TokenDictionary build() const;

   private:
    void grow();
    std::string arena_;
    std::vector<std::uint32_t> offsets_{0};
    std::vector<TokenId> slots_;  // open addressing over the words, kNoToken when free
  };

  TokenDictionary();  // empty

  TokenId find(std::string_view word) const;  // kNoToken when absent
  std::string_view word(TokenId id) const;
  std::size_t size() const { return offsets_.size() - 1; }

  // Dictionary words within the typo budget of `word` (see above), excluding `word` itself; appended to `out`,
  // closest first, at most `limit` of them. With `short_words`, also 3–4 character words one edit away
  // (flagged short_word; the caller accepts them only beside other evidence, such as an exactly matched first name).
  void typo_candidates(std::string_view word, std::vector<Candidate>& out, std::size_t limit = 16,
                       bool short_words = false) const;
  // Dictionary words that may be another romanisation of `word`, excluding `word` itself.
  void transliteration_candidates(std::string_view word, std::vector<Candidate>& out, std::size_t limit = 16) const;

  std::size_t memory_bytes() const;

  // Whether a text word may stand for the dictionary word `word` by the rules above (a typo; for a
  // transliterated word also another romanisation; with `short_words` also a one-edit change to a 3–4 character
  // word). For callers that already know the few words that could follow (the children of a trie state); the
  // query's own figures are computed once by query_word().
  struct QueryWord {
    std::string_view text;
    bool transliterated = false;
    std::uint32_t key_hash = 0;  // of its phonetic key (transliterated words only)
    std::size_t key_length = 0;
    std::uint32_t letters = 0;  // the letters it uses, one bit each
  };
  static QueryWord query_word(std::string_view text, bool transliterated);
  struct Similarity {
    int distance = 0;
    bool short_word = false;
  };
  std::optional<Similarity> similarity(const QueryWord& query, TokenId word, bool short_words) const;

  // Exposed for tests: the edit budget of a dictionary word, and the distance used (optimal string alignment).
  static int typo_budget(std::size_t word_length);
  static int edit_distance(std::string_view a, std::string_view b);
  // The same distance when it is at most `bound`, else bound + 1 (faster: one pass for bound 1, else an early exit
  // once a whole row of the table exceeds the bound).
  static int bounded_edit_distance(std::string_view a, std::string_view b, int bound);
  static std::string phonetic_key(std::string_view word);

  // Implementation detail (public only so the .cpp's helpers can name it): an immutable hash multimap from 64-bit
  // hashes to values below 2^value_bits, laid out as buckets of contiguous 32-bit entries; the bits above the
  // value hold part of the hash, to skip most other keys of the bucket.
  struct HashTable {
    std::vector<std::uint32_t> bucket_begin{0, 0};
    std::vector<std::uint32_t> entries;
    std::uint64_t mask = 0;
    unsigned value_bits = 32;
  };

 private:
  std::string arena_;
  std::vector<std::uint32_t> offsets_{0};
  HashTable words_;
  HashTable short_deletions_;  // deletion neighbourhoods of 3–4, 5–8 and 9+ letter words
  HashTable deletions_;
  HashTable long_deletions_;
  HashTable phonetic_;
  std::vector<std::uint32_t> phonetic_hash_;  // per word: its phonetic key's hash (low half), 0 when it has none
  std::vector<std::uint32_t> letters_;        // per word: its letter set
};

}  // namespace lethe::alu
