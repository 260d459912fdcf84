// `lethe bench alu` and `lethe bench alu-scale` as a user runs them: end to end on the stories fixture with a few
// questions (the fixture's answers are nonsense: these tests check the plumbing and the files, never quality),
// and bad input as one-line errors with exit code 1.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lethe/eval/alu_datasets.hpp"
#include "lethe_test/paths.hpp"
#include "lethe_test/process.hpp"

namespace lethe {
namespace {

using test::run_process;
using test::shell_quote;

std::string lethe(const std::string& args) { return shell_quote(test::cli_binary()) + " " + args; }

// The stories fixture with room for the inner agents' prompts, small k and j, short answers.
std::string stories_flags(const std::string& data = test::shared_path("data").string()) {
  return "--llm " + shell_quote("gguf:" + test::stories_model()) +
         " --chat-template raw --no-cache --context 2048 --k 1 --j 1 --answer-tokens 16 --data " + shell_quote(data);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void expect_one_line_error(const test::ProcessResult& r, const std::string& fragment) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err.rfind("lethe: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
}

TEST(BenchAluCli, TofuEndToEndWritesResultsAndReport) {
  const auto dir = test::scratch_dir("bench_alu_tofu");
  const auto r = run_process(lethe("bench alu " + stories_flags() +
                                   " --dataset tofu-forget01 --attack mask --limit 3 --seed 4 --out " +
                                   shell_quote(dir.string())));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("bench alu tofu-forget01 mask"), std::string::npos) << r.err;  // the progress bar
  const auto results = nlohmann::json::parse(read_file(dir / "results.json"));
  EXPECT_EQ(results["dataset"], "tofu-forget01");
  EXPECT_EQ(results["attack"], "mask");
  EXPECT_EQ(results["questions"], 12);
  for (const char* split : {"forget", "retain", "real_authors", "world_facts"}) {
    EXPECT_EQ(results["splits"][split]["questions"], 3) << split;
    EXPECT_TRUE(results["splits"][split].contains("rouge_l_recall")) << split;
    EXPECT_TRUE(results["splits"][split].contains("leak_rate")) << split;
  }
  EXPECT_GT(results["splits"]["forget"]["attack_transformed"].get<int>(), 0);
  EXPECT_GE(results["usage"]["llm"]["calls"].get<int>(), 12);
  EXPECT_TRUE(results.contains("pass_through_rate"));
  EXPECT_TRUE(results["config"].contains("pipeline"));
  EXPECT_GT(results["wall_seconds"].get<double>(), 0.0);
  const auto report = read_file(dir / "report.md");
  EXPECT_NE(report.find("# ALU benchmark: tofu-forget01 under attack `mask`"), std::string::npos) << report;
  EXPECT_NE(r.out.find("report.md"), std::string::npos);
}

TEST(BenchAluCli, WmdpRunWritesNoQuestionText) {
  const auto dir = test::scratch_dir("bench_alu_wmdp");
  const auto r =
      run_process(lethe("bench alu " + stories_flags() + " --dataset wmdp-cyber --attack inject --limit 3 --out " +
                        shell_quote(dir.string())));
  ASSERT_EQ(r.exit_code, 0) << r.err.substr(0, 200);
  const auto results_text = read_file(dir / "results.json");
  const auto results = nlohmann::json::parse(results_text);
  EXPECT_EQ(results["splits"]["forget"]["questions"], 3);
  EXPECT_EQ(results["splits"]["utility"]["questions"], 3);
  EXPECT_TRUE(results["splits"]["forget"].contains("accuracy"));
  const auto dataset = eval::load_alu_dataset("wmdp-cyber", test::shared_path("data"));
  const std::string everything = r.out + r.err + results_text + read_file(dir / "report.md");
  std::size_t quoted = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    quoted += everything.find(dataset.forget_choices[i].question) != std::string::npos;
    for (const auto& choice : dataset.forget_choices[i].choices) {
      quoted += choice.size() > 12 && everything.find(choice) != std::string::npos;
    }
  }
  EXPECT_EQ(quoted, 0U);  // a count: printing the text is what this test forbids
}

TEST(BenchAluCli, ScaleEndToEnd) {
  const auto dir = test::scratch_dir("bench_alu_scale");
  const auto r =
      run_process(lethe("bench alu-scale " + stories_flags() +
                        " --targets 1,300 --queries 1 --selection-texts 20 --out " + shell_quote(dir.string())));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto results = nlohmann::json::parse(read_file(dir / "results.json"));
  ASSERT_EQ(results["rows"].size(), 2u);
  EXPECT_EQ(results["rows"][1]["targets"], 300);
  EXPECT_GT(results["rows"][1]["index"]["memory_estimate_bytes"].get<double>(), 0.0);
  EXPECT_GT(results["rows"][1]["prompt_tokens_mean"].get<double>(), 0.0);
  EXPECT_GT(results["published_design"]["tokens_per_target"].get<double>(), 0.0);
  EXPECT_GT(results["rows"][1]["published_design_prompt_tokens_estimate"].get<double>(),
            results["rows"][0]["published_design_prompt_tokens_estimate"].get<double>());
  EXPECT_NE(read_file(dir / "report.md").find("ESTIMATE"), std::string::npos);
}

TEST(BenchAluCli, BadInputIsAOneLineErrorWithExitCodeOne) {
  const auto dir = test::scratch_dir("bench_alu_bad");
  const std::string out = " --out " + shell_quote(dir.string());
  expect_one_line_error(run_process(lethe("bench alu " + stories_flags() + " --dataset tofu-forget02" + out)),
                        "unknown --dataset 'tofu-forget02'");
  expect_one_line_error(run_process(lethe("bench alu " + stories_flags() + " --dataset wpu --attack rot13" + out)),
                        "unknown --attack 'rot13' (expected none|manyshot|mask|lang|inject)");
  expect_one_line_error(run_process(lethe("bench alu-scale " + stories_flags() + " --targets 1,ten,100" + out)),
                        "bad target count 'ten'");
  expect_one_line_error(run_process(lethe("bench alu-scale " + stories_flags() + " --targets ''" + out)),
                        "bad target count");
  expect_one_line_error(run_process(lethe("bench alu " + stories_flags("/nonexistent/data") + " --dataset wpu" + out)),
                        "/nonexistent/data/wpu");
  EXPECT_FALSE(std::filesystem::exists(dir / "results.json"));
}

}  // namespace
}  // namespace lethe
