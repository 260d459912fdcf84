// `lethe converter` as a user runs it: init -> collect -> (train dpo) -> eval, on the stories fixture as the agent
// (plumbing only: the fixture follows no instructions), and clear errors for bad input.
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

std::string fixture_agent() {
  // The fixture's context is 512 tokens; the agent's prompt (memory, constraints) needs more. Short episodes and
  // few tasks keep the run to seconds.
  return "--llm " + shell_quote("gguf:" + test::stories_model()) +
         " --chat-template raw --context 2048 --no-cache --step-limit 6 --unlearning-tasks 1 --remaining-tasks 1";
}

std::string tiny_init(const std::filesystem::path& out, const std::filesystem::path& data = {}) {
  return lethe("converter init --quiet --examples 16 --epochs 1 --layers 1 --embd 32 --threads 1 --seed 2 --vocab " +
               shell_quote(test::stories_model()) + " --out " + shell_quote(out.string()) +
               (data.empty() ? "" : " --sft-data " + shell_quote(data.string())));
}

TEST(ConverterCli, InitCollectTrainEvaluate) {
  const auto dir = test::scratch_dir("converter_cli_loop");
  const auto converter = dir / "c0.gguf";
  const auto init = run_process(tiny_init(converter, dir / "sft.jsonl"));
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_NE(init.out.find("wrote"), std::string::npos);
  ASSERT_TRUE(std::filesystem::exists(converter));
  std::ifstream sft(dir / "sft.jsonl");
  std::string first;
  ASSERT_TRUE(std::getline(sft, first));
  const auto record = nlohmann::json::parse(first);
  // By default the converter writes for the micro agent, in its compact format.
  const auto completion = record["completion"].get<std::string>();
  EXPECT_TRUE(completion.rfind(" avoid ", 0) == 0 || completion == " forget map") << first;

  const auto pairs = dir / "pairs.jsonl";
  const auto collect = run_process(lethe("converter collect --quiet " + fixture_agent() + " --converter " +
                                         shell_quote(converter.string()) + " --requests 2 --k 2 --seed 2 --out " +
                                         shell_quote(pairs.string())));
  ASSERT_EQ(collect.exit_code, 0) << collect.err;
  EXPECT_NE(collect.out.find("candidates succeeded"), std::string::npos) << collect.out;
  EXPECT_NE(collect.out.find("named every target)"), std::string::npos) << collect.out;
  EXPECT_NE(collect.out.find("test fixture"), std::string::npos) << collect.out;
  ASSERT_TRUE(std::filesystem::exists(pairs));
  std::ifstream lines(pairs);
  std::size_t count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    const auto pair = nlohmann::json::parse(line);
    EXPECT_TRUE(pair.contains("prompt") && pair.contains("chosen") && pair.contains("rejected")) << line;
  }
  if (count > 0) {  // the fixture's outcomes decide whether any request split its candidates
    const auto trained =
        run_process(lethe("train dpo --quiet --threads 1 --base " + shell_quote(converter.string()) + " --data " +
                          shell_quote(pairs.string()) + " --out " + shell_quote((dir / "c1.gguf").string())));
    EXPECT_EQ(trained.exit_code, 0) << trained.err;
  }

  const auto out = dir / "eval";
  const auto evaluated =
      run_process(lethe("converter eval --quiet " + fixture_agent() + " --sft " + shell_quote(converter.string()) +
                        " --sft-ks 1,2 --methods hard --kinds state --requests 1 --max-attempts 1 --avoidance-runs 1"
                        " --seed 2 --out " + shell_quote(out.string())));
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  const auto results = nlohmann::json::parse(std::ifstream(out / "results.json"));
  ASSERT_EQ(results["variants"].size(), 4u);  // sft k=1, sft k=2, none, hard
  EXPECT_EQ(results["variants"]["sft_k1"]["k"], 1);
  EXPECT_EQ(results["variants"]["sft_k2"]["k"], 2);
  EXPECT_EQ(results["variants"]["none"]["converter"], "none");
  EXPECT_EQ(results["variants"]["hard"]["method"], "hard");
  EXPECT_EQ(results["variants"]["hard"]["by_kind"].size(), 1u);
  EXPECT_NE(results["note"].get<std::string>().find("not results"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(out / "report.md"));
  EXPECT_NE(evaluated.out.find("Unlearn@1"), std::string::npos);
}

