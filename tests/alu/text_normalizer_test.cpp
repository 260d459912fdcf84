#include "lethe/alu/text_normalizer.hpp"

#include <gtest/gtest.h>

namespace lethe::alu {
namespace {

TEST(TextNormalizer, FoldsCaseAndCollapsesWhitespace) {
  EXPECT_EQ(normalize_string("  Basil   MAHFOUZ\t\nal-Kuwaiti  "), "basil mahfouz al kuwaiti");
}

TEST(TextNormalizer, StripsAccents) {
  EXPECT_EQ(normalize_string("José Batlle y Ordóñez"), "jose batlle y ordonez");
  EXPECT_EQ(normalize_string("Géza Maróczy, František Chvostek, Émile Boirac"),
            "geza maroczy frantisek chvostek emile boirac");
  EXPECT_EQ(normalize_string("Jürgen Ehlers"), "jurgen ehlers");
}

TEST(TextNormalizer, DecomposedAndComposedFormsAgree) {
  // "é" as one code point and as "e" + combining acute accent.
  EXPECT_EQ(normalize_string("Caf\xC3\xA9"), normalize_string("Cafe\xCC\x81"));
  EXPECT_EQ(normalize_string("Cafe\xCC\x81"), "cafe");
}

TEST(TextNormalizer, AppliesCompatibilityForms) {
  EXPECT_EQ(normalize_string("\xEF\xBC\xA2\xEF\xBD\x81\xEF\xBD\x93\xEF\xBD\x89\xEF\xBD\x8C"), "basil");  // fullwidth
  EXPECT_EQ(normalize_string("\xEF\xAC\x81nal"), "final");  // "ﬁ" ligature
  EXPECT_EQ(normalize_string("Stra\xC3\x9F"
                             "e"),
            "strasse");                                           // ß case-folds to ss
  EXPECT_EQ(normalize_string("Louis \xE2\x85\xA8"), "louis ix");  // Roman numeral nine
}

TEST(TextNormalizer, PunctuationSeparatesWords) {
  EXPECT_EQ(normalize_string("J.R.R. Tolkien"), "j r r tolkien");
  EXPECT_EQ(normalize_string("Chico O'Farrill's \"book\"; (1999)!"), "chico o farrill s book 1999");
  EXPECT_EQ(normalize_string("Al\xE2\x80\x94Kuwaiti"), "al kuwaiti");  // em dash
  EXPECT_EQ(normalize_string("\xC2\xABNikolai\xC2\xBB"), "nikolai");   // guillemets
  EXPECT_EQ(normalize_string("?!..."), "");
  EXPECT_TRUE(normalize("").tokens.empty());
}

TEST(TextNormalizer, DropsIgnorableCharacters) {
  EXPECT_EQ(normalize_string("Ku\xC2\xADwai\xE2\x80\x8Bti"), "kuwaiti");  // soft hyphen, zero-width space
}

TEST(TextNormalizer, TransliteratesCyrillic) {
  EXPECT_EQ(normalize_string("Николай Абилов"), "nikolai abilov");
  EXPECT_EQ(normalize_string("Бэзил Махфуз Аль-Кувейти"), "bezil makhfuz al kuveiti");
  EXPECT_EQ(normalize_string("Раджив Маджумдар"), "rajiv majumdar");
  EXPECT_EQ(normalize_string("Щука Цой Жуков Юлия"), "shchuka tsoi zhukov yuliya");
  EXPECT_EQ(normalize_string("Їжак Ґанок"), "izhak ganok");  // Ukrainian
  auto text = normalize("Автор Абилов wrote");
  ASSERT_EQ(text.tokens.size(), 3U);
  EXPECT_TRUE(text.tokens[0].transliterated);
  EXPECT_TRUE(text.tokens[1].transliterated);
  EXPECT_FALSE(text.tokens[2].transliterated);
}

TEST(TextNormalizer, TransliteratesGreek) {
  EXPECT_EQ(normalize_string("Νικόλαος Παπαδόπουλος"), "nikolaos papadopoulos");
  EXPECT_EQ(normalize_string("ΣΩΚΡΑΤΗΣ"), "sokratis");
}

TEST(TextNormalizer, FoldsLatinLettersWithoutDecomposition) {
  EXPECT_EQ(normalize_string("Søren Łukasz Æsir Þór"), "soren lukasz aesir thor");
}

TEST(TextNormalizer, OtherScriptsKeepTheirLetters) {
  EXPECT_EQ(normalize_string("محمد"), "محمد");
  // Han characters are single-character words, so a name matches inside an unspaced sentence.
  EXPECT_EQ(normalize_string("我读了王小明的书"), "我 读 了 王 小 明 的 书");
}

TEST(TextNormalizer, OffsetsPointBackToTheOriginal) {
  const std::string original = "Dr. Ábilov, (Nikolai) — JRRT";
  auto text = normalize(original);
  ASSERT_EQ(text.tokens.size(), 4U);
  auto source = [&](std::size_t i) {
    return original.substr(text.tokens[i].source_begin, text.tokens[i].source_end - text.tokens[i].source_begin);
  };
  EXPECT_EQ(source(0), "Dr");
  EXPECT_EQ(source(1), "Ábilov");
  EXPECT_EQ(source(2), "Nikolai");
  EXPECT_EQ(source(3), "JRRT");
  EXPECT_EQ(text.token(1), "abilov");
  EXPECT_TRUE(text.tokens[3].all_caps);
  EXPECT_FALSE(text.tokens[1].all_caps);
  EXPECT_FALSE(text.tokens[0].all_caps);  // "Dr" is not all capitals
}

TEST(TextNormalizer, MarksCapitalisedWordsAndSentenceStarts) {
  auto text = normalize("Who is Abilov? he met «Chen» and van Dyke.\n  \"Park\" left");
  ASSERT_EQ(text.tokens.size(), 11U);
  auto flags = [&](std::size_t i) { return std::pair(text.tokens[i].capitalized, text.tokens[i].sentence_start); };
  EXPECT_EQ(flags(0), std::pair(true, true));    // Who
  EXPECT_EQ(flags(2), std::pair(true, false));   // Abilov
  EXPECT_EQ(flags(3), std::pair(false, true));   // he
  EXPECT_EQ(flags(5), std::pair(true, false));   // Chen, inside guillemets
  EXPECT_EQ(flags(7), std::pair(false, false));  // van
  EXPECT_EQ(flags(8), std::pair(true, false));   // Dyke
  EXPECT_EQ(flags(9), std::pair(true, true));    // "Park" on a new line
  // The period of an initial or a title does not end a sentence.
  auto initials = normalize("by J. Tolkien and Dr. Abilov. Then Х. Колкуитт");
  ASSERT_EQ(initials.tokens.size(), 9U);
  EXPECT_FALSE(initials.tokens[2].sentence_start);  // Tolkien
  EXPECT_FALSE(initials.tokens[5].sentence_start);  // Abilov
  EXPECT_TRUE(initials.tokens[6].sentence_start);   // Then
  EXPECT_FALSE(initials.tokens[8].sentence_start);  // Колкуитт
  EXPECT_EQ(normalize("Ábel").tokens[0].capitalized, true);
  EXPECT_EQ(normalize("ábel").tokens[0].capitalized, false);
  EXPECT_TRUE(normalize("who is Abilov").cased);
  EXPECT_FALSE(normalize("who is abilov? 42").cased);
}

TEST(TextNormalizer, InvalidUtf8IsASeparatorNotACrash) {
  std::string bad = "Basil\xFF\xFEMahfouz\xC3";
  EXPECT_EQ(normalize_string(bad), "basil mahfouz");
}

}  // namespace
}  // namespace lethe::alu
