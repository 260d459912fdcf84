// `lethe audit` as a user runs it: end to end on a small layout with the stories fixture (a base model, not a
// trained agent: only the plumbing and the hard method's guarantee are checked), and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lethe_test/paths.hpp"
#include "lethe_test/process.hpp"

namespace lethe {
namespace {

using test::run_process;
using test::shell_quote;

std::string lethe(const std::string& args) { return shell_quote(test::cli_binary()) + " " + args; }

// The stories model has a 512-token context; the agent's prompts with memory need more.
std::string fixture() {
  return "--llm " + shell_quote("gguf:" + test::stories_model()) + " --chat-template raw --no-cache --context 2048 ";
}

std::filesystem::path ring_layout(const std::filesystem::path& dir) {
  std::ofstream(dir / "ring.json") << R"({"id": "ring", "rows": ["S..", ".#.", "..T"]})";
  return dir / "ring.json";
}

TEST(AuditCli, HardStateAuditEndToEndWithTheFixture) {
  const auto dir = test::scratch_dir("audit_cli");
  const auto out = dir / "out";
  const auto r = run_process(lethe("audit --quiet " + fixture() + "--scenario state --method hard --layouts " +
                                   shell_quote(ring_layout(dir).string()) +
                                   " --pairs 2 --runs 2 --episodes 1 --exploration 1 --kl-points 3 --step-limit 8 "
                                   "--seed 1 --out " +
                                   shell_quote(out.string())));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Audit of the hard unlearning method on 1 forgotten state"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("results.json"), std::string::npos);
  std::ifstream in(out / "results.json");
  const auto results = nlohmann::json::parse(in);
  for (const char* key : {"traverse_prob", "adversary_accuracy", "p_values", "reconstruction_rate", "kl_mean", "kl_max",
                          "usage", "config", "llm"}) {
    EXPECT_TRUE(results.contains(key)) << key;
  }
  for (const char* who : {"pre", "unlearned", "unseen"}) {
    EXPECT_TRUE(results.at("traverse_prob").contains(who)) << who;
    EXPECT_TRUE(results.at("reconstruction_rate").contains(who)) << who;
  }
  // Whatever the model answers, the hard method never enters the forgotten state.
  EXPECT_DOUBLE_EQ(results.at("traverse_prob").at("unlearned").get<double>(), 0.0);
  EXPECT_TRUE(results.at("kl").at("summary").at("exact").get<bool>()) << "in-process probabilities are exact";
  EXPECT_GE(results.at("kl_max").get<double>(), results.at("kl_mean").get<double>());
  EXPECT_GT(results.at("usage").at("calls").get<int>(), 0);
  EXPECT_EQ(results.at("config").at("runs"), 2);
  for (const char* name : {"report.md", "kl_map.svg"}) EXPECT_TRUE(std::filesystem::exists(out / name)) << name;
}

struct BadInput {
  std::string args;
  std::string message;
};

TEST(AuditCli, BadInputGivesOneClearErrorAndExitOne) {
  const auto dir = test::scratch_dir("audit_cli_bad");
  std::ofstream(dir / "bad.json") << R"({"id": "bad", "rows": ["S..", ".Z."]})";
  const std::string layout = " --layouts " + shell_quote(ring_layout(dir).string());
  const std::string out = " --out " + shell_quote((dir / "out").string());
  const std::vector<BadInput> cases{
      {"--method magic" + layout + out, "unknown --method 'magic'"},
      {"--method hard --scenario place" + layout + out, "unknown --scenario 'place'"},
      {"--method hard --pairs 0" + layout + out, "pairs"},
      {"--method hard --runs 0" + layout + out, "runs"},
      {"--method hard --alpha 2" + layout + out, "alpha"},
      {"--method hard --layouts " + shell_quote((dir / "bad.json").string()) + out, "bad.json"},
      {"--method hard --layouts nowhere --layout-dir " + shell_quote(dir.string()) + out, "nowhere"},
  };
  for (const auto& c : cases) {
    const auto r = run_process(lethe("audit --quiet " + fixture() + c.args));
    EXPECT_EQ(r.exit_code, 1) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find("lethe: error: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "results.json"));
}

TEST(AuditCli, WithoutAModelSaysHowToGiveOne) {
  const auto dir = test::scratch_dir("audit_cli_no_model");
  const auto r = run_process("cd " + shell_quote(dir.string()) + " && LETHE_LLM= " +
                             lethe("audit --method nl --out " + shell_quote((dir / "out").string())));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("pass --llm SPEC or set LETHE_LLM"), std::string::npos) << r.err;
}

TEST(AuditCli, MissingRequiredFlagsIsAUsageError) {
  const auto r = run_process(lethe("audit --llm gguf:x --out /tmp/x"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--method"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lethe
