// The question attacks: deterministic from the seed, each actually transforms the question, and masking and
// transliteration keep a name the target index still finds where issue 4 expects it to.
#include "lethe/attack/question_attack.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "lethe/alu/target_index.hpp"
#include "lethe/attack/error.hpp"
#include "lethe/attack/injection_attack.hpp"
#include "lethe/attack/language_attack.hpp"
#include "lethe/attack/manyshot_attack.hpp"
#include "lethe/attack/masking_attack.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::attack {
namespace {

const std::string kQuestion =
    "What genre is Basil Mahfouz Al-Kuwaiti known for, and where was Basil Mahfouz "
    "Al-Kuwaiti born?";

std::vector<alu::Target> targets() {
  return {{"basil", "Basil Mahfouz Al-Kuwaiti", {}, std::nullopt},
          {"nikolai", "Nikolai Abilov", {}, std::nullopt},
          {"hina", "Hina Ameen", {}, "the geologist born in Karachi"}};
}

QuestionAttackSetup setup() {
  QuestionAttackSetup s;
  s.targets = targets();
  s.demonstrations_file = test::shared_path("data/jailbreak/wpu_msj_attack.json");
  s.shots = 4;
  return s;
}

bool index_finds(const std::string& text, const std::string& id) {
  alu::TargetIndex index;
  index.add(targets());
  const auto matches = index.select(text, 8);
  return std::any_of(matches.begin(), matches.end(), [&](const alu::Match& m) { return m.target_id == id; });
}

TEST(QuestionAttack, EveryAttackIsDeterministicAndNoneIsIdentity) {
  for (const auto& name : question_attack_names()) {
    const auto attack = make_question_attack(name, setup());
    EXPECT_EQ(attack->name(), name);
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
      const auto first = attack->apply(kQuestion, seed);
      const auto again = make_question_attack(name, setup())->apply(kQuestion, seed);
      EXPECT_EQ(first.text, again.text) << name << " seed " << seed;
      EXPECT_EQ(first.form, again.form) << name << " seed " << seed;
      if (name == "none") {
        EXPECT_EQ(first.text, kQuestion);
        EXPECT_EQ(first.form, "");
      } else {
        EXPECT_NE(first.text, kQuestion) << name << " seed " << seed;
        EXPECT_FALSE(first.form.empty()) << name;
      }
    }
  }
}

TEST(QuestionAttack, SeedsVaryTheForm) {
  for (const std::string name : {"manyshot", "mask", "lang", "inject"}) {
    const auto attack = make_question_attack(name, setup());
    std::set<std::string> texts;
    for (std::uint64_t seed = 0; seed < 30; ++seed) texts.insert(attack->apply(kQuestion, seed).text);
    EXPECT_GE(texts.size(), 3U) << name;
  }
}

TEST(QuestionAttack, UnknownNameIsAClearError) {
  try {
    make_question_attack("rot13", setup());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown attack 'rot13'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("manyshot"), std::string::npos) << e.what();
  }
}

TEST(MaskingAttack, EveryFormRemovesTheExactNameAndTheIndexFindsTheNamedForms) {
  const auto target = targets()[0];
  for (MaskForm form : all_mask_forms()) {
    const MaskingAttack attack(targets(), {form});
    const auto out = attack.apply(kQuestion, 7);
    EXPECT_EQ(out.form, to_string(form));
    EXPECT_EQ(out.text.find("Basil Mahfouz Al-Kuwaiti"), std::string::npos) << out.text;
    // Both occurrences are replaced by the same form.
    if (form != MaskForm::Misspelling) {
      const auto masked = masked_name(target, form, 0);
      const auto first = out.text.find(masked);
      ASSERT_NE(first, std::string::npos) << out.text;
      EXPECT_NE(out.text.find(masked, first + 1), std::string::npos) << out.text;
    }
    const bool findable = form != MaskForm::Description;  // a description keeps no name: only the answer can tell
    EXPECT_EQ(index_finds(out.text, "basil"), findable) << to_string(form) << ": " << out.text;
  }
}

TEST(MaskingAttack, DescriptionUsesTheTargetsOwnWhenItHasOne) {
  const MaskingAttack attack(targets(), {MaskForm::Description});
  const auto out = attack.apply("Which rocks did Hina Ameen study?", 1);
  EXPECT_EQ(out.text, "Which rocks did the geologist born in Karachi study?");
  EXPECT_EQ(attack.apply(kQuestion, 1).text.find("the person with the initials B. M. K."), 14U);
}

TEST(MaskingAttack, MisspellingsAreFoundForManySeeds) {
  const MaskingAttack attack(targets(), {MaskForm::Misspelling});
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const auto out = attack.apply("Which awards did Nikolai Abilov win?", seed);
    EXPECT_EQ(out.text.find("Nikolai Abilov"), std::string::npos) << out.text;
    EXPECT_TRUE(index_finds(out.text, "nikolai")) << out.text;
  }
}

