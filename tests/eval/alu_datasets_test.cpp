// The ALU dataset loaders on the real files in ../shared/data (counts, ids, targets) and on malformed copies.
// WMDP question text must never be printed: assertions on WMDP items compare counts, ids and integers only.
#include "lethe/eval/alu_datasets.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "lethe_test/paths.hpp"

namespace lethe::eval {
namespace {

std::filesystem::path data_dir() { return test::shared_path("data"); }

std::vector<std::string> ids_of(const std::vector<alu::Target>& targets) {
  std::vector<std::string> ids;
  for (const auto& t : targets) ids.push_back(t.id);
  return ids;
}

TEST(TofuDatasets, CountsSplitsAndTargets) {
  struct Expected {
    std::string name;
    std::size_t forget, retain, targets;
  };
  for (const auto& e : {Expected{"tofu-forget01", 40, 3960, 2}, Expected{"tofu-forget05", 200, 3800, 10},
                        Expected{"tofu-forget10", 400, 3600, 20}}) {
    const auto d = load_alu_dataset(e.name, data_dir());
    EXPECT_EQ(d.kind, AluDatasetKind::Tofu);
    EXPECT_EQ(d.forget.size(), e.forget) << e.name;
    EXPECT_EQ(d.retain.size(), e.retain) << e.name;
    EXPECT_EQ(d.targets.size(), e.targets) << e.name;
    EXPECT_EQ(d.real_authors.size(), 100U);
    EXPECT_EQ(d.world_facts.size(), 117U);
    // Forget and retain hold different authors: no retain row names a forget target.
    for (const auto& row : d.retain) {
      for (const auto& t : d.targets)
        ASSERT_EQ(row.question.find(t.name), std::string::npos) << row.id << " " << t.name;
    }
  }
  const auto d = load_alu_dataset("tofu-forget01", data_dir());
  EXPECT_EQ(ids_of(d.targets), (std::vector<std::string>{"Basil Mahfouz Al-Kuwaiti", "Nikolai Abilov"}));
  EXPECT_EQ(d.forget.front().id, "forget01-0000");
  EXPECT_EQ(d.forget.back().id, "forget01-0039");
  EXPECT_EQ(d.retain.back().id, "retain99-3959");
  EXPECT_NE(d.forget.front().answer.find("Basil Mahfouz Al-Kuwaiti"), std::string::npos);
  const auto& paris = d.world_facts.front();
  EXPECT_EQ(paris.question, "Where would you find the Eiffel Tower?");
  EXPECT_EQ(paris.choices.size(), 4U);
  EXPECT_EQ(paris.choices[paris.answer], "Paris");
}

TEST(TofuDatasets, FullFileIsOneArrayPerLine) {
  EXPECT_EQ(load_tofu_qa(data_dir() / "tofu" / "full.json", "full").size(), 4000U);
  EXPECT_EQ(load_tofu_qa(data_dir() / "tofu" / "holdout01.json", "holdout01").size(), 40U);
}

TEST(WmdpDatasets, CountsIdsAndAnswersWithoutPrintingQuestions) {
  struct Expected {
    std::string name;
    std::size_t questions;
  };
  for (const auto& e : {Expected{"wmdp-bio", 1273}, Expected{"wmdp-chem", 408}, Expected{"wmdp-cyber", 1987}}) {
    const auto d = load_alu_dataset(e.name, data_dir());
    EXPECT_EQ(d.kind, AluDatasetKind::Wmdp);
    EXPECT_EQ(d.forget_choices.size(), e.questions) << e.name;
    EXPECT_FALSE(d.targets.empty()) << e.name;
    EXPECT_EQ(d.real_authors.size() + d.world_facts.size(), 217U);
    std::set<std::size_t> answers;
    std::size_t well_formed = 0;
    for (std::size_t i = 0; i < d.forget_choices.size(); ++i) {
      const auto& item = d.forget_choices[i];
      const bool ok = item.choices.size() == 4 && item.answer < 4 && !item.question.empty() &&
                      item.id == fmt::format("wmdp-{}-{:04}", e.name.substr(5), i);
      well_formed += ok;
      answers.insert(item.answer);
    }
    EXPECT_EQ(well_formed, e.questions) << e.name;  // counts only: never the text
    EXPECT_EQ(answers, (std::set<std::size_t>{0, 1, 2, 3})) << e.name;
  }
}

TEST(WmdpDatasets, TopicTargets) {
  const auto bio = wmdp_topic_targets(data_dir() / "wmdp" / "wmdp_keywords.json", "bio");
  EXPECT_EQ(bio.size(), 7U);
  const auto eppp = std::find_if(
      bio.begin(), bio.end(), [](const alu::Target& t) { return !t.aliases.empty() && t.aliases.front() == "ePPP"; });
  ASSERT_NE(eppp, bio.end());
  EXPECT_EQ(eppp->name, "enhanced potential pandemic pathogen research");
  EXPECT_EQ(wmdp_topic_targets(data_dir() / "wmdp" / "wmdp_keywords.json", "cyber").size(), 5U);
  EXPECT_FALSE(wmdp_topic_targets(data_dir() / "wmdp" / "wmdp_keywords.json", "chem").empty());
}

TEST(WpuDataset, QuestionsAndPeople) {
  const auto d = load_alu_dataset("wpu", data_dir());
  EXPECT_EQ(d.kind, AluDatasetKind::Wpu);
  EXPECT_EQ(d.forget.size(), 400U);
  EXPECT_EQ(d.targets.size(), 100U);
  EXPECT_EQ(d.forget.front().question, "What nationality was Benedetto Varchi?");
  EXPECT_EQ(d.forget.front().answer, "Italian");
  const auto ids = ids_of(d.targets);
  EXPECT_NE(std::find(ids.begin(), ids.end(), "Benedetto Varchi"), ids.end());
}

TEST(AluDatasets, UnknownNameListsTheKnownOnes) {
  try {
    load_alu_dataset("tofu-forget99", data_dir());
    FAIL() << "no error";
  } catch (const DatasetError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("unknown dataset 'tofu-forget99'"), std::string::npos) << message;
    EXPECT_NE(message.find("wmdp-cyber"), std::string::npos) << message;
  }
  EXPECT_EQ(alu_dataset_names().size(), 7U);
}

class MalformedFiles : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return dir / name;
  }
  template <typename Load>
  std::string error_of(Load load) {
    try {
      load();
    } catch (const DatasetError& e) {
      return e.what();
    }
    return "(no error)";
  }
  // One folder per test: ctest runs the tests of this fixture in parallel.
  std::filesystem::path dir = test::scratch_dir(std::string("alu_datasets_malformed_") +
                                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
};

