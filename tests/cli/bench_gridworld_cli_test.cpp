// `lethe bench gridworld` as a user runs it: end to end on a small generated layout with the stories fixture
// (a base model, not a trained agent: only the plumbing and the hard method's guarantee are checked), and bad input.
#include <gtest/gtest.h>

#include <fstream>
#include <ostream>
#include <nlohmann/json.hpp>

#include "lethe_test/paths.hpp"
#include "lethe_test/process.hpp"

namespace lethe {
namespace {

using test::run_process;
using test::shell_quote;

std::string lethe(const std::string& args) { return shell_quote(test::cli_binary()) + " " + args; }

std::string fixture() { return "--llm " + shell_quote("gguf:" + test::stories_model()) + " --no-cache "; }

std::string layout_dir() { return (test::repository_root() / "data" / "gridworld").string(); }

TEST(BenchGridworldCli, HardStateUnlearningEndToEndWithTheFixture) {
  const auto out = test::scratch_dir("bench_gridworld_cli") / "run";
  const auto r = run_process(lethe("bench gridworld --quiet " + fixture() +
                                   "--scenario state --method hard --layouts 1 --grid 5 --episodes 1 --step-limit 12 "
                                   "--goto-tasks 1 --unlearning-tasks 1 --attempts 2 --seed 3 --out " +
                                   shell_quote(out.string())));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| Method | Unlearn efficacy |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("results.json"), std::string::npos);
  std::ifstream in(out / "results.json");
  const auto results = nlohmann::json::parse(in);
  for (const char* key : {"unlearn_efficacy", "unlearn_at_1", "success_before", "success_after", "steps_before",
                          "steps_after_target", "steps_after_other", "reference", "config", "usage", "llm"}) {
    EXPECT_TRUE(results.contains(key)) << key;
  }
  // Whatever the model answers, the hard method never enters the forgotten state.
  EXPECT_DOUBLE_EQ(results.at("unlearn_efficacy").get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(results.at("after").at("target").at("avoidance").get<double>(), 1.0);
  EXPECT_NE(results.at("llm").at("describe").get<std::string>().find("template raw"), std::string::npos);
  EXPECT_GT(results.at("usage").at("calls").get<int>(), 0);
  for (const char* name : {"report.md", "heatmap_before.svg", "heatmap_after.svg", "heatmap_reference.svg"}) {
    EXPECT_TRUE(std::filesystem::exists(out / name)) << name;
  }
}

// Without --llm, from the repository root: the committed micro agent, in the prompt set-up it was trained for.
TEST(BenchGridworldCli, DefaultsToTheCommittedMicroAgentModel) {
  const auto out = test::scratch_dir("bench_gridworld_cli_micro");
  const auto r = run_process("cd " + shell_quote(test::repository_root().string()) + " && LETHE_LLM= " +
                             lethe("bench gridworld --quiet --no-cache --scenario state --method hard --layouts 1 "
                                   "--episodes 1 --goto-tasks 1 --unlearning-tasks 1 --attempts 1 --seed 2 --out " +
                                   shell_quote(out.string())));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(out / "results.json");
  const auto results = nlohmann::json::parse(in);
  const auto describe = results.at("llm").at("describe").get<std::string>();
  EXPECT_NE(describe.find("micro-agent.gguf"), std::string::npos) << describe;
  EXPECT_NE(describe.find("template raw"), std::string::npos) << describe;
  EXPECT_DOUBLE_EQ(results.at("unlearn_efficacy").get<double>(), 1.0);
}

TEST(BenchGridworldCli, WithoutAModelSaysHowToGiveOne) {
  const auto dir = test::scratch_dir("bench_gridworld_cli_no_model");
  const auto r = run_process(
      "cd " + shell_quote(dir.string()) + " && LETHE_LLM= " +
      lethe("bench gridworld --quiet --method hard --layouts 1 --out " + shell_quote((dir / "out").string())));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("pass --llm SPEC or set LETHE_LLM"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("models/micro-agent.gguf"), std::string::npos) << r.err;
}

TEST(BenchGridworldCli, NamedLayoutsAndNoneMethodWork) {
  const auto out = test::scratch_dir("bench_gridworld_cli_named");
  const auto r = run_process(
      lethe("bench gridworld --quiet " + fixture() +
            "--scenario trajectory --method none --layouts house --layout-dir " + shell_quote(layout_dir()) +
            " --episodes 0 --step-limit 8 --goto-tasks 1 --unlearning-tasks 1 --attempts 1 --memory sqlite "
            "--out " +
            shell_quote(out.string())));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(out / "results.json");
  const auto results = nlohmann::json::parse(in);
  EXPECT_EQ(results.at("layouts")[0].at("id"), "house");
  EXPECT_EQ(results.at("config").at("memory"), "sqlite");
}

// The hard method over two layouts, generated or named: the targets lie in one, the unlearned agent also walks the
// other (whose figures are reported apart, as the paper's "other environments"), and the guarantee holds. Nothing
// is learned (--episodes 0), which keeps the prompts short and the test quick.
struct TwoLayouts {
  std::string scenario;
  std::string layouts;
};

// What ctest lists beside each case, instead of the struct's bytes.
void PrintTo(const TwoLayouts& p, std::ostream* out) {
  *out << "--scenario " << p.scenario << " --layouts " << p.layouts;
}

class BenchGridworldCliTwoLayouts : public ::testing::TestWithParam<TwoLayouts> {};

TEST_P(BenchGridworldCliTwoLayouts, HardMethodReportsTheOtherLayout) {
  const auto& [scenario, layouts] = GetParam();
  const auto out =
      test::scratch_dir("bench_gridworld_cli_two_" + scenario + (layouts == "2" ? "_generated" : "_named")) / "run";
  const auto r =
      run_process(lethe("bench gridworld --quiet " + fixture() + "--scenario " + scenario +
                        " --method hard --layouts " + layouts + " --layout-dir " + shell_quote(layout_dir()) +
                        " --grid 5 --episodes 0 --step-limit 8 --goto-tasks 1 --unlearning-tasks 1 "
                        "--attempts 1 --seed 7 --out " +
                        shell_quote(out.string())));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(out / "results.json");
  const auto results = nlohmann::json::parse(in);
  ASSERT_EQ(results.at("layouts").size(), 2u);
  EXPECT_DOUBLE_EQ(results.at("unlearn_efficacy").get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(results.at("after").at("target").at("avoidance").get<double>(), 1.0);
  ASSERT_EQ(results.at("other_layouts").size(), 1u);
  EXPECT_NE(results.at("other_layouts")[0], results.at("requests")[0].at("request").at("environment"));
  EXPECT_GT(results.at("after").at("other").at("episodes").get<int>(), 0);
  EXPECT_TRUE(results.at("steps_after_other").is_number());
  EXPECT_TRUE(results.at("success_after_other").is_number());
  EXPECT_EQ(results.at("steps_after_other"), results.at("after").at("other").at("steps"));
}

std::string case_name(const ::testing::TestParamInfo<TwoLayouts>& param) {
  return param.param.scenario + (param.param.layouts == "2" ? "Generated" : "Named");
}

INSTANTIATE_TEST_SUITE_P(GeneratedAndNamed, BenchGridworldCliTwoLayouts,
                         ::testing::Values(TwoLayouts{"state", "2"}, TwoLayouts{"trajectory", "2"},
                                           TwoLayouts{"state", "house,open"}, TwoLayouts{"trajectory", "house,open"}),
                         case_name);

struct BadInput {
  std::string args;
  std::string message;
};

TEST(BenchGridworldCli, BadInputGivesOneClearErrorAndANonZeroExit) {
  const auto dir = test::scratch_dir("bench_gridworld_cli_bad");
  std::ofstream(dir / "bad.json") << R"({"id": "bad", "rows": ["S..", ".Z."]})";
  std::ofstream(dir / "a-file") << "x";
  const std::string out = " --out " + shell_quote((dir / "out").string());
  const std::vector<BadInput> cases{
      {"--method magic --layouts 1 --grid 5" + out, "unknown unlearning method 'magic'"},
      {"--method hard --scenario place --layouts 1 --grid 5" + out, "unknown --scenario 'place'"},
      {"--method hard --targets 400 --layouts 1 --grid 5" + out, "more than the"},
      {"--method hard --scenario environment --layouts 1 --grid 5" + out, "at least one must remain"},
      {"--method hard --layouts " + shell_quote((dir / "bad.json").string()) + out, "bad.json"},
      {"--method hard --layouts nowhere --layout-dir " + shell_quote(dir.string()) + out, "no layout named 'nowhere'"},
      {"--method hard --layouts 1 --grid 5 --out " + shell_quote((dir / "a-file" / "out").string()),
       "output directory"},
      {"--method hard --converter none --layouts 1 --grid 5" + out, "--converter is for --method nl, not hard"},
      {"--method nl --converter " + shell_quote((dir / "none.gguf").string()) + " --layouts 1 --grid 5" + out,
       "--converter: no model file"},
  };
  for (const auto& bad : cases) {
    const auto r = run_process(lethe("bench gridworld --quiet " + fixture() + bad.args));
    EXPECT_NE(r.exit_code, 0) << bad.args;
    EXPECT_NE(r.err.find("lethe: error:"), std::string::npos) << bad.args << "\n" << r.err;
    EXPECT_NE(r.err.find(bad.message), std::string::npos) << bad.args << "\n" << r.err;
  }
  // The bad layout error names the field too.
  const auto r = run_process(lethe("bench gridworld --quiet " + fixture() + "--method hard --layouts " +
                                   shell_quote((dir / "bad.json").string()) + out));
  EXPECT_NE(r.err.find("rows"), std::string::npos) << r.err;
}

TEST(BenchGridworldCli, HelpExplainsTheFlags) {
  const auto r = run_process(lethe("bench gridworld --help"));
  ASSERT_EQ(r.exit_code, 0);
  for (const char* flag :
       {"--scenario", "--method", "--converter", "--targets", "--layouts", "--episodes", "--seed", "--out"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace lethe