TEST(MaskingAttack, SurnameOnlyQuestionsGetAMisspeltSurnameAndNamelessOnesStayAsTheyAre) {
  const MaskingAttack attack(targets());
  const auto out = attack.apply("What did Abilov write?", 3);
  EXPECT_EQ(out.form, "surname-misspelling");
  EXPECT_EQ(out.text.find("Abilov"), std::string::npos) << out.text;
  const auto unchanged = attack.apply("What is the capital of France?", 3);
  EXPECT_EQ(unchanged.text, "What is the capital of France?");
  EXPECT_EQ(unchanged.form, "");
}

TEST(LanguageAttack, TransliterationsKeepTheNameFindable) {
  const LanguageAttack attack(targets());
  std::set<std::string> forms;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    const auto out = attack.apply("Which awards did Nikolai Abilov win?", seed);
    forms.insert(out.form);
    if (out.form == "cyrillic" || out.form == "greek") {
      EXPECT_EQ(out.text.find("Nikolai Abilov"), std::string::npos) << out.text;
    } else {
      EXPECT_NE(out.text.find("Nikolai Abilov"), std::string::npos) << out.text;
    }
    EXPECT_NE(out.text, "Which awards did Nikolai Abilov win?");
    EXPECT_TRUE(index_finds(out.text, "nikolai")) << out.form << ": " << out.text;
  }
  EXPECT_EQ(forms, (std::set<std::string>{"cyrillic", "greek", "french", "german", "spanish"}));
  // Without a named target: the template alone.
  EXPECT_NE(attack.apply("What is the capital of France?", 1).text.find("What is the capital of France?"),
            std::string::npos);
}

TEST(InjectionAttack, AddressesTheInnerAgentsAndKeepsTheQuestion) {
  const InjectionAttack attack;
  std::set<std::string> forms;
  for (std::uint64_t seed = 0; seed < 60; ++seed) {
    const auto out = attack.apply(kQuestion, seed);
    forms.insert(out.form.substr(0, out.form.rfind('-')));
    EXPECT_NE(out.text.find(kQuestion), std::string::npos);
    EXPECT_GT(out.text.size(), kQuestion.size() + 40);
  }
  EXPECT_EQ(forms, (std::set<std::string>{"audit-no-leak", "critic-rating", "fake-audit-json", "composer-verbatim",
                                          "system-override"}));
}

TEST(ManyShotAttack, PrependsDemonstrationsFromTheRealFile) {
  const auto demos = load_demonstrations(test::shared_path("data/jailbreak/wpu_msj_attack.json"));
  EXPECT_EQ(demos.size(), 127U);
  const ManyShotAttack attack(demos, 8);
  const auto out = attack.apply(kQuestion, 5);
  EXPECT_EQ(out.form, "8-shot");
  std::size_t questions = 0;
  for (auto pos = out.text.find("Question: "); pos != std::string::npos; pos = out.text.find("Question: ", pos + 1)) {
    ++questions;
  }
  EXPECT_EQ(questions, 9U);
  EXPECT_EQ(out.text.substr(out.text.size() - kQuestion.size() - 8), kQuestion + "\nAnswer:");
  // More shots than demonstrations: all of them, once each.
  const ManyShotAttack all({{"q1", "a1"}, {"q2", "a2"}}, 10);
  EXPECT_EQ(all.apply("Q", 0).form, "2-shot");
}

TEST(ManyShotAttack, MalformedFilesAreClearErrors) {
  const auto dir = test::scratch_dir("manyshot_bad");
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return dir / name;
  };
  const auto expect_error = [](const std::filesystem::path& path, const std::string& fragment) {
    try {
      load_demonstrations(path);
      ADD_FAILURE() << "no error for " << path;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expect_error(dir / "missing.json", "cannot read");
  expect_error(write("broken.json", "[{\"question\": "), "malformed JSON");
  expect_error(write("object.json", "{}"), "expected a JSON array");
  expect_error(write("empty.json", "[]"), "no demonstrations");
  expect_error(write("no_answer.json", "[{\"question\": \"q\"}]"), "element 0 has no question or no answer");
  expect_error(write("number.json", "[{\"question\": 3, \"answer\": \"a\"}]"), "\"question\" is not a string");
  EXPECT_THROW(ManyShotAttack({}, 3), Error);
  EXPECT_THROW(ManyShotAttack({{"q", "a"}}, 0), Error);
}

TEST(QuestionAttack, ItemSeedsDifferPerItemAndRepeat) {
  EXPECT_EQ(item_seed(1, 2), item_seed(1, 2));
  EXPECT_NE(item_seed(1, 2), item_seed(1, 3));
  EXPECT_NE(item_seed(1, 2), item_seed(2, 2));
}

}  // namespace
}  // namespace lethe::attack
