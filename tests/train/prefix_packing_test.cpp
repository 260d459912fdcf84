#include "lethe/train/prefix_packing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "lethe/train/gguf_model.hpp"

namespace lethe::train {
namespace {

Example example(std::vector<int32_t> tokens, size_t first_target) {
  Example ex;
  ex.target.assign(tokens.size(), 0);
  for (size_t t = first_target; t < tokens.size(); ++t) ex.target[t] = 1;
  ex.tokens = std::move(tokens);
  return ex;
}

// Each (predicted token, context as the model sees it) pair of the targets: the same multiset before and after.
std::multiset<std::vector<int32_t>> target_contexts(const std::vector<Example>& examples) {
  std::multiset<std::vector<int32_t>> out;
  for (const auto& ex : examples) {
    for (size_t t = 1; t < ex.tokens.size(); ++t) {
      if (ex.target[t] == 0) continue;
      std::vector<int32_t> seen;
      for (size_t k = 0; k < t; ++k) {
        if (attends(ex, t - 1, k)) seen.push_back(ex.tokens[k]);
      }
      EXPECT_EQ(position_of(ex, t - 1) + 1, static_cast<int32_t>(seen.size())) << "positions must count the context";
      seen.push_back(ex.tokens[t]);
      out.insert(seen);
    }
  }
  return out;
}

TEST(PrefixPacking, EveryTargetKeepsExactlyItsOwnContext) {
  std::vector<Example> examples{example({1, 4, 4, 4, 9, 9, 10, 11}, 6), example({1, 4, 4, 4, 9, 8, 10, 12}, 6),
                                example({1, 4, 4, 4, 7, 10, 13}, 5),    example({1, 2, 3, 10, 14}, 3),
                                example({1, 4, 4, 4, 9, 9, 10, 15}, 6), example({1, 2, 3, 10, 16}, 3)};
  PackingStats stats;
  const auto packed = pack_shared_prefixes(examples, {40, 2}, &stats);
  EXPECT_EQ(target_contexts(packed), target_contexts(examples));
  EXPECT_EQ(stats.examples, 6);
  EXPECT_EQ(stats.packed_sequences, static_cast<int64_t>(packed.size()));
  EXPECT_LT(stats.tokens_after, stats.tokens_before);
  for (const auto& ex : packed) EXPECT_LE(ex.tokens.size(), 40u);
}

TEST(PrefixPacking, SharedPrefixStopsBeforeTheFirstTarget) {
  // Identical up to the targets: sharing the token that predicts the first target would give two labels one row.
  const std::vector<Example> examples{example({1, 5, 5, 5, 6}, 4), example({1, 5, 5, 5, 7}, 4)};
  const auto packed = pack_shared_prefixes(examples, {64, 2});
  ASSERT_EQ(packed.size(), 1u);
  EXPECT_EQ(packed.front().tokens.size(), 3u + 2u * 2u);  // prefix 1 5 5, then "5 6" and "5 7"
  EXPECT_EQ(target_contexts(packed), target_contexts(examples));
}

TEST(PrefixPacking, RespectsTheLengthAndLeavesUnrelatedExamplesPlain) {
  const std::vector<Example> examples{example({1, 2, 3, 4, 5, 6}, 5), example({1, 9, 8, 7, 6, 5}, 5)};
  const auto packed = pack_shared_prefixes(examples, {6, 4});
  ASSERT_EQ(packed.size(), 2u);  // nothing shared, and two don't fit in 6 tokens
  for (const auto& ex : packed) {
    EXPECT_TRUE(ex.segment.empty());
    EXPECT_TRUE(ex.positions.empty());
  }
  EXPECT_EQ(target_contexts(packed), target_contexts(examples));
}

TEST(PrefixPacking, RejectsBadInput) {
  auto packed = pack_shared_prefixes({example({1, 2, 3, 4}, 2), example({1, 2, 3, 5}, 3)}, {64, 1});
  ASSERT_FALSE(packed.front().segment.empty());
  EXPECT_THROW(pack_shared_prefixes(packed, {64, 1}), Error);
  EXPECT_THROW(pack_shared_prefixes({example({1, 2}, 1)}, {0, 1}), Error);
  Example mismatched = example({1, 2, 3}, 1);
  mismatched.target.pop_back();
  EXPECT_THROW(pack_shared_prefixes({mismatched}, {64, 1}), Error);
  Example broken = packed.front();
  broken.segment_parent.back() = static_cast<int32_t>(broken.segment_parent.size());
  EXPECT_THROW(check_layout(broken), Error);
}

}  // namespace
}  // namespace lethe::train
