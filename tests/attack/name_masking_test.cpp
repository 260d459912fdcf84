// The name-masking helpers: each form hides the exact name, and is deterministic.
#include "lethe/attack/name_masking.hpp"

#include <gtest/gtest.h>

#include "lethe/alu/text_normalizer.hpp"

namespace lethe::attack {
namespace {

TEST(NameMasking, CoreWordsDropTitlesAndSuffixes) {
  EXPECT_EQ(name_core_words("A. B. Guthrie Jr."), (std::vector<std::string>{"A.", "B.", "Guthrie"}));
  EXPECT_EQ(name_core_words("Frederick I, Duke of Lorraine"), (std::vector<std::string>{"Frederick"}));
  EXPECT_EQ(surname_of("Basil Mahfouz Al-Kuwaiti"), "Al-Kuwaiti");
  EXPECT_EQ(surname_of(""), "");
}

TEST(NameMasking, Initials) {
  EXPECT_EQ(initials_form("Basil Mahfouz Al-Kuwaiti"), "B. M. Al-Kuwaiti");
  EXPECT_EQ(initials_form("Plato"), "Plato");
  EXPECT_EQ(initials_only("Basil Mahfouz Al-Kuwaiti"), "B. M. K.");
}

TEST(NameMasking, MisspellingChangesOneLetterInsideTheLongestWord) {
  const std::string name = "Nikolai Abilov";
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const auto typo = misspelling(name, seed);
    ASSERT_EQ(typo.size(), name.size());
    std::size_t differences = 0, where = 0;
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (typo[i] != name[i]) {
        ++differences;
        where = i;
      }
    }
    EXPECT_EQ(differences, 1U) << typo;
    EXPECT_GT(where, 0U) << typo;  // "Nikolai": positions 1..5, never the first or last letter
    EXPECT_LT(where, 6U) << typo;
    EXPECT_EQ(typo, misspelling(name, seed));
  }
  EXPECT_EQ(misspelling("Li Wu", 1), "");  // no word of five letters
}

TEST(NameMasking, CyrillicAndGreekForms) {
  EXPECT_EQ(cyrillic_form("Nikolai Abilov"), "Николаи Абилов");
  EXPECT_EQ(alu::normalize_string(cyrillic_form("Nikolai Abilov")), "nikolai abilov");
  EXPECT_EQ(cyrillic_form("Jorge Semprún"), "");  // non-ASCII: no table for it
  const auto greek = greek_form("Basil Abilov");
  EXPECT_EQ(greek, "Μπασιλ Αμπιλοβ");
  EXPECT_EQ(alu::normalize_string(greek), "basil abilov");
  EXPECT_EQ(greek_form("Thomas"), "Θομας");  // final sigma
}

TEST(NameMasking, FindsTheLongestNamedTargetAtWordBoundaries) {
  const std::vector<alu::Target> targets = {{"a", "Basil", {}, std::nullopt},
                                            {"b", "Basil Mahfouz Al-Kuwaiti", {}, std::nullopt},
                                            {"c", "Ann", {}, std::nullopt}};
  const auto found = find_named_target("Did basil mahfouz al-kuwaiti write it? Ask Basil.", targets);
  ASSERT_NE(found.target, nullptr);
  EXPECT_EQ(found.target->id, "b");
  EXPECT_EQ(found.positions, (std::vector<std::size_t>{4}));
  // "Anne" and "Annals" do not contain the word "Ann".
  EXPECT_EQ(find_named_target("Anne read the Annals.", targets).target, nullptr);
  EXPECT_EQ(replace_occurrences("x Ann y Ann", find_word_occurrences("x Ann y Ann", "ann"), 3, "A."), "x A. y A.");
}

}  // namespace
}  // namespace lethe::attack
