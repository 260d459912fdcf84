// `lethe train` as a user runs it.
#include <gtest/gtest.h>

#include <fstream>
#include <utility>

#include "lethe_test/paths.hpp"
#include "lethe_test/process.hpp"

namespace lethe {
namespace {

using test::run_process;
using test::shell_quote;

std::string lethe(const std::string& args) { return shell_quote(test::cli_binary()) + " " + args; }

TEST(TrainCli, SftWritesAModelThatGenerateLoads) {
  const auto dir = test::scratch_dir("train_cli_sft");
  std::ofstream data(dir / "sft.jsonl");
  for (int i = 0; i < 8; ++i)
    data << R"({"prompt": "The cat", "completion": " sat on the mat."})"
         << "\n";
  data.close();
  const auto out = (dir / "tuned.gguf").string();
  const auto trained = run_process(lethe("train sft --quiet --threads 1 --epochs 10 --lr 0.003 --base " +
                                         shell_quote(test::stories_model()) + " --data " +
                                         shell_quote((dir / "sft.jsonl").string()) + " --out " + shell_quote(out)));
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_NE(trained.out.find("wrote"), std::string::npos);
  const auto generated =
      run_process(lethe("generate --no-cache -n 12 -p 'The cat' --llm " + shell_quote("gguf:" + out)));
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  EXPECT_EQ(generated.out.rfind(" sat on the mat", 0), 0u) << generated.out;  // it learned the completion
}

// An agent's steps: one shared prompt prefix, different observations and answers.
TEST(TrainCli, SftPacksSharedPrefixesAndStillLearnsEachCompletion) {
  const auto dir = test::scratch_dir("train_cli_pack");
  std::ofstream data(dir / "steps.jsonl");
  const std::string prefix = "Task: find the cat. Memory: none. Observation: ";
  for (int i = 0; i < 4; ++i) {
    data << R"({"prompt": ")" << prefix << R"(the dog ran", "completion": " up"})"
         << "\n"
         << R"({"prompt": ")" << prefix << R"(the sun sat", "completion": " down"})"
         << "\n";
  }
  data.close();
  const auto out = (dir / "tuned.gguf").string();
  const auto trained =
      run_process(lethe("train sft --quiet --threads 1 --epochs 25 --lr 0.003 --pack 512 "
                        "--prompt-loss 0.1 --base " +
                        shell_quote(test::stories_model()) + " --data " + shell_quote((dir / "steps.jsonl").string()) +
                        " --out " + shell_quote(out)));
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_NE(trained.err.find("packed 8 examples into 1 sequences"), std::string::npos) << trained.err;
  for (const auto& [observation, answer] : {std::pair{"the dog ran", "up"}, std::pair{"the sun sat", "down"}}) {
    const auto chosen = run_process(lethe("choose --no-cache --chat-template raw --choices up,down --prompt " +
                                          shell_quote(prefix + observation) + " --llm " + shell_quote("gguf:" + out)));
    ASSERT_EQ(chosen.exit_code, 0) << chosen.err;
    EXPECT_NE(chosen.out.find(std::string("* ") + answer + "\t"), std::string::npos)
        << observation << ": " << chosen.out;
  }
}

TEST(TrainCli, MicroAgentDataWritesTheAgentsPromptsAndTheExpertsActions) {
  const auto dir = test::scratch_dir("train_cli_micro_data");
  const auto out = dir / "steps.jsonl";
  const auto r =
      run_process(lethe("train micro-agent-data --recipe tiny --examples 5 --out " + shell_quote(out.string())));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(5 demonstration steps)"), std::string::npos) << r.out;
  std::ifstream in(out);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    // The recipes' compact prompt: "goto 22 ... :" or "collect ... :".
    EXPECT_TRUE(line.find(R"("prompt":"goto )") != std::string::npos ||
                line.find(R"("prompt":"collect )") != std::string::npos)
        << line;
    EXPECT_NE(line.find(" :\"}"), std::string::npos) << line;
    EXPECT_NE(line.find(R"("completion":" )"), std::string::npos) << line;
  }
  EXPECT_EQ(lines, 5);

  // --decisive-repeats adds copies of the steps where a constraint changed the expert's move.
  const auto steps_written = [&](const std::string& flags) {
    const auto run = run_process(lethe("train micro-agent-data --recipe tiny --examples 100000 " + flags + " --out " +
                                       shell_quote(out.string())));
    EXPECT_EQ(run.exit_code, 0) << run.err;
    const auto open = run.out.find(" (");
    return open == std::string::npos ? 0L : std::stol(run.out.substr(open + 2));
  };
  const long plain = steps_written("");
  EXPECT_GT(plain, 0L);
  EXPECT_GT(steps_written("--decisive-repeats 3"), plain);
  // --drills sets the constraint drills per layout (the tiny recipe has one; each adds one step).
  EXPECT_LT(steps_written("--drills 0"), plain);
  EXPECT_GT(steps_written("--drills 4"), plain);
  // --forbidden-questions adds a question per step under a state or trajectory constraint.
  const long asked = steps_written("--forbidden-questions");
  EXPECT_GT(asked, plain);
  EXPECT_EQ(steps_written("--no-forbidden-questions"), plain);
  // --questions-only keeps those questions and drops the actions.
  EXPECT_EQ(steps_written("--questions-only"), asked - plain);
}

TEST(TrainCli, MalformedDataNamesTheLine) {
  const auto dir = test::scratch_dir("train_cli_bad");
  std::ofstream(dir / "bad.jsonl") << R"({"prompt": "a", "completion": "b"})"
                                   << "\n{oops\n";
  const auto r = run_process(lethe("train sft --quiet --base " + shell_quote(test::stories_model()) + " --data " +
                                   shell_quote((dir / "bad.jsonl").string()) + " --out " +
                                   shell_quote((dir / "o.gguf").string())));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(":2:"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "o.gguf"));
}

}  // namespace
}  // namespace lethe
