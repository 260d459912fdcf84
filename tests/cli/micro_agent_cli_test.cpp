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

TEST(MicroAgentCli, BadInputIsAClearError) {
  const auto dir = test::scratch_dir("micro_agent_cli_bad");
  const auto cache = dir / "cache";
  const auto no_out = run_process(lethe("train micro-agent --recipe tiny", cache));
  EXPECT_NE(no_out.exit_code, 0);
  EXPECT_NE(no_out.err.find("--out"), std::string::npos) << no_out.err;

  const auto recipe = run_process(lethe("train micro-agent --recipe huge --out " + shell_quote((dir / "m.gguf").string()), cache));
  EXPECT_NE(recipe.exit_code, 0);
  EXPECT_NE(recipe.err.find("unknown --recipe 'huge'"), std::string::npos) << recipe.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "m.gguf"));

  const auto examples = run_process(lethe("train micro-agent --recipe tiny --examples 0 --out x.gguf", cache));
  EXPECT_NE(examples.exit_code, 0);
  EXPECT_NE(examples.err.find("--examples"), std::string::npos) << examples.err;

  const auto missing = run_process(
      lethe("train micro-agent-eval --model " + shell_quote((dir / "none.gguf").string()) + " --out " +
                shell_quote((dir / "eval").string()),
            cache));
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("none.gguf"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace lethe
