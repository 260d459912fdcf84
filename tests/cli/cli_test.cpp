// The `lethe` command as a user runs it: separate processes, exit codes, one-line errors.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lethe_test/paths.hpp"
#include "lethe_test/process.hpp"

namespace lethe {
namespace {

using test::run_process;
using test::shell_quote;

std::string lethe(const std::string& args) { return shell_quote(test::cli_binary()) + " " + args; }
std::string stories_spec() { return shell_quote("gguf:" + test::stories_model()); }

// An error is one line on stderr, prefixed, with a non-zero exit code.
void expect_one_line_error(const test::ProcessResult& r, const std::string& fragment) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.err.rfind("lethe: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
}

TEST(Cli, VersionAndHelp) {
  const auto version = run_process(lethe("--version"));
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("lethe ", 0), 0u) << version.out;
  const auto help = run_process(lethe("--help"));
  EXPECT_EQ(help.exit_code, 0);
  for (const char* command : {"demo", "generate", "choose"}) {
    EXPECT_NE(help.out.find(command), std::string::npos) << command;
  }
  const auto generate_help = run_process(lethe("generate --help"));
  EXPECT_NE(generate_help.out.find("--json-schema"), std::string::npos);
  EXPECT_NE(generate_help.out.find("--chat-template"), std::string::npos);
}

TEST(Cli, GreedyGenerationIsIdenticalAcrossProcesses) {
  const std::string cmd = lethe("generate --no-cache --llm " + stories_spec() + " -p 'Once upon a time' -n 30");
  const auto first = run_process(cmd);
  const auto second = run_process(cmd);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_GT(first.out.size(), 20u);
  EXPECT_EQ(first.out, second.out);
}

TEST(Cli, SeededSamplingIsIdenticalAcrossProcesses) {
  const std::string cmd =
      lethe("generate --no-cache --llm " + stories_spec() + " -p 'The cat' -n 30 -t 1.0 --seed 7 --json");
  const auto first = run_process(cmd);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto json = nlohmann::json::parse(first.out);
  EXPECT_EQ(json.at("text"), nlohmann::json::parse(run_process(cmd).out).at("text"));
  EXPECT_EQ(json.at("completion_tokens").get<int>(), 30);
}

TEST(Cli, ChooseListsEveryChoiceWithProbabilitiesSummingToOne) {
  const auto r = run_process(
      lethe("choose --no-cache --llm " + stories_spec() + " -p 'The dog ran to the' --choices park,house,tree"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  double total = 0.0;
  int picked = 0, count = 0;
  while (std::getline(lines, line)) {
    ++count;
    picked += line[0] == '*' ? 1 : 0;
    total += std::stod(line.substr(line.find('\t') + 1));
  }
  EXPECT_EQ(count, 3);
  EXPECT_EQ(picked, 1);
  EXPECT_NEAR(total, 1.0, 1e-5);
}

TEST(Cli, ResponseCacheHitsOnTheSecondRunAcrossProcesses) {
  const auto dir = test::scratch_dir("cli_cache");
  const std::string cmd = lethe("generate --verbose --cache " + shell_quote((dir / "c.sqlite").string()) + " --llm " +
                                stories_spec() + " -p 'Tom had a' -n 10");
  const auto first = run_process(cmd);
  const auto second = run_process(cmd);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, second.out);
  const auto usage_of = [](const std::string& err) {
    return nlohmann::json::parse(err.substr(err.rfind("{\"llm\""))).at("usage");
  };
  EXPECT_EQ(usage_of(first.err).at("cache_hits"), 0);
  EXPECT_EQ(usage_of(second.err).at("cache_hits"), 1);
}

TEST(Cli, GrammarFileConstrainsTheOutput) {
  const auto dir = test::scratch_dir("cli_grammar");
  std::ofstream(dir / "g.gbnf") << "root ::= (\"yes\" | \"no\")\n";
  const auto r = run_process(lethe("generate --no-cache --llm " + stories_spec() + " -p 'Is it?' -t 1 --seed 3 " +
                                   "--grammar " + shell_quote((dir / "g.gbnf").string())));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == "yes\n" || r.out == "no\n") << r.out;
}

TEST(CliBadInput, EachGivesOneClearLineAndANonZeroExit) {
  const auto dir = test::scratch_dir("cli_bad_input");
  expect_one_line_error(run_process(lethe("generate --no-cache --llm gguf:/no/such.gguf -p hi")), "not found");
  expect_one_line_error(run_process(lethe("generate --no-cache --llm ftp:whatever -p hi")), "unknown LLM spec scheme");
  std::ofstream(dir / "bad.gguf") << "GGUF but not really";
  expect_one_line_error(
      run_process(lethe("generate --no-cache --llm " + shell_quote("gguf:" + (dir / "bad.gguf").string()) + " -p hi")),
      "cannot load GGUF model");
  std::ofstream(dir / "bad.gbnf") << "root ::= (\"a\" |";
  expect_one_line_error(run_process(lethe("generate --no-cache --llm " + stories_spec() + " -p hi --grammar " +
                                          shell_quote((dir / "bad.gbnf").string()))),
                        "invalid grammar");
  std::ofstream(dir / "bad.json") << "{not json";
  expect_one_line_error(run_process(lethe("generate --no-cache --llm " + stories_spec() + " -p hi --json-schema " +
                                          shell_quote((dir / "bad.json").string()))),
                        "not valid JSON");
  // Port 9 (discard) is closed on loopback here: the connection is refused at once.
  expect_one_line_error(
      run_process(lethe("generate --no-cache --retries 0 --llm 'openai:http://127.0.0.1:9/v1#m' -p hi")),
      "127.0.0.1:9");
}

TEST(CliBadInput, UsageErrorsExitWithCodeTwoAndNameTheProblem) {
  const auto missing = run_process("env -u LETHE_LLM " + lethe("generate -p hi"));
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("--llm"), std::string::npos) << missing.err;
  const auto unknown = run_process(lethe("frobnicate"));
  EXPECT_NE(unknown.exit_code, 0);
}

// A word where a command is expected that names none: named, with the closest command, and a usage error exit
// whether or not --help follows (the parent's help with exit 0 would hide the mistake from scripts).
TEST(CliBadInput, UnknownCommandsAreNamedWithTheClosestOne) {
  struct Case {
    std::string command;
    std::string closest;  // empty: any (nothing is close to it)
  };
  const std::vector<Case> cases{{"serve", ""},
                                {"bnech", "bench"},
                                {"bench nosuch", "bench alu"},
                                {"bench gridwrold", "bench gridworld"},
                                {"train sfd", "train sft"},
                                {"converter colect", "converter collect"},
                                {"alu aks", "alu ask"}};
  for (const auto& c : cases) {
    for (const std::string help : {"", " --help"}) {
      const auto r = run_process(lethe(c.command + help));
      EXPECT_EQ(r.exit_code, 2) << c.command << help;
      EXPECT_EQ(r.out, "") << c.command << help;
      expect_one_line_error(
          r, "unknown command '" + c.command + "'; the closest is '" + c.closest + (c.closest.empty() ? "" : "'"));
    }
  }
}

TEST(CliBadInput, KnownCommandsStillParseAndShowTheirHelp) {
  for (const char* command : {"bench --help", "bench gridworld --help", "train sft --help", "alu ask --help"}) {
    const auto r = run_process(lethe(command));
    EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.err;
    EXPECT_NE(r.out.find("--"), std::string::npos) << command;
  }
  const auto missing = run_process(lethe("bench"));
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_EQ(missing.err.find("unknown command"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace lethe
