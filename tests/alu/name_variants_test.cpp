#include "lethe/alu/name_variants.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace lethe::alu {
namespace {

std::vector<NamePattern> patterns_of(const std::string& name, std::vector<std::string> aliases = {}) {
  return name_patterns(Target{name, name, std::move(aliases), std::nullopt});
}

bool has(const std::vector<NamePattern>& patterns, const std::string& text, PatternKind kind) {
  return std::find(patterns.begin(), patterns.end(), NamePattern{text, kind}) != patterns.end();
}

bool has_text(const std::vector<NamePattern>& patterns, const std::string& text) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const auto& p) { return p.text == text; });
}

TEST(NameVariants, FullNameSurnameAndInitials) {
  auto p = patterns_of("John Ronald Reuel Tolkien");
  EXPECT_TRUE(has(p, "john ronald reuel tolkien", PatternKind::Name));
  EXPECT_TRUE(has(p, "tolkien", PatternKind::Surname));
  EXPECT_TRUE(has(p, "j r r tolkien", PatternKind::Initials));
  EXPECT_TRUE(has(p, "jrr tolkien", PatternKind::Initials));
  EXPECT_TRUE(has(p, "j tolkien", PatternKind::Initials));
  EXPECT_TRUE(has(p, "jrrt", PatternKind::Acronym));
  EXPECT_EQ(p.size(), 6U);
}

TEST(NameVariants, HyphenatedSurnameWithParticle) {
  auto p = patterns_of("Basil Mahfouz Al-Kuwaiti");
  EXPECT_TRUE(has(p, "basil mahfouz al kuwaiti", PatternKind::Name));
  EXPECT_TRUE(has(p, "kuwaiti", PatternKind::Surname));
  EXPECT_TRUE(has(p, "b m al kuwaiti", PatternKind::Initials));
  EXPECT_TRUE(has(p, "bm al kuwaiti", PatternKind::Initials));
  EXPECT_TRUE(has(p, "b al kuwaiti", PatternKind::Initials));
  EXPECT_TRUE(has(p, "bmk", PatternKind::Acronym));  // particles give no initial
  EXPECT_FALSE(has_text(p, "al"));
}

TEST(NameVariants, DoubleBarrelledSurnamesStayWhole) {
  auto p = patterns_of("Franz Welser-Möst");
  EXPECT_TRUE(has(p, "welser most", PatternKind::Surname));
  EXPECT_FALSE(has_text(p, "most"));
  EXPECT_TRUE(has(p, "f welser most", PatternKind::Initials));
  EXPECT_TRUE(has(patterns_of("Hsiao Yun-Hwa"), "yun hwa", PatternKind::Surname));
  EXPECT_TRUE(has(patterns_of("Moshe Ben-David"), "ben david", PatternKind::Surname));
}

TEST(NameVariants, AliasesKeepTheirOwnKind) {
  auto p = patterns_of("Nikolai Abilov", {"Николай Абилов", "N. Abilov"});
  EXPECT_TRUE(has(p, "nikolai abilov", PatternKind::Name));
  EXPECT_TRUE(has(p, "abilov", PatternKind::Surname));
  // The Cyrillic alias transliterates to the name itself, which stays the stronger kind.
  EXPECT_EQ(std::count_if(p.begin(), p.end(), [](const auto& x) { return x.text == "nikolai abilov"; }), 1);
  // An alias equal to a derived initials form keeps the alias kind.
  EXPECT_TRUE(has(p, "n abilov", PatternKind::Alias));
  EXPECT_FALSE(has_text(p, "na"));  // acronyms need three letters
}

TEST(NameVariants, TitlesAfterACommaAndSuffixesAreNotTheSurname) {
  auto stanhope = patterns_of("Philip Stanhope, 5th Earl Stanhope");
  EXPECT_TRUE(has(stanhope, "philip stanhope 5th earl stanhope", PatternKind::Name));
  EXPECT_TRUE(has(stanhope, "philip stanhope", PatternKind::Name));
  EXPECT_TRUE(has(stanhope, "stanhope", PatternKind::Surname));

  auto guthrie = patterns_of("A. B. Guthrie Jr.");
  EXPECT_TRUE(has(guthrie, "a b guthrie jr", PatternKind::Name));
  EXPECT_TRUE(has(guthrie, "a b guthrie", PatternKind::Name));
  EXPECT_TRUE(has(guthrie, "guthrie", PatternKind::Surname));
  EXPECT_TRUE(has(guthrie, "ab guthrie", PatternKind::Initials));
  EXPECT_FALSE(has_text(guthrie, "jr"));

  auto duke = patterns_of("Frederick I, Duke of Lorraine");
  EXPECT_FALSE(has_text(duke, "lorraine"));
  EXPECT_FALSE(has_text(duke, "i"));
  EXPECT_TRUE(has(duke, "frederick i", PatternKind::Name));
}

TEST(NameVariants, ShortOrStopWordSurnamesAreNotUsedAlone) {
  auto wu = patterns_of("Xin Lee Wu");
  EXPECT_FALSE(has_text(wu, "wu"));
  EXPECT_TRUE(has(wu, "x l wu", PatternKind::Initials));
  auto of = patterns_of("Catherine of Bohemia");
  EXPECT_TRUE(has(of, "bohemia", PatternKind::Surname));
  EXPECT_TRUE(has(of, "c bohemia", PatternKind::Initials));  // "of" gives no initial
}

TEST(NameVariants, SingleWordNamesHaveOnlyTheName) {
  auto p = patterns_of("Theopompus");
  ASSERT_EQ(p.size(), 1U);
  EXPECT_EQ(p[0], (NamePattern{"theopompus", PatternKind::Name}));
}

TEST(NameVariants, StopWords) {
  EXPECT_TRUE(is_stop_word("the"));
  EXPECT_TRUE(is_stop_word("von"));
  EXPECT_TRUE(is_stop_word("jr"));
  EXPECT_FALSE(is_stop_word("tolkien"));
  EXPECT_FALSE(is_stop_word("young"));  // common words can be surnames (Simone Young)
}

}  // namespace
}  // namespace lethe::alu
