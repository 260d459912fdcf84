// The audit runner end to end with a scripted LLM (fast and deterministic): the hard method's guarantee shows up
// as a zero traverse probability, every figure lands in results.json, the report and the map are written, and bad
// configurations are refused. The same audit with a real model runs in tests/cli/audit_cli_test.cpp.
#include "lethe/eval/audit.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../agent/agent_doubles.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::eval {
namespace {

// A pseudo-random but reproducible pick among the offered actions, driven by the request's seed.
std::string seeded_pick(const llm::ChatRequest& request) {
  if (request.choices.empty()) return "ok";
  const auto h = request.sampling.seed * 0x9e3779b97f4a7c15ULL;
  return request.choices[static_cast<std::size_t>((h >> 33) % request.choices.size())];
}

AuditConfig small_config(const std::string& name) {
  const auto dir = test::scratch_dir(name);
  std::ofstream(dir / "ring.json") << R"({"id": "ring", "rows": ["S...", ".#..", "...T"]})";
  AuditConfig config;
  config.scenario.scenario = unlearn::Scenario::state;
  config.scenario.method = "hard";
  config.scenario.layout_names = {(dir / "ring.json").string()};
  config.scenario.work_dir = dir / "work";
  config.scenario.episodes = 1;
  config.scenario.goto_tasks = 1;
  config.scenario.max_unlearning_tasks = 1;
  config.scenario.max_attempts = 1;
  config.scenario.seed = 5;
  config.scenario.agent.world.step_limit = 10;
  config.pairs = 3;
  config.runs = 4;
  config.exploration = 2;
  config.kl_points = 5;
  return config;
}

TEST(Audit, HardMethodEndToEndWithAScriptedModel) {
  agent::test::ScriptedLlm llm(seeded_pick);
  const auto config = small_config("audit_scripted");
  std::vector<Progress> stages;
  const auto results = run_audit(config, llm, [&](const Progress& p) { stages.push_back(p); });

  ASSERT_EQ(results.requests.size(), 1u);
  ASSERT_EQ(results.targets.size(), 1u);
  const auto& target = results.targets.front();
  EXPECT_FALSE(target.probe_tasks.empty());
  EXPECT_EQ(target.counts.unlearned.runs, static_cast<int>(target.probe_tasks.size()) * config.runs);
  // The hard filter removes every move into the forgotten state, whatever the model answers.
  EXPECT_EQ(target.counts.unlearned.traversed, 0);
  EXPECT_EQ(results.trials.size(), 2u);
  EXPECT_TRUE(results.trials[0].truly_unlearned);
  EXPECT_FALSE(results.trials[1].truly_unlearned);
  EXPECT_EQ(results.adversary.trials, 2);

  ASSERT_EQ(results.reconstruction.size(), 1u);
  EXPECT_EQ(results.reconstruction[0].environment, "ring");
  EXPECT_GT(results.reconstruction_pre, 0.0);
  EXPECT_LE(results.reconstruction_pre, 1.0);

  EXPECT_GT(results.divergence.states, 0u);
  EXPECT_TRUE(results.divergence.exact);  // the scripted model reports its probabilities
  EXPECT_GE(results.divergence.mean, 0.0);
  EXPECT_GE(results.divergence.max, results.divergence.mean);
  EXPECT_GT(results.usage.calls, 0);

  bool saw_probe = false;
  for (const auto& p : stages) saw_probe = saw_probe || p.stage == "probe";
  EXPECT_TRUE(saw_probe);

  const auto json = to_json(results);
  for (const char* key : {"traverse_prob", "adversary_accuracy", "p_values", "reconstruction_rate", "kl_mean", "kl_max",
                          "usage", "config", "llm", "trials", "targets"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  for (const char* who : {"pre", "unlearned", "unseen"}) {
    EXPECT_TRUE(json.at("traverse_prob").contains(who)) << who;
    EXPECT_TRUE(json.at("reconstruction_rate").contains(who)) << who;
  }
  EXPECT_DOUBLE_EQ(json.at("traverse_prob").at("unlearned").get<double>(), 0.0);
  EXPECT_EQ(json.at("config").at("pairs"), 3);

  const auto summary = audit_summary(results);
  EXPECT_NE(summary.find("hard unlearning method"), std::string::npos) << summary;
  EXPECT_NE(summary.find("state ring:"), std::string::npos) << summary;
  EXPECT_EQ(summary.find('\n'), std::string::npos) << "one paragraph";

  const auto out = test::scratch_dir("audit_scripted_out");
  write_audit(results, out);
  std::ifstream in(out / "results.json");
  EXPECT_EQ(nlohmann::json::parse(in), json);
  std::stringstream report;
  report << std::ifstream(out / "report.md").rdbuf();
  EXPECT_NE(report.str().find("Table 1: traverse probability"), std::string::npos);
  EXPECT_NE(report.str().find("![KL map](kl_map.svg)"), std::string::npos);
  std::stringstream svg;
  svg << std::ifstream(out / "kl_map.svg").rdbuf();
  EXPECT_EQ(svg.str().rfind("<svg", 0), 0u);
  EXPECT_NE(svg.str().find("class=\"target\""), std::string::npos);
  EXPECT_NE(svg.str().find("class=\"cell probed\""), std::string::npos);
}

// A target in each of two layouts: the unlearned agent probes and explores each layout with the other layout's
// filter installed as well, which must leave it alone there.
TEST(Audit, TargetsInTwoLayouts) {
  agent::test::ScriptedLlm llm(seeded_pick);
  auto config = small_config("audit_two_layouts");
  const auto twin = config.scenario.work_dir.parent_path() / "twin.json";
  std::ofstream(twin) << R"({"id": "twin", "rows": ["S...", ".#..", "...T"]})";
  config.scenario.layout_names.push_back(twin.string());
  config.scenario.targets = 2;
  const auto layouts = load_scenario_layouts(config.scenario);
  const auto spread = [&] {
    const auto requests = choose_requests(config.scenario, layouts);
    return requests[0].environment != requests[1].environment;
  };
  for (config.scenario.seed = 0; !spread(); ++config.scenario.seed) ASSERT_LT(config.scenario.seed, 100u);
  const auto results = run_audit(config, llm);
  ASSERT_EQ(results.layouts.size(), 2u);
  EXPECT_EQ(results.pooled.unlearned.traversed, 0);
  ASSERT_EQ(results.reconstruction.size(), 2u);
  EXPECT_GT(results.divergence.states, 0u);
}

TEST(Audit, SameSeedSameResults) {
  agent::test::ScriptedLlm first_llm(seeded_pick);
  agent::test::ScriptedLlm second_llm(seeded_pick);
  auto config = small_config("audit_repeat_a");
  const auto a = to_json(run_audit(config, first_llm));
  config.scenario.work_dir = test::scratch_dir("audit_repeat_b") / "work";
  const auto b = to_json(run_audit(config, second_llm));
  for (const char* key : {"traverse_counts", "trials", "reconstruction", "kl"}) EXPECT_EQ(a.at(key), b.at(key)) << key;
}

TEST(Audit, RefusesBadConfigurations) {
  agent::test::ScriptedLlm llm(seeded_pick);
  auto config = small_config("audit_bad");
  config.runs = 0;
  EXPECT_THROW(run_audit(config, llm), Error);
  config = small_config("audit_bad");
  config.pairs = 0;
  EXPECT_THROW(validate(config), Error);
  config = small_config("audit_bad");
  config.alpha = 1.0;
  EXPECT_THROW(validate(config), Error);
  config = small_config("audit_bad");
  config.scenario.method = "none";
  EXPECT_THROW(validate(config), Error);
  config = small_config("audit_bad");
  config.scenario.method = "magic";
  EXPECT_ANY_THROW(validate(config));
  EXPECT_TRUE(llm.requests.empty()) << "nothing ran";
}

}  // namespace
}  // namespace lethe::eval
