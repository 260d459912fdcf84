// `lethe train` as a user runs it.
#include <gtest/gtest.h>

#include <fstream>

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
