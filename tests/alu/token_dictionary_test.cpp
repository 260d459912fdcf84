#include "lethe/alu/token_dictionary.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace lethe::alu {
namespace {

TokenDictionary dictionary(const std::vector<std::string>& words) {
  TokenDictionary::Builder builder;
  for (const auto& w : words) builder.intern(w);
  return builder.build();
}

std::vector<std::string> typo_words(const TokenDictionary& dict, std::string_view query) {
  std::vector<TokenDictionary::Candidate> found;
  dict.typo_candidates(query, found);
  std::vector<std::string> out;
  for (const auto& c : found) out.emplace_back(dict.word(c.token));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> transliteration_words(const TokenDictionary& dict, std::string_view query) {
  std::vector<TokenDictionary::Candidate> found;
  dict.transliteration_candidates(query, found);
  std::vector<std::string> out;
  for (const auto& c : found) out.emplace_back(dict.word(c.token));
  std::sort(out.begin(), out.end());
  return out;
}

TEST(TokenDictionary, InternsAndFindsWords) {
  TokenDictionary::Builder builder;
  EXPECT_EQ(builder.intern("abilov"), 0U);
  EXPECT_EQ(builder.intern("nikolai"), 1U);
  EXPECT_EQ(builder.intern("abilov"), 0U);
  auto dict = builder.build();
  EXPECT_EQ(dict.size(), 2U);
  EXPECT_EQ(dict.find("nikolai"), 1U);
  EXPECT_EQ(dict.word(0), "abilov");
  EXPECT_EQ(dict.find("abilo"), TokenDictionary::kNoToken);
  EXPECT_EQ(TokenDictionary().find("x"), TokenDictionary::kNoToken);
}

TEST(TokenDictionary, EditDistanceCountsTranspositionsAsOne) {
  EXPECT_EQ(TokenDictionary::edit_distance("mahfouz", "mahfouz"), 0);
  EXPECT_EQ(TokenDictionary::edit_distance("mahfouz", "mahfuoz"), 1);
  EXPECT_EQ(TokenDictionary::edit_distance("mahfouz", "mahfoz"), 1);
  EXPECT_EQ(TokenDictionary::edit_distance("mahfouz", "mahfoutz"), 1);
  EXPECT_EQ(TokenDictionary::edit_distance("kitten", "sitting"), 3);
  EXPECT_EQ(TokenDictionary::edit_distance("", "abc"), 3);
}

TEST(TokenDictionary, BoundedEditDistanceAgreesWithinTheBound) {
  const std::vector<std::string> words = {"",           "a",          "ab",      "ba",      "abc",
                                          "acb",        "mahfouz",    "mahfuoz", "mahfoz",  "makhfuz",
                                          "montenegro", "montinegra", "kitten",  "sitting", "abilov"};
  for (const auto& a : words) {
    for (const auto& b : words) {
      int exact = TokenDictionary::edit_distance(a, b);
      for (int bound = 0; bound <= 3; ++bound) {
        int bounded = TokenDictionary::bounded_edit_distance(a, b, bound);
        if (exact <= bound) {
          EXPECT_EQ(bounded, exact) << a << " / " << b << " bound " << bound;
        } else {
          EXPECT_EQ(bounded, bound + 1) << a << " / " << b << " bound " << bound;
        }
      }
    }
  }
}

TEST(TokenDictionary, TypoBudgetGrowsWithLength) {
  EXPECT_EQ(TokenDictionary::typo_budget(4), 0);
  EXPECT_EQ(TokenDictionary::typo_budget(5), 1);
  EXPECT_EQ(TokenDictionary::typo_budget(8), 1);
  EXPECT_EQ(TokenDictionary::typo_budget(9), 2);
}

TEST(TokenDictionary, FindsTyposWithinBudget) {
  auto dict = dictionary({"abilov", "mahfouz", "kuwaiti", "montenegro", "park", "kuwait"});
  EXPECT_EQ(typo_words(dict, "abilof"), std::vector<std::string>{"abilov"});    // substitution
  EXPECT_EQ(typo_words(dict, "mahfuoz"), std::vector<std::string>{"mahfouz"});  // transposition
  EXPECT_EQ(typo_words(dict, "mahfoz"), std::vector<std::string>{"mahfouz"});   // deletion
  EXPECT_EQ(typo_words(dict, "montenegor"), std::vector<std::string>{"montenegro"});
  EXPECT_EQ(typo_words(dict, "montenergo"), std::vector<std::string>{"montenegro"});
  EXPECT_EQ(typo_words(dict, "montinegra"), std::vector<std::string>{"montenegro"});  // two edits, long word
  EXPECT_EQ(typo_words(dict, "kuwaitii"), (std::vector<std::string>{"kuwaiti"}));
  EXPECT_EQ(typo_words(dict, "kuwaity"), (std::vector<std::string>{"kuwait", "kuwaiti"}));
}

TEST(TokenDictionary, RejectsTyposBeyondBudget) {
  auto dict = dictionary({"abilov", "park", "mahfouz"});
  EXPECT_TRUE(typo_words(dict, "abelof").empty());  // two edits on a 6-letter word
  EXPECT_TRUE(typo_words(dict, "parc").empty());    // short words are never corrected
  EXPECT_TRUE(typo_words(dict, "abilov").empty());  // the word itself is not a typo
  EXPECT_TRUE(typo_words(dict, "mohfuuz").empty());
}

TEST(TokenDictionary, ShortWordsOnlyOnRequest) {
  auto dict = dictionary({"park", "chen", "abilov"});
  EXPECT_TRUE(typo_words(dict, "paxk").empty());
  std::vector<TokenDictionary::Candidate> found;
  dict.typo_candidates("paxk", found, 16, true);
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(dict.word(found[0].token), "park");
  EXPECT_TRUE(found[0].short_word);
  found.clear();
  dict.typo_candidates("abilof", found, 16, true);
  ASSERT_EQ(found.size(), 1U);
  EXPECT_FALSE(found[0].short_word);
  found.clear();
  dict.typo_candidates("pxxk", found, 16, true);  // two edits on a short word
  EXPECT_TRUE(found.empty());
}

TEST(TokenDictionary, TypoCandidatesAreClosestFirstAndLimited) {
  auto dict = dictionary({"marant", "marano", "marana", "marans", "maranx"});
  std::vector<TokenDictionary::Candidate> found;
  dict.typo_candidates("marana", found, 2);  // "marana" itself is excluded
  EXPECT_EQ(found.size(), 2U);
  for (const auto& c : found) EXPECT_EQ(c.distance, 1);
}

TEST(TokenDictionary, PhoneticKeysMergeRomanisations) {
  EXPECT_EQ(TokenDictionary::phonetic_key("basil"), TokenDictionary::phonetic_key("bezil"));
  EXPECT_EQ(TokenDictionary::phonetic_key("mahfouz"), TokenDictionary::phonetic_key("makhfuz"));
  EXPECT_EQ(TokenDictionary::phonetic_key("kuwaiti"), TokenDictionary::phonetic_key("kuveiti"));
  EXPECT_EQ(TokenDictionary::phonetic_key("jarrah"), TokenDictionary::phonetic_key("dzharrakh"));
  EXPECT_EQ(TokenDictionary::phonetic_key("janensch"), TokenDictionary::phonetic_key("yanensh"));
  EXPECT_EQ(TokenDictionary::phonetic_key("abilov"), TokenDictionary::phonetic_key("abilof"));
  EXPECT_EQ(TokenDictionary::phonetic_key("mahfouz"), "mavas");
  EXPECT_EQ(TokenDictionary::phonetic_key("young"), TokenDictionary::phonetic_key("iung"));
  EXPECT_EQ(TokenDictionary::phonetic_key("jad"), TokenDictionary::phonetic_key("dzhad"));
  EXPECT_NE(TokenDictionary::phonetic_key("basil"), TokenDictionary::phonetic_key("berlin"));
}

TEST(TokenDictionary, FindsTransliterationVariants) {
  auto dict = dictionary({"basil", "mahfouz", "kuwaiti", "berlin", "al"});
  EXPECT_EQ(transliteration_words(dict, "bezil"), std::vector<std::string>{"basil"});
  EXPECT_EQ(transliteration_words(dict, "makhfuz"), std::vector<std::string>{"mahfouz"});
  EXPECT_EQ(transliteration_words(dict, "kuveiti"), std::vector<std::string>{"kuwaiti"});
  EXPECT_TRUE(transliteration_words(dict, "basil").empty());
  EXPECT_TRUE(transliteration_words(dict, "moskva").empty());
}

TEST(TokenDictionary, NonAsciiWordsAreMatchedExactlyOnly) {
  auto dict = dictionary({"محمد"});
  EXPECT_EQ(dict.find("محمد"), 0U);
  EXPECT_TRUE(typo_words(dict, "محمدا").empty());
}

}  // namespace
}  // namespace lethe::alu