TEST(ConverterCli, SftDataIsReadyForTrainSft) {
  const auto dir = test::scratch_dir("converter_cli_sft_data");
  const auto data = dir / "sft.jsonl";
  const auto r = run_process(lethe("converter sft-data --examples 5 --seed 4 --out " + shell_quote(data.string())));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(data);
  std::size_t count = 0;
  for (std::string line; std::getline(in, line); ++count) {
    const auto record = nlohmann::json::parse(line);
    // The micro agent's compact conversion prompt, answered in its format.
    const auto prompt = record["prompt"].get<std::string>();
    EXPECT_EQ(prompt.rfind("map ", 0), 0u) << prompt;
    EXPECT_TRUE(prompt.ends_with(" instruction :")) << prompt;
  }
  EXPECT_EQ(count, 5u);

  // For a general LLM: the text format's sentences.
  const auto text = dir / "text.jsonl";
  const auto t = run_process(
      lethe("converter sft-data --format text --examples 5 --seed 4 --out " + shell_quote(text.string())));
  ASSERT_EQ(t.exit_code, 0) << t.err;
  std::ifstream text_in(text);
  for (std::string line; std::getline(text_in, line);) {
    const auto record = nlohmann::json::parse(line);
    const auto completion = record["completion"].get<std::string>();
    EXPECT_TRUE(completion.rfind(" Never", 0) == 0 || completion.rfind(" You have never", 0) == 0) << line;
    EXPECT_TRUE(record["prompt"].get<std::string>().ends_with("Unlearning Instruction:")) << line;
  }
  const auto bad = run_process(lethe("converter sft-data --format json --out " + shell_quote(text.string())));
  EXPECT_NE(bad.exit_code, 0);
}

TEST(ConverterCli, EvalDefaultsToTheCommittedMicroAgentInItsPromptSetUp) {
  const auto out = test::scratch_dir("converter_cli_micro");
  const auto r = run_process("cd " + shell_quote(test::repository_root().string()) + " && LETHE_LLM= " +
                             lethe("converter eval --quiet --no-cache --requests 1 --max-attempts 1 --step-limit 6 "
                                   "--unlearning-tasks 1 --remaining-tasks 1 --seed 2 --out " +
                                   shell_quote(out.string())));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto results = nlohmann::json::parse(std::ifstream(out / "results.json"));
  const auto agent = results.at("agent").get<std::string>();
  EXPECT_NE(agent.find("micro-agent.gguf"), std::string::npos) << agent;
  EXPECT_NE(agent.find("template raw"), std::string::npos) << agent;
  EXPECT_DOUBLE_EQ(results.at("config").at("agent_temperature").get<double>(), 1.0);
  EXPECT_EQ(results.at("config").at("agent_prompt_format"), "compact");
  EXPECT_EQ(results.at("note").get<std::string>(), "");  // a trained agent, not a fixture
  for (const char* variant : {"none", "code", "example", "hard"}) EXPECT_TRUE(results["variants"].contains(variant));
}

TEST(ConverterCli, BadInputIsAClearErrorWithExitCodeOne) {
  const auto dir = test::scratch_dir("converter_cli_bad");
  const auto out = shell_quote((dir / "p.jsonl").string());
  auto r = run_process(lethe("converter collect " + fixture_agent() + " --converter " +
                             shell_quote((dir / "missing.gguf").string()) + " --requests 1 --out " + out));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("lethe: error: converter model"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;

  r = run_process(lethe("converter collect " + fixture_agent() + " --converter " + shell_quote(test::stories_model()) +
                        " --requests 0 --out " + out));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--requests must be at least 1"), std::string::npos) << r.err;

  r = run_process(lethe("converter eval " + fixture_agent() + " --ks 1,x --out " + shell_quote(dir.string())));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--ks: 'x'"), std::string::npos) << r.err;

  r = run_process(lethe("converter eval " + fixture_agent() + " --kinds state,rooms --out " + shell_quote(dir.string())));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown request kind 'rooms'"), std::string::npos) << r.err;

  r = run_process(lethe("converter init --vocab " + shell_quote((dir / "nope.gguf").string()) + " --out " +
                        shell_quote((dir / "c.gguf").string())));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("lethe: error:"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "c.gguf"));

  // Without --llm, away from the repository's committed agent model: how to give one.
  r = run_process("cd " + shell_quote(dir.string()) +
                  " && LETHE_LLM= " + lethe("converter eval --requests 1 --out " + shell_quote((dir / "e").string())));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("pass --llm SPEC or set LETHE_LLM"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "p.jsonl"));
}

}  // namespace
}  // namespace lethe
