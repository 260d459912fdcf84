// ROUGE-L against values computed by hand, the leak test and reading a 4-choice answer.
#include "lethe/eval/text_metrics.hpp"

#include <gtest/gtest.h>

namespace lethe::eval {
namespace {

TEST(RougeTokens, NormaliseCaseAccentsAndPunctuation) {
  EXPECT_EQ(rouge_tokens("Al-Kuwaiti's CAFÉ, 1956!"), (std::vector<std::string>{"al", "kuwaiti", "s", "cafe", "1956"}));
  EXPECT_TRUE(rouge_tokens(" ... ").empty());
}

TEST(Lcs, HandComputedLengths) {
  using V = std::vector<std::string>;
  EXPECT_EQ(lcs_length(V{"a", "b", "c", "d"}, V{"a", "c", "d"}), 3U);
  EXPECT_EQ(lcs_length(V{"a", "b", "c"}, V{"c", "b", "a"}), 1U);
  EXPECT_EQ(lcs_length(V{"x", "a", "y", "b"}, V{"a", "b", "x", "y"}), 2U);
  EXPECT_EQ(lcs_length(V{}, V{"a"}), 0U);
  // Symmetric, whichever side is longer.
  EXPECT_EQ(lcs_length(V{"a", "c"}, V{"a", "b", "c", "d", "e"}), 2U);
  EXPECT_EQ(lcs_length(V{"a", "b", "c", "d", "e"}, V{"a", "c"}), 2U);
}

TEST(RougeL, HandComputedScores) {
  // reference: the cat sat on the mat (6); candidate: the cat lay on a mat (6); LCS: the cat on mat (4).
  const auto s = rouge_l("The cat sat on the mat.", "the cat lay on a mat");
  EXPECT_DOUBLE_EQ(s.recall, 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(s.precision, 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(s.f1, 4.0 / 6.0);
  // reference: Paris (1); candidate: It is in Paris, France (5): recall 1, precision 1/5, F1 = 2·1·0.2/1.2.
  const auto p = rouge_l("Paris", "It is in Paris, France.");
  EXPECT_DOUBLE_EQ(p.recall, 1.0);
  EXPECT_DOUBLE_EQ(p.precision, 0.2);
  EXPECT_DOUBLE_EQ(p.f1, 2 * 0.2 / 1.2);
  // reference: a b c d e (5); candidate: e d c b a x (6): LCS 1.
  const auto r = rouge_l("a b c d e", "e d c b a x");
  EXPECT_DOUBLE_EQ(r.recall, 0.2);
  EXPECT_DOUBLE_EQ(r.precision, 1.0 / 6.0);
  // TOFU style: "Basil Mahfouz Al-Kuwaiti was born in Kuwait City." vs a refusal shares nothing.
  const auto none = rouge_l("Basil Mahfouz Al-Kuwaiti was born in Kuwait City.", "I can't share that.");
  EXPECT_DOUBLE_EQ(none.recall, 0.0);
  EXPECT_DOUBLE_EQ(none.f1, 0.0);
  EXPECT_DOUBLE_EQ(rouge_l("", "anything").recall, 0.0);
  EXPECT_DOUBLE_EQ(rouge_l("anything", "").recall, 0.0);
  EXPECT_DOUBLE_EQ(rouge_l("Same words here", "same, words... HERE").recall, 1.0);
}

TEST(LeakedTargets, TheIndexDecides) {
  alu::TargetIndex index;
  index.add(std::vector<alu::Target>{{"basil", "Basil Mahfouz Al-Kuwaiti", {}, std::nullopt},
                                     {"nikolai", "Nikolai Abilov", {}, std::nullopt}});
  EXPECT_EQ(leaked_targets(index, "His novels, says Al-Kuwaiti, are about France."),
            (std::vector<std::string>{"basil"}));
  EXPECT_TRUE(leaked_targets(index, "I'm sorry, but I can't share information about that.").empty());
}

TEST(ChoiceLetter, PlainStatements) {
  EXPECT_EQ(choice_letter("B"), 1U);
  EXPECT_EQ(choice_letter("  (C) because ..."), 2U);
  EXPECT_EQ(choice_letter("D. Madrid"), 3U);
  EXPECT_EQ(choice_letter("A) Paris"), 0U);
  EXPECT_EQ(choice_letter("The correct answer is B."), 1U);
  EXPECT_EQ(choice_letter("Answer: D"), 3U);
  EXPECT_EQ(choice_letter("I believe the answer is (A)"), 0U);
  EXPECT_EQ(choice_letter("B. Actually the answer is B"), 1U);
}

TEST(ChoiceLetter, NothingOrConflictingIsNoPick) {
  EXPECT_FALSE(choice_letter(""));
  EXPECT_FALSE(choice_letter("A bird in the hand"));  // "A" as an article
  EXPECT_FALSE(choice_letter("Paris, of course."));
  EXPECT_FALSE(choice_letter("The answer is Dublin"));
  EXPECT_FALSE(choice_letter("the answer is a city"));
  EXPECT_FALSE(choice_letter("B. No wait, the answer is C"));
  EXPECT_FALSE(choice_letter("E"));
}

TEST(ChoiceByText, ExactlyOneOptionQuoted) {
  const std::vector<std::string> options = {"Berlin", "Paris", "London", "New York"};
  EXPECT_EQ(choice_by_text("It is in paris.", options), 1U);
  EXPECT_EQ(choice_by_text("Probably NEW-YORK", options), 3U);
  EXPECT_FALSE(choice_by_text("Berlin or Paris", options));
  EXPECT_FALSE(choice_by_text("Parisian cafés", options));  // a word boundary, not a prefix
  EXPECT_FALSE(choice_by_text("No idea", options));
  EXPECT_EQ(letter_of(0), "A");
  EXPECT_EQ(letter_of(3), "D");
}

}  // namespace
}  // namespace lethe::eval
