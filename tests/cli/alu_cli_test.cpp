// `lethe alu ask` as a user runs it. The stories fixture follows no instructions: these runs prove the plumbing
// (stages run, the result is well-formed, the refusal replaces anything invalid), not the quality of answers.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "lethe_test/paths.hpp"
#include "lethe_test/process.hpp"

namespace lethe {
namespace {

using test::run_process;
using test::shell_quote;

std::string lethe(const std::string& args) { return shell_quote(test::cli_binary()) + " " + args; }

std::string ask(const std::string& targets_file, const std::string& flags, const std::string& question) {
  return lethe("alu ask --no-cache --llm " + shell_quote("gguf:" + test::stories_model()) +
               " --chat-template raw --context 2048 --targets " + shell_quote(targets_file) + " " + flags + " " +
               shell_quote(question));
}

std::string write_targets(const std::string& test, const std::string& content) {
  const auto path = test::scratch_dir("alu_cli_" + test) / "targets.txt";
  std::ofstream(path) << content;
  return path.string();
}

void expect_one_line_error(const test::ProcessResult& r, const std::string& fragment) {
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("lethe: error: ", 0), 0U) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
}

TEST(AluCli, AQuestionAboutATargetRunsThePipelineAndPrintsAWellFormedResult) {
  const auto targets = write_targets("target", "# the stories model's favourite name\nLily\n");
  const auto r =
      run_process(ask(targets, "--k 2 --j 1 --max-tokens 24 --max-retries 1 --json", "Tell me a story about Lily."));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto result = nlohmann::json::parse(r.out);
  EXPECT_FALSE(result.at("passed_through").get<bool>());
  ASSERT_FALSE(result.at("selected").empty());
  EXPECT_EQ(result.at("selected")[0].at("target_name"), "Lily");
  EXPECT_GE(result.at("llm_calls").get<int>(), 2);  // the answer and at least one audit call
  EXPECT_GT(result.at("prompt_tokens").get<int>(), 0);
  const auto answer = result.at("answer").get<std::string>();
  EXPECT_FALSE(answer.empty());
  if (result.at("refused").get<bool>()) {
    EXPECT_EQ(answer, "I'm sorry, but I can't share information about that.");
    const auto reason = result.at("refusal_reason").get<std::string>();
    EXPECT_FALSE(reason.empty());
    if (reason == "safety_net") {  // the composer's text named a target, and the index caught it
      EXPECT_FALSE(result.at("final_matches").empty());
      EXPECT_NE(result.at("composed").get<std::string>().find("Lily"), std::string::npos);
    }
  } else {
    // A composed answer got past the critic and the safety net: it names no target.
    EXPECT_EQ(result.at("rewrites").size(), 2U);
    EXPECT_EQ(result.at("ratings").size(), 2U);
    EXPECT_EQ(answer.find("Lily"), std::string::npos) << answer;
  }

  // Without --json: the answer alone, on one line per line of the answer.
  const auto plain =
      run_process(ask(targets, "--k 2 --j 1 --max-tokens 24 --max-retries 1", "Tell me a story about Lily."));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out, answer + "\n");
}

TEST(AluCli, AQuestionWithNoTargetPassesThroughWithOneCall) {
  const auto targets = write_targets("pass", "Zorblax Quentinovich\n");
  const auto r = run_process(ask(targets, "--max-tokens 16 --json", "Once upon a time"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto result = nlohmann::json::parse(r.out);
  EXPECT_TRUE(result.at("passed_through").get<bool>());
  EXPECT_EQ(result.at("llm_calls"), 1);
  EXPECT_EQ(result.at("answer"), result.at("first_answer"));
  EXPECT_FALSE(result.at("refused").get<bool>());
}

TEST(AluCli, BadInputGivesOneClearLineAndExitOne) {
  const auto targets = write_targets("bad", "Lily\n");
  expect_one_line_error(run_process(ask("/no/such/targets.txt", "", "Who is Lily?")), "/no/such/targets.txt");
  expect_one_line_error(run_process(ask(targets, "", "")), "question is empty");
  expect_one_line_error(run_process(ask(targets, "", "   ")), "question is empty");
  expect_one_line_error(run_process(ask(write_targets("empty", "# nothing\n"), "", "Who is Lily?")), "no targets");
  expect_one_line_error(run_process(ask(targets, "--k 2 --j 3", "Who is Lily?")), "j must be between 1 and k");

  const auto help = run_process(lethe("alu --help"));
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("ask"), std::string::npos);
  const auto no_question = run_process(lethe("alu ask --llm gguf:x --targets " + shell_quote(targets)));
  EXPECT_NE(no_question.exit_code, 0);
  EXPECT_NE(no_question.err.find("question"), std::string::npos) << no_question.err;
}

}  // namespace
}  // namespace lethe
