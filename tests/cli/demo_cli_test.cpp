// `lethe demo` as a newcomer runs it, on the stories fixture (a base model, not a trained agent).
#include <gtest/gtest.h>

#include <regex>

#include "lethe_test/paths.hpp"
#include "lethe_test/process.hpp"

namespace lethe {
namespace {

using test::run_process;
using test::shell_quote;

std::string lethe(const std::string& args) { return shell_quote(test::cli_binary()) + " " + args; }

std::string layout_dir() { return (test::repository_root() / "data" / "gridworld").string(); }

TEST(DemoCli, TellsTheUnlearningStoryAndWritesTheHeatmaps) {
  const auto out = test::scratch_dir("demo_cli");
  const auto r =
      run_process(lethe("demo --quiet --no-cache --llm " + shell_quote("gguf:" + test::stories_model()) +
                        " --layout-dir " + shell_quote(layout_dir()) + " --out " + shell_quote(out.string())));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Model: gguf:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("NOT a trained agent"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("layout 'house'"), std::string::npos) << r.out;
  // Whatever the model, the hard method keeps every episode out of the forgotten place.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(after unlearning: +(\d+) of (\d+) episodes kept out)")))
      << r.out;
  EXPECT_EQ(m[1], m[2]);
  for (const char* name : {"heatmap_before.svg", "heatmap_after.svg", "heatmap_reference.svg", "report.md"}) {
    EXPECT_TRUE(std::filesystem::exists(out / name)) << name;
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  }
  // The converter writes the micro agent's format: with another model the NL method is skipped, and says why.
  EXPECT_NE(r.out.find("The NL method (request -> conversion model -> prompt): skipped"), std::string::npos) << r.out;
}

// What a newcomer gets from the README's demo command: the committed micro agent model, no flags.
TEST(DemoCli, DefaultsToTheCommittedMicroAgentModel) {
  const auto out = test::scratch_dir("demo_cli_micro");
  const auto r =
      run_process("cd " + shell_quote(test::repository_root().string()) + " && LETHE_LLM= LETHE_DEMO_MODEL= " +
                  lethe("demo --quiet --no-cache --out " + shell_quote(out.string())));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Model: gguf:models/micro-agent.gguf"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Lethe's micro agent model"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("NOT a trained agent"), std::string::npos) << r.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(after unlearning: +(\d+) of (\d+) episodes kept out)")))
      << r.out;
  EXPECT_EQ(m[1], m[2]);
  EXPECT_TRUE(std::filesystem::exists(out / "heatmap_after.svg"));
  // The same request through the committed conversion model: the prompt it wrote, and the NL run's own report.
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"re(6\. The same request, NL method[\s\S]*?\n   "([^"]+)"\n)re")))
      << r.out;
  EXPECT_FALSE(m[1].str().empty());
  EXPECT_TRUE(std::filesystem::exists(out / "nl" / "results.json"));
  EXPECT_NE(r.out.find("7. Audit"), std::string::npos) << r.out;
}

TEST(DemoCli, AMissingDemoModelIsAClearError) {
  const auto r =
      run_process("LETHE_LLM= LETHE_DEMO_MODEL=/nonexistent/model.gguf " +
                  lethe("demo --quiet --out " + shell_quote(test::scratch_dir("demo_cli_missing").string())));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("LETHE_DEMO_MODEL names /nonexistent/model.gguf"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lethe
