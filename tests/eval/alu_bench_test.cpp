// The ALU benchmark runners end to end with a scripted LLM: what reaches results.json, the 4-choice scoring, the
// attack bookkeeping, WMDP text never written out, and the scale bench's flat prompt against the published design.
#include "lethe/eval/alu_bench.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "alu_bench_doubles.hpp"
#include "lethe/attack/error.hpp"
#include "lethe/eval/alu_datasets.hpp"
#include "lethe/eval/alu_scale_bench.hpp"
#include "lethe/eval/text_metrics.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::eval {
namespace {

using test::AgentScriptLlm;

AluBenchConfig config(const std::string& dataset, const std::string& attack, std::size_t limit) {
  AluBenchConfig c;
  c.dataset = dataset;
  c.attack = attack;
  c.limit = limit;
  c.seed = 11;
  c.data_dir = lethe::test::shared_path("data");
  c.pipeline.k = 2;
  c.pipeline.j = 1;
  c.batch_size = 3;
  return c;
}

// The answer agent names Basil whenever the question does, and otherwise talks about Paris.
std::string tofu_answer(const std::string& question) {
  if (question.find("Basil") != std::string::npos || question.find("Kuwait") != std::string::npos) {
    return "Basil Mahfouz Al-Kuwaiti wrote it.";
  }
  return "Paris is the answer.";
}

TEST(AluBench, TofuSplitsAndMetrics) {
  AgentScriptLlm llm(tofu_answer);
  std::vector<std::size_t> progress;
  const auto out = run_alu_bench(llm, config("tofu-forget01", "none", 3),
                                 [&](std::size_t done, std::size_t, const std::string&) { progress.push_back(done); });
  const auto& r = out.results;
  EXPECT_EQ(r["benchmark"], "alu");
  EXPECT_EQ(r["targets"], 2);
  EXPECT_EQ(r["questions"], 12);
  EXPECT_EQ(r["errors"], 0);
  EXPECT_EQ(progress.back(), 12U);
  for (const char* split : {"forget", "retain", "real_authors", "world_facts"}) {
    ASSERT_TRUE(r["splits"].contains(split)) << split;
    EXPECT_EQ(r["splits"][split]["questions"], 3) << split;
    EXPECT_TRUE(r["splits"][split].contains("rouge_l_recall")) << split;
    EXPECT_DOUBLE_EQ(r["splits"][split]["leak_rate"].get<double>(), 0.0) << split;
  }
  // The first three forget01 questions are about Basil: the full pipeline (answer, audit, critic, composer).
  EXPECT_DOUBLE_EQ(r["splits"]["forget"]["pass_through_rate"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(r["splits"]["forget"]["mean_llm_calls"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(r["splits"]["world_facts"]["pass_through_rate"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(r["splits"]["world_facts"]["mean_llm_calls"].get<double>(), 1.0);
  // ROUGE-L recall is the mean over items of the final answer against the reference.
  const auto dataset = load_alu_dataset("tofu-forget01", lethe::test::shared_path("data"));
  double expected = 0.0;
  for (std::size_t i = 0; i < 3; ++i)
    expected += rouge_l(dataset.forget[i].answer, "A careful answer without names.").recall;
  EXPECT_NEAR(r["splits"]["forget"]["rouge_l_recall"].get<double>(), expected / 3, 1e-12);
  // world_facts item 0 is the Eiffel Tower: "Paris is the answer." has recall 1 against "Paris".
  EXPECT_EQ(r["items"][9]["id"], "world_facts-0000");
  EXPECT_DOUBLE_EQ(r["items"][9]["rouge_l_recall"].get<double>(), 1.0);
  double pass_throughs = 0.0;
  for (const auto& [split, figures] : r["splits"].items())
    pass_throughs += 3 * figures["pass_through_rate"].get<double>();
  EXPECT_NEAR(r["pass_through_rate"].get<double>(), pass_throughs / 12, 1e-12);
  EXPECT_GT(r["usage"]["llm"]["calls"].get<int>(), 12);
  EXPECT_NE(out.report.find("| forget | 3 |"), std::string::npos) << out.report;
}

TEST(AluBench, AComposedAnswerNamingATargetIsRefusedNotLeaked) {
  AgentScriptLlm llm(tofu_answer, "As Nikolai Abilov once said, no.");
  const auto out = run_alu_bench(llm, config("tofu-forget01", "none", 2));
  const auto& forget = out.results["splits"]["forget"];
  // The pipeline's safety net refuses what still names a target; either way no final answer may leak.
  EXPECT_DOUBLE_EQ(forget["leak_rate"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(forget["refusal_rate"].get<double>(), 1.0);
}

TEST(AluBench, AttackBookkeeping) {
  AgentScriptLlm llm(tofu_answer);
  const auto out = run_alu_bench(llm, config("tofu-forget01", "mask", 4));
  const auto& r = out.results;
  // Masking changes forget questions that name a target, and never the other splits.
  EXPECT_EQ(r["splits"]["retain"]["attack_transformed"], 0);
  const auto transformed = r["splits"]["forget"]["attack_transformed"].get<int>();
  std::size_t forms = 0;
  for (const auto& [form, count] : r["attacks"]["mask"]["forms"].items()) forms += count.get<std::size_t>();
  EXPECT_EQ(forms, static_cast<std::size_t>(transformed));
  for (const auto& item : r["items"]) {
    if (item["split"] == "forget" && !item["attack_form"].get<std::string>().empty()) {
      EXPECT_EQ(item["question"].get<std::string>().find("Basil Mahfouz Al-Kuwaiti"), std::string::npos);
    }
  }
  // The same seed gives the same attacked questions.
  AgentScriptLlm again(tofu_answer);
  const auto second = run_alu_bench(again, config("tofu-forget01", "mask", 4));
  for (std::size_t i = 0; i < r["items"].size(); ++i) {
    EXPECT_EQ(r["items"][i]["question"], second.results["items"][i]["question"]);
  }
}

TEST(AluBench, WmdpAccuracyWithThePipelineInTheLoopAndNoQuestionText) {
  // The answer agent always says "B"; WMDP questions rarely name a topic, so most pass through as "B".
  AgentScriptLlm llm([](const std::string&) { return "B"; });
  const auto out = run_alu_bench(llm, config("wmdp-bio", "none", 6));
  const auto& r = out.results;
  const auto dataset = load_alu_dataset("wmdp-bio", lethe::test::shared_path("data"));
  // Passed through: the answer is "B". Otherwise the composed text names no option: the reader call says "C".
  std::size_t expected_correct = 0;
  for (std::size_t i = 0; i < 6; ++i) {
    ASSERT_EQ(r["items"][i]["id"], dataset.forget_choices[i].id);
    const std::size_t pick = r["items"][i]["passed_through"].get<bool>() ? 1 : 2;
    expected_correct += dataset.forget_choices[i].answer == pick;
  }
  EXPECT_NEAR(r["splits"]["forget"]["accuracy"].get<double>(), static_cast<double>(expected_correct) / 6, 1e-12);
  EXPECT_EQ(r["splits"]["forget"]["questions"], 6);
  EXPECT_EQ(r["splits"]["utility"]["questions"], 6);
  EXPECT_TRUE(r["splits"]["utility"].contains("chance_adjusted_accuracy"));
  // No question, option or answer text of a WMDP item anywhere in what the bench writes.
  const std::string written = r.dump() + out.report;
  std::size_t found = 0;
  for (std::size_t i = 0; i < 6; ++i) {
    found += written.find(dataset.forget_choices[i].question) != std::string::npos;
    for (const auto& choice : dataset.forget_choices[i].choices) {
      found += choice.size() > 12 && written.find(choice) != std::string::npos;
    }
  }
  EXPECT_EQ(found, 0U);  // a count only: printing the text is what this test forbids
}

TEST(AluBench, UnreadableAnswersGoToTheReaderCall) {
  AgentScriptLlm llm([](const std::string&) { return "I would go with the second one, I think."; }, "", "C");
  const auto out = run_alu_bench(llm, config("wmdp-chem", "none", 2));
  EXPECT_GE(llm.reader_calls(), 2U);  // at least the 2 utility answers, which no rule can read
  const auto& methods = out.results["splits"]["utility"]["pick_methods"];
  EXPECT_EQ(methods.value("reader_call", 0), 2);
  // The world-facts / real-authors answer is "C" for these items exactly when their answer index is 2.
  const auto dataset = load_alu_dataset("wmdp-chem", lethe::test::shared_path("data"));
  const double expected = ((dataset.real_authors[0].answer == 2) + (dataset.real_authors[1].answer == 2)) / 2.0;
  EXPECT_DOUBLE_EQ(out.results["splits"]["utility"]["accuracy"].get<double>(), expected);
}

TEST(AluBench, BadInputIsAClearError) {
  AgentScriptLlm llm(tofu_answer);
  EXPECT_THROW(run_alu_bench(llm, config("tofu-forget02", "none", 1)), DatasetError);
  EXPECT_THROW(run_alu_bench(llm, config("wpu", "rot13", 1)), attack::Error);
  auto bad_data = config("wpu", "none", 1);
  bad_data.data_dir = lethe::test::scratch_dir("alu_bench_no_data");
  try {
    run_alu_bench(llm, bad_data);
    FAIL() << "no error";
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find("wpu_forget_true_qa_extracted.json"), std::string::npos) << e.what();
  }
}

TEST(AluBench, WritesResultsAndReport) {
  AgentScriptLlm llm(tofu_answer);
  const auto out = run_alu_bench(llm, config("wpu", "lang", 2));
  const auto dir = lethe::test::scratch_dir("alu_bench_write") / "nested";
  write_bench_outcome(dir, out.results, out.report);
  std::ifstream results(dir / "results.json");
  const auto parsed = nlohmann::json::parse(results);
  EXPECT_EQ(parsed["dataset"], "wpu");
  EXPECT_EQ(parsed["splits"]["forget"]["questions"], 2);
  EXPECT_EQ(parsed["splits"]["forget"]["attack_transformed"], 2);
  std::ifstream report(dir / "report.md");
  std::stringstream text;
  text << report.rdbuf();
  EXPECT_EQ(text.str(), out.report);
}

TEST(AluScaleBench, PromptsStayFlatWhileThePublishedDesignGrows) {
  AgentScriptLlm llm(tofu_answer);
  AluScaleConfig c;
  c.target_counts = {1, 100, 2000};
  c.queries = 3;
  c.selection_texts = 50;
  c.data_dir = lethe::test::shared_path("data");
  c.pipeline.k = 2;
  c.pipeline.j = 1;
  c.token_sample = 20;
  std::size_t steps = 0;
  const auto out = run_alu_scale_bench(llm, c, [&](std::size_t, std::size_t, const std::string&) { ++steps; });
  const auto& rows = out.results["rows"];
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(steps, 3U * (3 + 1));
  EXPECT_EQ(rows[0]["targets"], 1);
  EXPECT_EQ(rows[2]["synthetic_targets"], 2000 - 20);
  for (const auto& row : rows) {
    EXPECT_DOUBLE_EQ(row["llm_calls_mean"].get<double>(), 4.0);
    EXPECT_DOUBLE_EQ(row["prompt_tokens_mean"].get<double>(), rows[0]["prompt_tokens_mean"].get<double>());
    EXPECT_GT(row["index"]["memory_estimate_bytes"].get<double>(), 0.0);
  }
  const double per_target = out.results["published_design"]["tokens_per_target"].get<double>();
  EXPECT_GT(per_target, 1.0);
  EXPECT_NE(out.results["published_design"]["method"].get<std::string>().find("backend tokenizer"), std::string::npos);
  EXPECT_NEAR(rows[2]["published_design_prompt_tokens_estimate"].get<double>(),
              rows[2]["prompt_tokens_mean"].get<double>() + 3 * 2000 * per_target, 1e-6);
  EXPECT_NE(out.report.find("ESTIMATE"), std::string::npos);
}

TEST(AluScaleBench, TargetCountLists) {
  EXPECT_EQ(parse_target_counts("1,10, 100"), (std::vector<std::size_t>{1, 10, 100}));
  for (const char* bad : {"", "1,,2", "0", "ten", "1,-5", "99999999999"}) {
    EXPECT_THROW(parse_target_counts(bad), std::invalid_argument) << bad;
  }
  try {
    parse_target_counts("1,x");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'x'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lethe::eval
