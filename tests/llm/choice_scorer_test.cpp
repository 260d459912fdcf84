// ChoiceScorer's probability math on hand-made logits.
#include "lethe/llm/choice_scorer.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "lethe/llm/llm.hpp"

namespace lethe::llm {
namespace {

constexpr int kVocab = 8;
constexpr ChoiceScorer::Token kEnd = 7;

TEST(ChoiceScorer, SingleTokenOptionsAreASoftmaxOverTheirLogits) {
  ChoiceScorer scorer({{1}, {2}, {3}}, kEnd);
  std::vector<float> logits(kVocab, 0.0f);
  logits[1] = 1.0f, logits[2] = 2.0f, logits[3] = 3.0f, logits[4] = 50.0f;  // token 4 is no option: ignored
  const auto p = scorer.probabilities([&](std::size_t, std::size_t) { return logits.data(); });
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(p[0], std::exp(1.0) / z, 1e-12);
  EXPECT_NEAR(p[1], std::exp(2.0) / z, 1e-12);
  EXPECT_NEAR(p[2], std::exp(3.0) / z, 1e-12);
}

TEST(ChoiceScorer, SharedPrefixesMultiplyConditionalSoftmaxes) {
  // Options: [1,2] and [1,3] share token 1 (probability 1 at depth 0 since it is the only start), then split.
  // Option [4] competes with 1 at depth 0.
  ChoiceScorer scorer({{1, 2}, {1, 3}, {4}}, kEnd);
  std::vector<float> root(kVocab, 0.0f), after1(kVocab, 0.0f);
  root[1] = std::log(3.0f), root[4] = 0.0f;      // P(1) = 3/4, P(4) = 1/4
  after1[2] = std::log(2.0f), after1[3] = 0.0f;  // P(2|1) = 2/3
  const auto p =
      scorer.probabilities([&](std::size_t, std::size_t depth) { return depth == 0 ? root.data() : after1.data(); });
  EXPECT_NEAR(p[0], 0.75 * 2.0 / 3.0, 1e-6);
  EXPECT_NEAR(p[1], 0.75 / 3.0, 1e-6);
  EXPECT_NEAR(p[2], 0.25, 1e-6);
  EXPECT_NEAR(p[0] + p[1] + p[2], 1.0, 1e-12);
}

TEST(ChoiceScorer, AnOptionThatIsAPrefixOfAnotherGetsTheEndToken) {
  ChoiceScorer scorer({{1}, {1, 2}}, kEnd);
  ASSERT_EQ(scorer.paths()[0], (std::vector<ChoiceScorer::Token>{1, kEnd}));
  ASSERT_EQ(scorer.paths()[1], (std::vector<ChoiceScorer::Token>{1, 2}));
  std::vector<float> after1(kVocab, 0.0f);
  after1[kEnd] = 0.0f, after1[2] = std::log(4.0f);  // P(end|1) = 1/5
  const auto p = scorer.probabilities([&](std::size_t, std::size_t depth) {
    EXPECT_EQ(depth, 1u);  // depth 0 has a single continuation: no logits needed
    return after1.data();
  });
  EXPECT_NEAR(p[0], 0.2, 1e-6);
  EXPECT_NEAR(p[1], 0.8, 1e-6);
}

TEST(ChoiceScorer, RejectsEmptyAndDuplicateOptions) {
  EXPECT_THROW(ChoiceScorer({{1}, {}}, kEnd), Error);
  EXPECT_THROW(ChoiceScorer({{1, 2}, {1, 2}}, kEnd), Error);
}

TEST(ChoiceScorer, ExtremeLogitsStayFinite) {
  ChoiceScorer scorer({{1}, {2}}, kEnd);
  std::vector<float> logits(kVocab, 0.0f);
  logits[1] = 1000.0f, logits[2] = -1000.0f;
  const auto p = scorer.probabilities([&](std::size_t, std::size_t) { return logits.data(); });
  EXPECT_NEAR(p[0], 1.0, 1e-12);
  EXPECT_GE(p[1], 0.0);
  EXPECT_TRUE(std::isfinite(p[1]));
}

}  // namespace
}  // namespace lethe::llm
