#include "lethe/alu/aho_corasick.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "lethe/alu/error.hpp"

namespace lethe::alu {

AhoCorasick::PatternId AhoCorasick::Builder::add(std::span<const Symbol> pattern) {
  if (pattern.empty()) throw Error("Aho-Corasick: empty pattern");
  if (pattern.size() > kMaxPatternLength) {
    throw Error("Aho-Corasick: pattern of " + std::to_string(pattern.size()) + " symbols exceeds the limit of " +
                std::to_string(kMaxPatternLength));
  }
  if (std::find(pattern.begin(), pattern.end(), kUnknownSymbol) != pattern.end()) {
    throw Error("Aho-Corasick: pattern contains the reserved unknown symbol");
  }
  if (symbols_.size() + pattern.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw Error("Aho-Corasick: too many pattern symbols");
  }
  symbols_.insert(symbols_.end(), pattern.begin(), pattern.end());
  offsets_.push_back(static_cast<std::uint32_t>(symbols_.size()));
  return static_cast<PatternId>(offsets_.size() - 2);
}

AhoCorasick::AhoCorasick() : first_child_{1, 1}, symbol_{0}, fail_{kRoot}, depth_{0}, out_begin_{0, 0} {}

// Breadth-first construction by most-significant-symbol radix partitioning: every state owns the contiguous range
// of (sorted) patterns that pass through it; its children are the runs of equal symbols at its depth.
AhoCorasick AhoCorasick::Builder::build() const {
  AhoCorasick ac;
  const std::size_t count = size();
  ac.pattern_count_ = count;
  ac.first_child_.clear();
  ac.symbol_.clear();
  ac.fail_.clear();
  ac.depth_.clear();
  ac.out_begin_.clear();

  auto length_of = [&](std::uint32_t p) { return offsets_[p + 1] - offsets_[p]; };
  auto symbol_at = [&](std::uint32_t p, std::size_t d) { return symbols_[offsets_[p] + d]; };

  std::vector<std::uint32_t> order(count);
  for (std::uint32_t p = 0; p < count; ++p) order[p] = p;

  struct Range {
    std::uint32_t lo;
    std::uint32_t hi;
  };
  // Root.
  ac.symbol_.push_back(0);
  ac.depth_.push_back(0);
  ac.fail_.push_back(kRoot);
  std::vector<Range> level{{0, static_cast<std::uint32_t>(count)}};
  std::vector<Range> next_level;
  std::size_t depth = 0;

  while (!level.empty()) {
    next_level.clear();
    for (std::size_t k = 0; k < level.size(); ++k) {
      auto [lo, hi] = level[k];
      // Patterns that end here come first (by id); the rest are grouped by their next symbol.
      auto* begin = order.data() + lo;
      auto* end = order.data() + hi;
      auto* rest = std::partition(begin, end, [&](std::uint32_t p) { return length_of(p) == depth; });
      std::sort(begin, rest);
      ac.out_begin_.push_back(static_cast<std::uint32_t>(ac.out_patterns_.size()));
      ac.out_patterns_.insert(ac.out_patterns_.end(), begin, rest);
      std::sort(rest, end, [&](std::uint32_t a, std::uint32_t b) {
        auto sa = symbol_at(a, depth);
        auto sb = symbol_at(b, depth);
        return sa != sb ? sa < sb : a < b;
      });
      ac.first_child_.push_back(static_cast<std::uint32_t>(ac.symbol_.size()));
      for (auto* run = rest; run != end;) {
        const Symbol symbol = symbol_at(*run, depth);
        auto* run_end = run;
        while (run_end != end && symbol_at(*run_end, depth) == symbol) ++run_end;
        ac.symbol_.push_back(symbol);
        ac.depth_.push_back(static_cast<std::uint8_t>(depth + 1));
        ac.fail_.push_back(kRoot);
        next_level.push_back(
            {static_cast<std::uint32_t>(run - order.data()), static_cast<std::uint32_t>(run_end - order.data())});
        run = run_end;
      }
    }
    std::swap(level, next_level);
    ++depth;
  }
  ac.first_child_.push_back(static_cast<std::uint32_t>(ac.symbol_.size()));
  ac.out_begin_.push_back(static_cast<std::uint32_t>(ac.out_patterns_.size()));

  // Failure links, in breadth-first order so that every shorter state is final before it is used.
  const State states = static_cast<State>(ac.symbol_.size());
  for (State parent = 0; parent < states; ++parent) {
    for (State child = ac.first_child_[parent]; child < ac.first_child_[parent + 1]; ++child) {
      State fail = kRoot;
      if (parent != kRoot) {
        State f = ac.fail_[parent];
        while (true) {
          State candidate = ac.child(f, ac.symbol_[child]);
          if (candidate != kNoState) {
            fail = candidate;
            break;
          }
          if (f == kRoot) break;
          f = ac.fail_[f];
        }
      }
      ac.fail_[child] = fail;
    }
  }
  const State root_children = ac.first_child_[1] - ac.first_child_[0];
  if (root_children > 0) {
    const Symbol largest = ac.symbol_[ac.first_child_[1] - 1];
    if (largest < 4ULL * root_children + 1024) {
      ac.root_child_.assign(static_cast<std::size_t>(largest) + 1, kNoState);
      for (State c = ac.first_child_[0]; c < ac.first_child_[1]; ++c) ac.root_child_[ac.symbol_[c]] = c;
    }
  }
  for (auto* v : {&ac.first_child_, &ac.symbol_, &ac.fail_, &ac.out_begin_, &ac.out_patterns_}) v->shrink_to_fit();
  ac.depth_.shrink_to_fit();
  return ac;
}

AhoCorasick::State AhoCorasick::child(State state, Symbol symbol) const {
  if (state == kRoot && !root_child_.empty()) return symbol < root_child_.size() ? root_child_[symbol] : kNoState;
  auto first = symbol_.begin() + first_child_[state];
  auto last = symbol_.begin() + first_child_[state + 1];
  auto it = std::lower_bound(first, last, symbol);
  if (it == last || *it != symbol) return kNoState;
  return static_cast<State>(it - symbol_.begin());
}

std::span<const AhoCorasick::PatternId> AhoCorasick::patterns_at(State state) const {
  return std::span<const PatternId>(out_patterns_)
      .subspan(out_begin_[state], out_begin_[state + 1] - out_begin_[state]);
}

AhoCorasick::State AhoCorasick::next_state(State state, Symbol symbol) const {
  if (symbol == kUnknownSymbol) return kRoot;
  while (true) {
    State next = child(state, symbol);
    if (next != kNoState) return next;
    if (state == kRoot) return kRoot;
    state = fail_[state];
  }
}

std::vector<AhoCorasick::Hit> AhoCorasick::find_all(std::span<const Symbol> text) const {
  std::vector<Hit> hits;
  for_each_match(text, [&](const Hit& hit) { hits.push_back(hit); });
  return hits;
}

std::size_t AhoCorasick::memory_bytes() const {
  return first_child_.capacity() * sizeof(std::uint32_t) + symbol_.capacity() * sizeof(Symbol) +
         fail_.capacity() * sizeof(State) + depth_.capacity() * sizeof(std::uint8_t) +
         out_begin_.capacity() * sizeof(std::uint32_t) + root_child_.capacity() * sizeof(State) +
         out_patterns_.capacity() * sizeof(PatternId);
}

}  // namespace lethe::alu
