#include "lethe/alu/aho_corasick.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>

#include "lethe/alu/error.hpp"

namespace lethe::alu {
namespace {

using Sequence = std::vector<AhoCorasick::Symbol>;
using HitTuple = std::tuple<std::size_t, std::size_t, AhoCorasick::PatternId>;

std::vector<HitTuple> sorted(const std::vector<AhoCorasick::Hit>& hits) {
  std::vector<HitTuple> out;
  for (const auto& h : hits) out.emplace_back(h.begin, h.end, h.pattern);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<HitTuple> naive_matches(const std::vector<Sequence>& patterns, const Sequence& text) {
  std::vector<HitTuple> out;
  for (AhoCorasick::PatternId p = 0; p < patterns.size(); ++p) {
    const auto& pattern = patterns[p];
    for (std::size_t i = 0; i + pattern.size() <= text.size(); ++i) {
      if (std::equal(pattern.begin(), pattern.end(), text.begin() + static_cast<std::ptrdiff_t>(i))) {
        out.emplace_back(i, i + pattern.size(), p);
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(AhoCorasick, FindsOverlappingAndNestedPatterns) {
  AhoCorasick::Builder builder;
  builder.add(Sequence{1, 2, 3});  // 0
  builder.add(Sequence{2, 3});     // 1
  builder.add(Sequence{3});        // 2
  builder.add(Sequence{3, 4, 1});  // 3
  builder.add(Sequence{9});        // 4, absent
  auto ac = builder.build();
  auto hits = sorted(ac.find_all(Sequence{1, 2, 3, 4, 1, 2, 3}));
  std::vector<HitTuple> expected = {{0, 3, 0}, {1, 3, 1}, {2, 3, 2}, {2, 5, 3}, {4, 7, 0}, {5, 7, 1}, {6, 7, 2}};
  EXPECT_EQ(hits, expected);
}

TEST(AhoCorasick, ReportsDuplicatePatternsEach) {
  AhoCorasick::Builder builder;
  builder.add(Sequence{5, 6});
  builder.add(Sequence{5, 6});
  auto hits = sorted(builder.build().find_all(Sequence{5, 6}));
  EXPECT_EQ(hits, (std::vector<HitTuple>{{0, 2, 0}, {0, 2, 1}}));
}

TEST(AhoCorasick, UnknownSymbolsBreakMatches) {
  AhoCorasick::Builder builder;
  builder.add(Sequence{1, 2});
  auto ac = builder.build();
  EXPECT_TRUE(ac.find_all(Sequence{1, AhoCorasick::kUnknownSymbol, 2}).empty());
  EXPECT_EQ(ac.find_all(Sequence{AhoCorasick::kUnknownSymbol, 1, 2}).size(), 1U);
}

TEST(AhoCorasick, EmptyAutomatonMatchesNothing) {
  AhoCorasick empty;
  EXPECT_TRUE(empty.find_all(Sequence{1, 2, 3}).empty());
  EXPECT_TRUE(AhoCorasick::Builder().build().find_all(Sequence{0, 0}).empty());
}

TEST(AhoCorasick, RejectsInvalidPatterns) {
  AhoCorasick::Builder builder;
  EXPECT_THROW(builder.add(Sequence{}), Error);
  EXPECT_THROW(builder.add(Sequence{1, AhoCorasick::kUnknownSymbol}), Error);
  EXPECT_THROW(builder.add(Sequence(AhoCorasick::kMaxPatternLength + 1, 1)), Error);
  EXPECT_EQ(builder.size(), 0U);
}

TEST(AhoCorasick, TrieNavigationSpellsPatterns) {
  AhoCorasick::Builder builder;
  builder.add(Sequence{7, 8});
  builder.add(Sequence{7});
  auto ac = builder.build();
  auto s7 = ac.child(AhoCorasick::kRoot, 7);
  ASSERT_NE(s7, AhoCorasick::kNoState);
  EXPECT_EQ(std::vector<AhoCorasick::PatternId>(ac.patterns_at(s7).begin(), ac.patterns_at(s7).end()),
            std::vector<AhoCorasick::PatternId>{1});
  auto s78 = ac.child(s7, 8);
  ASSERT_NE(s78, AhoCorasick::kNoState);
  EXPECT_EQ(ac.patterns_at(s78).size(), 1U);
  EXPECT_EQ(ac.child(s7, 9), AhoCorasick::kNoState);
  EXPECT_EQ(ac.child(AhoCorasick::kRoot, 8), AhoCorasick::kNoState);
  EXPECT_EQ(ac.state_count(), 3U);
}

// Small alphabets make overlaps, shared prefixes and failure chains frequent.
TEST(AhoCorasick, AgreesWithNaiveMatcherOnRandomInputs) {
  std::mt19937 rng(20240611);
  for (int round = 0; round < 200; ++round) {
    const auto alphabet = static_cast<AhoCorasick::Symbol>(2 + round % 5);
    std::uniform_int_distribution<AhoCorasick::Symbol> symbol(0, alphabet - 1);
    std::uniform_int_distribution<std::size_t> pattern_length(1, 5);
    std::uniform_int_distribution<std::size_t> pattern_count(1, 30);
    std::vector<Sequence> patterns(pattern_count(rng));
    AhoCorasick::Builder builder;
    for (auto& p : patterns) {
      p.resize(pattern_length(rng));
      for (auto& s : p) s = symbol(rng);
      builder.add(p);
    }
    auto ac = builder.build();
    Sequence text(std::uniform_int_distribution<std::size_t>(0, 60)(rng));
    for (auto& s : text) s = symbol(rng);
    ASSERT_EQ(sorted(ac.find_all(text)), naive_matches(patterns, text)) << "round " << round;
  }
}

TEST(AhoCorasick, SparseHugeSymbols) {
  AhoCorasick::Builder builder;
  builder.add(Sequence{4000000000U, 7});
  builder.add(Sequence{3000000000U});
  auto ac = builder.build();
  EXPECT_EQ(sorted(ac.find_all(Sequence{3000000000U, 4000000000U, 7})), (std::vector<HitTuple>{{0, 1, 1}, {1, 3, 0}}));
  EXPECT_LT(ac.memory_bytes(), 1000U);  // no table over the symbol range
}

TEST(AhoCorasick, ReportsInEndOrderLongestFirst) {
  AhoCorasick::Builder builder;
  builder.add(Sequence{2});
  builder.add(Sequence{1, 2});
  auto hits = builder.build().find_all(Sequence{1, 2});
  ASSERT_EQ(hits.size(), 2U);
  EXPECT_EQ(hits[0].pattern, 1U);
  EXPECT_EQ(hits[1].pattern, 0U);
}

TEST(AhoCorasick, LargeAlphabetStaysCompact) {
  AhoCorasick::Builder builder;
  for (AhoCorasick::Symbol s = 0; s < 100000; ++s) builder.add(Sequence{s * 3 + 1, s % 97});
  auto ac = builder.build();
  EXPECT_EQ(ac.pattern_count(), 100000U);
  EXPECT_EQ(ac.state_count(), 1U + 100000U + 100000U);
  // Far below a 256-wide (or alphabet-wide) table per state.
  EXPECT_LT(ac.memory_bytes(), ac.state_count() * 40);
  auto hits = ac.find_all(Sequence{3 * 500 + 1, 500 % 97, 3 * 7 + 1, 7 % 97});
  EXPECT_EQ(sorted(hits), (std::vector<HitTuple>{{0, 2, 500}, {2, 4, 7}}));
}

}  // namespace
}  // namespace lethe::alu