TEST_F(MalformedFiles, ErrorsNameTheFileAndTheElement) {
  const auto missing = dir / "nope.json";
  auto message = error_of([&] { load_tofu_qa(missing, "x"); });
  EXPECT_NE(message.find(missing.string()), std::string::npos) << message;

  const auto broken = write("broken.json", "[{\"prompt\": \"q\", ");
  message = error_of([&] { load_tofu_qa(broken, "x"); });
  EXPECT_NE(message.find(broken.string()), std::string::npos) << message;
  EXPECT_NE(message.find("malformed JSON"), std::string::npos) << message;

  const auto no_answer = write("no_answer.json", "[{\"question\": \"q\", \"answer\": \"a\"}, {\"question\": \"q\"}]");
  message = error_of([&] { load_tofu_qa(no_answer, "x"); });
  EXPECT_NE(message.find("element 1 has no \"answer\""), std::string::npos) << message;

  const auto bad_choice = write("choices.json",
                                "[{\"question\": \"q\", \"option1\": \"a\", \"option2\": \"b\", \"option3\": \"c\", "
                                "\"option4\": \"d\", \"answer\": \"e\"}]");
  message = error_of([&] { load_tofu_choices(bad_choice, "x"); });
  EXPECT_NE(message.find("the answer is none of the four options"), std::string::npos) << message;

  const auto empty = write("empty.json", "[]");
  message = error_of([&] { load_wpu_qa(empty); });
  EXPECT_NE(message.find("no question-answer pairs"), std::string::npos) << message;

  const auto people = write("people.json", "[\"a\"]");
  message = error_of([&] { load_wpu_people(people); });
  EXPECT_NE(message.find("expected a JSON object"), std::string::npos) << message;
}

TEST_F(MalformedFiles, WmdpErrorsNeverQuoteQuestionText) {
  const std::string secret = "SECRET-QUESTION-TEXT";
  const auto bad_answer = write("wmdp_bad.json", "[{\"question\": \"" + secret +
                                                     "\", \"choices\": [\"a\", \"b\", \"c\", \"d\"], \"answer\": 7}]");
  auto message = error_of([&] { load_wmdp(bad_answer, "bio"); });
  EXPECT_NE(message.find("wmdp-bio-0000"), std::string::npos) << message;
  EXPECT_EQ(message.find(secret), std::string::npos);

  const auto three = write("wmdp_three.json",
                           "[{\"question\": \"" + secret + "\", \"choices\": [\"a\", \"b\", \"c\"], \"answer\": 1}]");
  message = error_of([&] { load_wmdp(three, "bio"); });
  EXPECT_NE(message.find("not an array of four"), std::string::npos) << message;
  EXPECT_EQ(message.find(secret), std::string::npos);

  // The JSON parser's own message quotes the input near the error: ours gives the byte offset only.
  const auto broken = write("wmdp_broken.json", "[{\"question\": \"" + secret + "\" \"choices\": []}]");
  message = error_of([&] { load_wmdp(broken, "bio"); });
  EXPECT_NE(message.find("malformed JSON at byte"), std::string::npos) << message;
  EXPECT_EQ(message.find(secret), std::string::npos);
  EXPECT_EQ(message.find("SECRET"), std::string::npos);
}

}  // namespace
}  // namespace lethe::eval
