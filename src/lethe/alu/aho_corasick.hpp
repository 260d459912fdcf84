// Exact multi-pattern matching (Aho–Corasick) over sequences of word ids.
//
// Patterns and text are sequences of 32-bit symbols; the target index uses one symbol per normalised word, so a
// match always starts and ends on word boundaries ("kuwait" never matches inside "kuwaiti") and the automaton has
// one state per distinct word prefix of the patterns, not per character: a million names take about four million
// states. States are stored in breadth-first order with each state's children contiguous and sorted by symbol,
// so a transition is a binary search and a state costs 17 bytes (no per-state tables); only the root, which has
// a child per distinct first word, gets a direct table indexed by symbol.
//
// Built once from all patterns (the target index keeps a small delta beside it instead of inserting).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace lethe::alu {

class AhoCorasick {
 public:
  using Symbol = std::uint32_t;
  using PatternId = std::uint32_t;
  using State = std::uint32_t;

  // A text symbol that is in no pattern (a word the index has never seen): matching restarts after it.
  static constexpr Symbol kUnknownSymbol = std::numeric_limits<Symbol>::max();
  static constexpr State kRoot = 0;
  static constexpr State kNoState = std::numeric_limits<State>::max();
  static constexpr std::size_t kMaxPatternLength = std::numeric_limits<std::uint8_t>::max();

  // One occurrence: the pattern equals text[begin, end).
  struct Hit {
    std::size_t begin = 0;
    std::size_t end = 0;
    PatternId pattern = 0;
  };

  class Builder {
   public:
    // Returns the pattern's id (0, 1, 2, … in order of addition). Duplicates are allowed and each is reported.
    // Throws Error for an empty pattern, one longer than kMaxPatternLength, or one containing kUnknownSymbol.
    PatternId add(std::span<const Symbol> pattern);
    std::size_t size() const { return offsets_.size() - 1; }
    AhoCorasick build() const;

   private:
    std::vector<Symbol> symbols_;
    std::vector<std::uint32_t> offsets_{0};
  };

  AhoCorasick();  // matches nothing

  // Calls on_hit(const Hit&) for every occurrence of every pattern, in order of end position (ties: longer first).
  template <typename OnHit>
  void for_each_match(std::span<const Symbol> text, OnHit&& on_hit) const;
  std::vector<Hit> find_all(std::span<const Symbol> text) const;

  // Trie navigation, for callers that walk several alternative symbols per position (fuzzy matching).
  State child(State state, Symbol symbol) const;              // kNoState when there is no such edge
  std::span<const PatternId> patterns_at(State state) const;  // patterns that spell exactly root → state
  struct Children {
    State first = 0;  // the children of a state are the states [first, last), sorted by symbol
    State last = 0;
    std::size_t size() const { return last - first; }
  };
  Children children(State state) const { return {first_child_[state], first_child_[state + 1]}; }
  Symbol symbol_of(State state) const { return symbol_[state]; }  // the label of the edge into the state

  std::size_t pattern_count() const { return pattern_count_; }
  std::size_t state_count() const { return symbol_.size(); }
  std::size_t memory_bytes() const;

 private:
  State next_state(State state, Symbol symbol) const;

  std::size_t pattern_count_ = 0;
  // Per state, in breadth-first order. Children of state s are states [first_child_[s], first_child_[s + 1]).
  std::vector<std::uint32_t> first_child_;
  std::vector<Symbol> symbol_;            // label of the edge into the state
  std::vector<State> fail_;               // longest proper suffix that is also a trie path
  std::vector<std::uint8_t> depth_;       // path length from the root
  std::vector<std::uint32_t> out_begin_;  // patterns of state s: out_patterns_[out_begin_[s], out_begin_[s + 1])
  std::vector<PatternId> out_patterns_;
  // The root has a child per distinct first word (about one per target): when its symbols are dense enough, a
  // direct table replaces the binary search there, where every text symbol starts.
  std::vector<State> root_child_;
};

template <typename OnHit>
void AhoCorasick::for_each_match(std::span<const Symbol> text, OnHit&& on_hit) const {
  State state = kRoot;
  for (std::size_t i = 0; i < text.size(); ++i) {
    state = next_state(state, text[i]);
    // The fail chain visits every suffix that is a trie path, longest first; it is at most a name long.
    for (State s = state; s != kRoot; s = fail_[s]) {
      std::size_t length = depth_[s];
      for (PatternId id : patterns_at(s)) on_hit(Hit{i + 1 - length, i + 1, id});
    }
  }
}

}  // namespace lethe::alu
