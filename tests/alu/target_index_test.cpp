#include "lethe/alu/target_index.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "lethe/alu/error.hpp"

namespace lethe::alu {
namespace {

Target person(std::string id, std::string name, std::vector<std::string> aliases = {}) {
  return Target{std::move(id), std::move(name), std::move(aliases), std::nullopt};
}

std::vector<Target> tofu_like_targets() {
  return {person("basil", "Basil Mahfouz Al-Kuwaiti"),
          person("nikolai", "Nikolai Abilov", {"N. A. Abilov"}),
          person("tolkien", "John Ronald Reuel Tolkien", {"Professor Tolkien"}),
          person("carmen", "Carmen Montenegro"),
          person("hsiao", "Hsiao Yun-Hwa"),
          person("jipark", "Ji-Yeon Park"),
          person("taepark", "Tae-ho Park"),
          person("kuwait-city", "Kuwait City")};
}

const Match* find_match(const std::vector<Match>& matches, const std::string& id) {
  auto it = std::find_if(matches.begin(), matches.end(), [&](const Match& m) { return m.target_id == id; });
  return it == matches.end() ? nullptr : &*it;
}

std::vector<std::string> ids(const std::vector<Match>& matches) {
  std::vector<std::string> out;
  for (const auto& m : matches) out.push_back(m.target_id);
  return out;
}

class TargetIndexTest : public ::testing::Test {
 protected:
  void SetUp() override { index.add(tofu_like_targets()); }
  TargetIndex index;
};

TEST_F(TargetIndexTest, ExactName) {
  auto matches = index.select("What genre is Basil Mahfouz Al-Kuwaiti known for?", 5);
  ASSERT_FALSE(matches.empty());
  EXPECT_EQ(matches[0].target_id, "basil");
  EXPECT_EQ(matches[0].target_name, "Basil Mahfouz Al-Kuwaiti");
  EXPECT_EQ(matches[0].kind, MatchKind::Exact);
  EXPECT_EQ(matches[0].matched_text, "Basil Mahfouz Al-Kuwaiti");
  EXPECT_DOUBLE_EQ(matches[0].score, 1.0);
  EXPECT_EQ(matches.size(), 1U);
}

TEST_F(TargetIndexTest, CaseAccentsAndPunctuationDoNotMatter) {
  auto matches = index.select("tell me about BASIL mahfoúz  al  kuwaiti...", 5);
  ASSERT_EQ(ids(matches), std::vector<std::string>{"basil"});
  EXPECT_EQ(matches[0].kind, MatchKind::Exact);
}

TEST_F(TargetIndexTest, WholeWordsOnly) {
  EXPECT_TRUE(index.select("Kuwaiticity and Montenegrofoo are not names; neither is parking.", 5).empty());
  auto matches = index.select("She moved to Kuwait City in 1990.", 5);
  EXPECT_EQ(ids(matches), std::vector<std::string>{"kuwait-city"});
}

TEST_F(TargetIndexTest, Alias) {
  auto matches = index.select("Professor Tolkien wrote it.", 5);
  ASSERT_FALSE(matches.empty());
  EXPECT_EQ(matches[0].target_id, "tolkien");
  EXPECT_EQ(matches[0].kind, MatchKind::Alias);
  EXPECT_EQ(matches[0].matched_text, "Professor Tolkien");
}

TEST_F(TargetIndexTest, SurnameAlone) {
  auto matches = index.select("Which awards did Montenegro win?", 5);
  ASSERT_EQ(ids(matches), std::vector<std::string>{"carmen"});
  EXPECT_EQ(matches[0].kind, MatchKind::Surname);
  EXPECT_EQ(matches[0].matched_text, "Montenegro");
  EXPECT_LT(matches[0].score, 1.0);

  // A shared surname selects everyone who has it, in a stable order...
  auto parks = index.select("Park's first novel", 5);
  EXPECT_EQ(ids(parks), (std::vector<std::string>{"jipark", "taepark"}));
  // ...unless the words belong to a longer, stronger match.
  EXPECT_EQ(ids(index.select("Ji-Yeon Park's first novel", 5)), std::vector<std::string>{"jipark"});
  EXPECT_EQ(ids(index.select("Ji-Yeon Park and Park", 5)), (std::vector<std::string>{"jipark", "taepark"}));
}

TEST_F(TargetIndexTest, Initials) {
  for (const std::string text : {"a book by J. R. R. Tolkien", "a book by JRR Tolkien", "a book by J.Tolkien",
                                 "JRRT's letters", "what did B. M. Al-Kuwaiti write?"}) {
    auto matches = index.select(text, 5);
    ASSERT_FALSE(matches.empty()) << text;
    EXPECT_EQ(matches[0].kind, MatchKind::Initials) << text;
    EXPECT_TRUE(matches[0].target_id == "tolkien" || matches[0].target_id == "basil") << text;
  }
  // Acronyms count only when written in capitals: "jrrt" in lower case is not evidence.
  EXPECT_TRUE(index.select("jrrt", 5).empty());
}

TEST_F(TargetIndexTest, InitialsOutrankSurnameAlone) {
  auto matches = index.select("J. R. R. Tolkien", 5);
  ASSERT_EQ(matches.size(), 1U);
  EXPECT_EQ(matches[0].kind, MatchKind::Initials);
  EXPECT_EQ(matches[0].matched_text, "J. R. R. Tolkien");
}

TEST_F(TargetIndexTest, Typos) {
  auto one = index.select("What did Nikolai Abilof write?", 5);
  ASSERT_FALSE(one.empty());
  EXPECT_EQ(one[0].target_id, "nikolai");
  EXPECT_EQ(one[0].kind, MatchKind::Fuzzy);
  EXPECT_EQ(one[0].matched_text, "Nikolai Abilof");
  EXPECT_LT(one[0].score, 1.0);

  auto surname = index.select("Is Montenegor still writing?", 5);
  ASSERT_FALSE(surname.empty());
  EXPECT_EQ(surname[0].target_id, "carmen");
  EXPECT_EQ(surname[0].kind, MatchKind::Fuzzy);

  auto two = index.select("Carmen Montinegra's novels", 5);  // two edits on a 10-letter word
  ASSERT_FALSE(two.empty());
  EXPECT_EQ(two[0].target_id, "carmen");

  auto transposed = index.select("Basil Mahfuoz Al-Kuwaiti", 5);
  ASSERT_FALSE(transposed.empty());
  EXPECT_EQ(transposed[0].target_id, "basil");
}

TEST_F(TargetIndexTest, ALoneCorrectedWordMustLookLikeAName) {
  EXPECT_EQ(ids(index.select("I met Montenegor yesterday.", 5)), std::vector<std::string>{"carmen"});
  EXPECT_TRUE(index.select("I met montenegor yesterday.", 5).empty());  // lower case in a cased text: a word
  EXPECT_TRUE(index.select("Montenegor was there.", 5).empty());        // capitalised only as a sentence start
  EXPECT_TRUE(index.select("It rained. \"Montenegor\" was there.", 5).empty());
  EXPECT_TRUE(index.select("I met montenegro yesterday.", 5).empty());
  // In a text without capitals, case tells nothing: lone surnames count, with a lower score.
  auto caseless = index.select("i met montenegro yesterday.", 5);
  ASSERT_EQ(ids(caseless), std::vector<std::string>{"carmen"});
  auto cased = index.select("I met Montenegro yesterday.", 5);
  ASSERT_EQ(ids(cased), std::vector<std::string>{"carmen"});
  EXPECT_LT(caseless[0].score, cased[0].score);
  EXPECT_EQ(ids(index.select("i met montenegor yesterday.", 5)), std::vector<std::string>{"carmen"});
  // Full names need no capitals.
  EXPECT_EQ(ids(index.select("I met carmen montenegro.", 5)), std::vector<std::string>{"carmen"});
}

TEST_F(TargetIndexTest, WordsInsideANameAreComparedWithWhatMayFollow) {
  // Two typos, one in each word: the first word comes from the dictionary's candidates, the second from the
  // few words that can follow it in a name.
  auto matches = index.select("Have you read Carmem Montenegto?", 5);
  ASSERT_FALSE(matches.empty());
  EXPECT_EQ(matches[0].target_id, "carmen");
  EXPECT_EQ(matches[0].kind, MatchKind::Fuzzy);
  EXPECT_EQ(matches[0].matched_text, "Carmem Montenegto");
}

TEST_F(TargetIndexTest, TyposOnShortWordsNeedAnExactWordBeside) {
  EXPECT_TRUE(index.select("a pork roast in the parc", 5).empty());
  EXPECT_TRUE(index.select("Wei Chxn", 5).empty());
  auto matches = index.select("Did Tae-ho Paxk write poetry?", 5);
  ASSERT_FALSE(matches.empty());
  EXPECT_EQ(matches[0].target_id, "taepark");
  EXPECT_EQ(matches[0].kind, MatchKind::Fuzzy);
  EXPECT_EQ(matches[0].matched_text, "Tae-ho Paxk");
  // Two short-word typos in one name are too weak.
  EXPECT_TRUE(index.select("Tae-hu Paxk", 5).empty());
}

TEST_F(TargetIndexTest, Transliterations) {
  auto exact = index.select("Кто такой Николай Абилов?", 5);
  ASSERT_FALSE(exact.empty());
  EXPECT_EQ(exact[0].target_id, "nikolai");
  EXPECT_EQ(exact[0].kind, MatchKind::Exact);
  EXPECT_EQ(exact[0].matched_text, "Николай Абилов");

  auto phonetic = index.select("Что написал Бэзил Махфуз Аль-Кувейти?", 5);
  ASSERT_FALSE(phonetic.empty());
  EXPECT_EQ(phonetic[0].target_id, "basil");
  EXPECT_EQ(phonetic[0].kind, MatchKind::Fuzzy);
  EXPECT_EQ(phonetic[0].matched_text, "Бэзил Махфуз Аль-Кувейти");

  auto greek = index.select("Ο Νικολάι Αμπίλοφ", 5);  // "Nikolai Ampilof": several edits, still one name
  ASSERT_FALSE(greek.empty());
  EXPECT_EQ(greek[0].target_id, "nikolai");
}

TEST_F(TargetIndexTest, MaxResultsAndRanking) {
  auto matches = index.select("Nikolai Abilov met Park, Montenegro and J. R. R. Tolkien.", 10);
  ASSERT_EQ(matches.size(), 5U);
  EXPECT_EQ(matches[0].target_id, "nikolai");
  EXPECT_EQ(matches[1].target_id, "tolkien");
  for (std::size_t i = 1; i < matches.size(); ++i) EXPECT_GE(matches[i - 1].score, matches[i].score);
  EXPECT_EQ(index.select("Nikolai Abilov met Park, Montenegro and J. R. R. Tolkien.", 2).size(), 2U);
  EXPECT_TRUE(index.select("Nikolai Abilov", 0).empty());
  EXPECT_TRUE(index.select("", 5).empty());
}

TEST_F(TargetIndexTest, RemovalAndReAdd) {
  ASSERT_TRUE(index.contains("carmen"));
  EXPECT_TRUE(index.remove("carmen"));
  EXPECT_FALSE(index.remove("carmen"));
  EXPECT_FALSE(index.contains("carmen"));
  EXPECT_EQ(index.size(), 7U);
  EXPECT_TRUE(index.select("Carmen Montenegro", 5).empty());
  EXPECT_TRUE(index.select("Is Montenegor here?", 5).empty());

  index.add(person("carmen", "Carmen Montenegro", {"La Montenegro"}));
  EXPECT_EQ(index.size(), 8U);
  auto matches = index.select("Carmen Montenegro", 5);
  ASSERT_EQ(ids(matches), std::vector<std::string>{"carmen"});
  EXPECT_EQ(index.find("carmen")->aliases, std::vector<std::string>{"La Montenegro"});
}

TEST_F(TargetIndexTest, AddingAnExistingIdReplacesIt) {
  index.add(person("nikolai", "Nikolai Petrov"));
  EXPECT_EQ(index.size(), 8U);
  EXPECT_TRUE(index.select("Abilov", 5).empty());
  EXPECT_EQ(ids(index.select("Petrov", 5)), std::vector<std::string>{"nikolai"});
}

TEST_F(TargetIndexTest, InvalidTargetsChangeNothing) {
  EXPECT_THROW(index.add(person("", "Somebody")), Error);
  EXPECT_THROW(index.add(person("x", "")), Error);
  EXPECT_THROW(index.add(person("x", "!!!")), Error);
  EXPECT_THROW(index.add(std::vector<Target>{person("ok", "Valid Name"), person("bad", "  ")}), Error);
  EXPECT_EQ(index.size(), 8U);
  EXPECT_FALSE(index.contains("ok"));
}

TEST(TargetIndex, DeltaFoldsIntoBaseWithoutLosingTargets) {
  TargetIndex index(IndexOptions{.delta_limit = 4, .fold_in_background = false});
  for (int i = 0; i < 30; ++i) {
    // Four-character words: no typo neighbours, so only a target's own name can select it.
    index.add(person("t" + std::to_string(i), "Pp" + std::to_string(i) + " Ss" + std::to_string(i)));
    if (i % 3 == 0) {
      EXPECT_TRUE(index.remove("t" + std::to_string(i / 2)));
    }
  }
  for (int i = 0; i < 30; ++i) {
    auto id = "t" + std::to_string(i);
    auto matches = index.select("About Pp" + std::to_string(i) + " Ss" + std::to_string(i), 3);
    if (index.contains(id)) {
      ASSERT_EQ(ids(matches), std::vector<std::string>{id});
    } else {
      EXPECT_TRUE(matches.empty()) << id;
    }
  }
  auto stats = index.stats();
  EXPECT_EQ(stats.targets, index.size());
  EXPECT_LE(stats.delta_targets, 4U);
  EXPECT_LE(stats.tombstones, 4U);
  EXPECT_GT(stats.base_targets, 0U);
  EXPECT_GT(stats.memory_bytes, 0U);
}

// More dictionary words lie one edit from "grahim" than the per-word candidate limit: inside a name the few words
// that may follow "Bruce" are compared directly, so the right one is still found.
TEST(TargetIndex, CrowdedTypoNeighbourhoodInsideAName) {
  TargetIndex index;
  std::vector<Target> targets;
  for (char c = 'a'; c <= 'z'; ++c) {
    if (c != 'm') targets.push_back(person(std::string("x") + c, std::string("Other Grahi") + c));
    if (c != 'a' && c != 'i') targets.push_back(person(std::string("y") + c, std::string("Other Grah") + c + "m"));
  }
  targets.push_back(person("bruce", "Bruce Graham"));
  index.add(std::move(targets));
  auto matches = index.select("Have you met Bruce Grahim?", 5);
  ASSERT_FALSE(matches.empty());
  EXPECT_EQ(matches[0].target_id, "bruce");
  EXPECT_EQ(matches[0].kind, MatchKind::Fuzzy);
}

// Three letters for a number: names made of four-letter words have no typo neighbours, so only a target's own
// name selects it.
std::string code(int i) {
  return {static_cast<char>('a' + i / 676), static_cast<char>('a' + i / 26 % 26), static_cast<char>('a' + i % 26)};
}

// Folds run in the background while changes continue; the changes made during a fold survive it.
TEST(TargetIndex, BackgroundFoldsKeepConcurrentChanges) {
  TargetIndex index(IndexOptions{.delta_limit = 8});
  std::vector<Target> bulk;
  for (int i = 0; i < 2000; ++i) bulk.push_back(person("b" + std::to_string(i), "B" + code(i) + " C" + code(i)));
  index.add(std::move(bulk));  // larger than the delta: built as the base at once
  EXPECT_EQ(index.stats().base_targets, 2000U);
  for (int i = 0; i < 300; ++i) {
    index.add(person("n" + std::to_string(i), "N" + code(i) + " M" + code(i)));
    if (i % 2 == 0) {
      EXPECT_TRUE(index.remove("b" + std::to_string(i)));
    }
    if (i % 3 == 0) index.add(person("b" + std::to_string(i + 1), "R" + code(i) + " P" + code(i)));
  }
  auto check = [&] {
    EXPECT_EQ(index.size(), 2000U - 150U + 300U);
    for (int i = 0; i < 300; ++i) {
      EXPECT_EQ(ids(index.select("N" + code(i) + " M" + code(i), 3)),
                std::vector<std::string>{"n" + std::to_string(i)});
      EXPECT_EQ(index.contains("b" + std::to_string(i)), i % 2 == 1) << i;
    }
    for (int i = 0; i < 300; i += 3) {
      auto id = "b" + std::to_string(i + 1);
      if ((i + 1) % 2 == 0) continue;  // removed again later
      EXPECT_EQ(index.find(id)->name, "R" + code(i) + " P" + code(i)) << i;
      EXPECT_EQ(ids(index.select("R" + code(i) + " P" + code(i), 3)), std::vector<std::string>{id});
      EXPECT_TRUE(index.select("B" + code(i + 1) + " C" + code(i + 1), 3).empty()) << i;  // the replaced name
    }
  };
  check();
  index.wait_for_fold();
  check();
  auto stats = index.stats();
  EXPECT_EQ(stats.targets, index.size());
  EXPECT_GT(stats.base_targets, 2000U);  // at least one fold has published
}

TEST(TargetIndex, EmptyIndexSelectsNothing) {
  TargetIndex index;
  EXPECT_EQ(index.size(), 0U);
  EXPECT_TRUE(index.select("Basil Mahfouz Al-Kuwaiti", 5).empty());
  EXPECT_FALSE(index.remove("basil"));
  EXPECT_FALSE(index.find("basil").has_value());
}

TEST(TargetIndex, FuzzyMatchingCanBeTurnedOff) {
  TargetIndex index(IndexOptions{.fuzzy = false});
  index.add(person("nikolai", "Nikolai Abilov"));
  EXPECT_TRUE(index.select("Nikolai Abilof", 5).empty());
  EXPECT_EQ(index.select("Nikolai Abilov", 5).size(), 1U);
}

// Two writers churn their own targets while a reader queries. Every query must see a consistent state: the stable
// targets always, a churned target only by its own name. After the writers finish, the index equals the final
// state they leave.
TEST(TargetIndex, ConcurrentAddsRemovesAndQueries) {
  TargetIndex index(IndexOptions{.delta_limit = 16});
  index.add(tofu_like_targets());
  std::atomic<bool> done{false};
  std::atomic<int> inconsistent{0};
  std::atomic<int> queries{0};

  auto writer = [&](const std::string& prefix) {
    for (int round = 0; round < 60; ++round) {
      for (int k = 0; k < 5; ++k) {
        auto id = prefix + std::to_string(k);
        index.add(person(id, prefix + "q" + std::to_string(k) + " " + prefix + "z" + std::to_string(k)));
      }
      for (int k = 0; k < 5; k += (round % 2 == 0 ? 1 : 2)) index.remove(prefix + std::to_string(k));
    }
  };
  std::thread reader([&] {
    while (!done.load()) {
      auto matches = index.select("Basil Mahfouz Al-Kuwaiti and Carmen Montenegro met aq1 az1", 10);
      ++queries;
      bool basil = find_match(matches, "basil") != nullptr;
      bool carmen = find_match(matches, "carmen") != nullptr;
      for (const auto& m : matches) {
        if (m.target_id != "basil" && m.target_id != "carmen" && m.target_id != "a1") ++inconsistent;
      }
      if (!basil || !carmen) ++inconsistent;
    }
  });
  std::thread a(writer, "a");
  std::thread b(writer, "b");
  a.join();
  b.join();
  done = true;
  reader.join();
  index.wait_for_fold();

  EXPECT_EQ(inconsistent.load(), 0);
  EXPECT_GT(queries.load(), 0);
  // Final state: odd last round (59) removed k = 0, 2, 4 and kept 1, 3 for each writer.
  EXPECT_EQ(index.size(), tofu_like_targets().size() + 4);
  for (const std::string prefix : {"a", "b"}) {
    for (int k = 0; k < 5; ++k) {
      auto id = prefix + std::to_string(k);
      EXPECT_EQ(index.contains(id), k % 2 == 1) << id;
      auto matches = index.select(prefix + "q" + std::to_string(k) + " " + prefix + "z" + std::to_string(k), 5);
      EXPECT_EQ(find_match(matches, id) != nullptr, k % 2 == 1) << id;
    }
  }
}

}  // namespace
}  // namespace lethe::alu
