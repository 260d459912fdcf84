// Recall of the target index on the real TOFU author and WPU names under the masking forms of the attack module
// (surname only, initials, a misspelling, lower case, Cyrillic), among distractors (the other TOFU authors and the
// WPU people). Moved here from tests/alu so that the masking helpers live in one place (src/lethe/attack).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lethe/alu/target_index.hpp"
#include "lethe/attack/name_masking.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::attack {
namespace {

using alu::Match;
using alu::Target;

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// TOFU forget-set rows are {prompt, response}; each names (or refers to) one fictitious author.
std::vector<std::string> forget_rows(const std::string& split) {
  std::vector<std::string> rows;
  for (const auto& row : read_json(lethe::test::shared_path("data/tofu/" + split + ".json"))) {
    rows.push_back(row.at("prompt").get<std::string>() + "\n" + row.at("response").get<std::string>());
  }
  return rows;
}

// The 20 TOFU forget10 authors (the WPU paper's list), which include every forget01 and forget05 author.
std::vector<std::string> tofu_authors() {
  return read_lines(lethe::test::shared_path("data/wpu/causal_unlearn_tofu_author.txt"));
}

std::vector<std::string> wpu_people() {
  // Keys: the 100 WPU forget people; values: fake replacement names (unused here).
  const auto replacements = read_json(lethe::test::shared_path("data/wpu/causal_unlearn_replace_name_forget_100.json"));
  std::vector<std::string> people;
  for (const auto& [name, fakes] : replacements.items()) people.push_back(name);
  return people;
}

std::vector<std::string> authors_in(const std::vector<std::string>& rows) {
  std::vector<std::string> found;
  for (const auto& author : tofu_authors()) {
    if (std::any_of(rows.begin(), rows.end(), [&](const auto& r) { return r.find(author) != std::string::npos; })) {
      found.push_back(author);
    }
  }
  return found;
}

class TofuRecall : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<Target> targets;
    for (const auto& name : tofu_authors()) targets.push_back(Target{name, name, {}, std::nullopt});
    for (const auto& name : wpu_people()) targets.push_back(Target{name, name, {}, std::nullopt});
    index.add(std::move(targets));
  }

  bool selected(const std::string& text, const std::string& author) const {
    auto matches = index.select(text, 5);
    return std::any_of(matches.begin(), matches.end(), [&](const Match& m) { return m.target_id == author; });
  }

  alu::TargetIndex index;
};

TEST_F(TofuRecall, Forget01AuthorsAreKnown) {
  auto rows = forget_rows("forget01");
  auto authors = authors_in(rows);
  EXPECT_EQ(authors, (std::vector<std::string>{"Basil Mahfouz Al-Kuwaiti", "Nikolai Abilov"}));
  // The list is complete: every forget01 row names one of them.
  for (const auto& row : rows) {
    EXPECT_TRUE(std::any_of(authors.begin(), authors.end(), [&](const auto& a) {
      return row.find(a) != std::string::npos;
    })) << row;
  }
}

TEST_F(TofuRecall, EveryForget01AuthorUnderMasking) {
  auto authors = authors_in(forget_rows("forget01"));
  ASSERT_FALSE(authors.empty());
  for (const auto& author : authors) {
    for (std::uint64_t seed = 0; seed < 5; ++seed) {
      for (const auto& variant : {author, ascii_lower(author), surname_of(author), initials_form(author),
                                  misspelling(author, seed), cyrillic_form(author)}) {
        ASSERT_FALSE(variant.empty());
        EXPECT_TRUE(selected("What is the most famous book by " + variant + "?", author))
            << author << " as " << variant;
      }
    }
    // All in lower case, the surname alone included.
    auto caseless = ascii_lower("what is the most famous book by " + surname_of(author) + "?");
    EXPECT_TRUE(selected(caseless, author)) << author << " in " << caseless;
  }
}

TEST_F(TofuRecall, EveryTofuAuthorUnderMasking) {
  std::uint64_t seed = 0;
  for (const auto& author : tofu_authors()) {
    for (const auto& variant :
         {ascii_lower(author), surname_of(author), initials_form(author), misspelling(author, ++seed)}) {
      if (variant.empty()) continue;  // no word of five letters to misspell ("Ji-Yeon Park")
      EXPECT_TRUE(selected("Tell me about " + variant + ".", author)) << author << " as " << variant;
    }
  }
}

// Every forget10 question-answer pair selects the authors it names; one refers to its author by surname alone.
TEST_F(TofuRecall, Forget10RowsSelectTheirAuthors) {
  const auto authors = tofu_authors();
  std::size_t checked = 0;
  for (const auto& row : forget_rows("forget10")) {
    bool named = false;
    for (const auto& author : authors) {
      if (row.find(author) == std::string::npos) continue;
      named = true;
      EXPECT_TRUE(selected(row, author)) << author << " in: " << row;
      ++checked;
    }
    if (!named) {
      EXPECT_TRUE(selected(row, "Rajeev Majumdar")) << row;
    }
  }
  EXPECT_GE(checked, 399U);
}

TEST_F(TofuRecall, WpuPeopleByFullNameAndSurname) {
  for (const auto& person : wpu_people()) {
    EXPECT_TRUE(selected("What is " + person + " known for?", person)) << person;
  }
  EXPECT_TRUE(selected("Who was Varchi?", "Benedetto Varchi"));
  EXPECT_TRUE(selected("Who was Jose Semprun?", "Jorge Semprún"));
}

}  // namespace
}  // namespace lethe::attack
