// `lethe train micro-agent` / `micro-agent-eval` as a user runs them.
#include <gtest/gtest.h>

#include "lethe_test/paths.hpp"
#include "lethe_test/process.hpp"

namespace lethe {
namespace {

using test::run_process;
using test::shell_quote;

std::string lethe(const std::string& args, const std::filesystem::path& cache) {
  return "LETHE_CACHE_DIR=" + shell_quote(cache.string()) + " " + shell_quote(test::cli_binary()) + " " + args;
}

TEST(MicroAgentCli, TinyRecipeTrainsThenReusesTheCachedModel) {
  const auto dir = test::scratch_dir("micro_agent_cli");
  const auto out = dir / "micro.gguf";
  const auto first = run_process(
      lethe("train micro-agent --recipe tiny --threads 1 --quiet --out " + shell_quote(out.string()), dir / "cache"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("wrote"), std::string::npos) << first.out;
  EXPECT_TRUE(std::filesystem::exists(out));
  EXPECT_TRUE(std::filesystem::exists(dir / "cache" / "models"));

  const auto out2 = dir / "again.gguf";
  const auto second = run_process(
      lethe("train micro-agent --recipe tiny --threads 1 --quiet --out " + shell_quote(out2.string()), dir / "cache"));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("reused the cached model"), std::string::npos) << second.out;
  EXPECT_EQ(std::filesystem::file_size(out), std::filesystem::file_size(out2));
}

TEST(MicroAgentCli, ShapeFlagsTrainADifferentModel) {
  const auto dir = test::scratch_dir("micro_agent_cli_shape");
  const auto train = [&](const std::string& flags, const std::string& name) {
    const auto run = run_process(lethe(
        "train micro-agent --recipe tiny --threads 1 --quiet " + flags + " --out " + shell_quote((dir / name).string()),
        dir / "cache"));
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out.find("reused"), std::string::npos) << run.out;  // a shape is part of the recipe's hash
    return std::filesystem::file_size(dir / name);
  };
  const auto tiny = train("", "tiny.gguf");
  const auto deeper = train("--layers 2", "deeper.gguf");
  const auto wider = train("--layers 2 --width 48 --heads 2", "wider.gguf");
  EXPECT_GT(deeper, tiny);
  EXPECT_GT(wider, deeper);
}

TEST(MicroAgentCli, BadInputIsAClearError) {
  const auto dir = test::scratch_dir("micro_agent_cli_bad");
  const auto cache = dir / "cache";
  const auto no_out = run_process(lethe("train micro-agent --recipe tiny", cache));
  EXPECT_NE(no_out.exit_code, 0);
  EXPECT_NE(no_out.err.find("--out"), std::string::npos) << no_out.err;

  const auto recipe =
      run_process(lethe("train micro-agent --recipe huge --out " + shell_quote((dir / "m.gguf").string()), cache));
  EXPECT_NE(recipe.exit_code, 0);
  EXPECT_NE(recipe.err.find("unknown --recipe 'huge'"), std::string::npos) << recipe.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "m.gguf"));

  const auto examples = run_process(lethe("train micro-agent --recipe tiny --examples 0 --out x.gguf", cache));
  EXPECT_NE(examples.exit_code, 0);
  EXPECT_NE(examples.err.find("--examples"), std::string::npos) << examples.err;

  const auto shape = run_process(lethe(
      "train micro-agent --recipe tiny --width 30 --heads 4 --out " + shell_quote((dir / "s.gguf").string()), cache));
  EXPECT_NE(shape.exit_code, 0);
  EXPECT_NE(shape.err.find("n_embd must be a multiple of n_head"), std::string::npos) << shape.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "s.gguf"));

  const auto missing = run_process(lethe("train micro-agent-eval --model " + shell_quote((dir / "none.gguf").string()) +
                                             " --out " + shell_quote((dir / "eval").string()),
                                         cache));
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("none.gguf"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace lethe
