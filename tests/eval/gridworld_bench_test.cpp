#include "lethe/eval/gridworld_bench.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "../agent/agent_doubles.hpp"
#include "lethe/env/grid_paths.hpp"
#include "lethe/env/grid_world.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::eval {
namespace {

using agent::test::prompt_of;
using agent::test::ScriptedLlm;

ScenarioConfig small_config() {
  ScenarioConfig config;
  config.generated_layouts = 1;
  config.generator.width = 5;
  config.generator.height = 5;
  config.generator.treasures = 2;
  config.generator.obstacle_density = 0.15;
  config.episodes = 1;
  config.seed = 11;
  return config;
}

env::Cell cell_after(const std::string& prompt, const std::string& marker) {
  const auto at = prompt.find(marker);
  const auto end = prompt.find(')', at);
  return env::parse_cell_key(prompt.substr(at + marker.size(), end + 1 - at - marker.size()));
}

// A policy that knows the layouts: goto tasks take the shortest path when its move is offered (so it walks
// straight through any target unless something stops it); otherwise the first offered action.
ScriptedLlm shortest_path_llm(const std::vector<env::GridLayout>& layouts) {
  return ScriptedLlm([layouts](const llm::ChatRequest& request) {
    const auto& prompt = prompt_of(request);
    const auto layout = std::find_if(layouts.begin(), layouts.end(), [&](const env::GridLayout& candidate) {
      return prompt.find(env::world_name_text(candidate.id())) != std::string::npos;
    });
    if (layout != layouts.end() && prompt.find("; goal ") != std::string::npos) {
      const auto path =
          env::shortest_path(*layout, cell_after(prompt, "Observation: pos "), cell_after(prompt, "; goal "));
      if (path && !path->moves.empty()) {
        const std::string move(env::move_name(path->moves.front()));
        if (std::find(request.choices.begin(), request.choices.end(), move) != request.choices.end()) return move;
      }
    }
    return request.choices.front();
  });
}

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(GridworldBench, HardMethodAvoidsTheTargetAndWritesEveryOutput) {
  const auto config = small_config();
  auto llm = shortest_path_llm(load_scenario_layouts(config));
  const auto out = test::scratch_dir("bench_hard");
  std::vector<std::string> stages;
  const auto result = run_gridworld_bench(config, llm, "scripted", out, [&](const Progress& p) {
    if (stages.empty() || stages.back() != p.stage) stages.push_back(p.stage);
    EXPECT_LE(p.done, p.total);
  });
  EXPECT_EQ(stages, (std::vector<std::string>{"learn", "reference", "evaluate", "verify"}));

  // The shortest-path policy walks through the target before unlearning; the hard filter and the reference
  // agent's ignorance keep every episode away from it.
  EXPECT_LT(result.metrics.before.target.avoidance, 1.0);
  EXPECT_DOUBLE_EQ(result.metrics.after.target.avoidance, 1.0);
  EXPECT_DOUBLE_EQ(result.metrics.unlearn_efficacy, 1.0);
  EXPECT_DOUBLE_EQ(result.metrics.unlearn_at_1, 1.0);
  EXPECT_DOUBLE_EQ(result.metrics.success_after, result.metrics.success_before);

  const auto json = read_json(out / "results.json");
  EXPECT_EQ(json, result.results);
  for (const char* key :
       {"unlearn_efficacy", "unlearn_at_1", "success_before", "success_after", "steps_before", "steps_after_target"}) {
    ASSERT_TRUE(json.contains(key)) << key;
    ASSERT_TRUE(json.at(key).is_number()) << key;
  }
  // One layout: nothing to measure on other layouts.
  EXPECT_TRUE(json.at("other_layouts").empty());
  EXPECT_TRUE(json.at("steps_after_other").is_null());
  EXPECT_EQ(json.at("after").at("other").at("episodes"), 0);
  EXPECT_EQ(json.at("after").at("remaining"), json.at("after").at("target_layout"));
  EXPECT_GE(json.at("success_before").get<double>(), 0.0);
  EXPECT_LE(json.at("success_before").get<double>(), 1.0);
  EXPECT_TRUE(json.at("reference").contains("success"));
  EXPECT_TRUE(json.at("reference").contains("steps_target"));
  EXPECT_EQ(json.at("config").at("method"), "hard");
  EXPECT_EQ(json.at("config").at("scenario"), "state");
  EXPECT_EQ(json.at("llm").at("spec"), "scripted");
  EXPECT_GT(json.at("usage").at("calls").get<int>(), 0);
  EXPECT_TRUE(json.at("wall_time_s").is_number());
  EXPECT_EQ(json.at("requests").size(), 1u);
  EXPECT_GT(json.at("requests")[0].at("entries_erased").get<int>(), 0);

  const auto report = read_text(out / "report.md");
  EXPECT_NE(report.find("| Method | Unlearn efficacy | Unlearn@1 |"), std::string::npos);
  EXPECT_NE(report.find("| hard | 100.0% | 100.0% |"), std::string::npos) << report;
  EXPECT_NE(report.find("reference (never exposed)"), std::string::npos);
  for (const char* name : {"heatmap_before.svg", "heatmap_after.svg", "heatmap_reference.svg"}) {
    const auto svg = read_text(out / name);
    EXPECT_NE(svg.find("</svg>"), std::string::npos) << name;
    EXPECT_NE(svg.find("class=\"target\""), std::string::npos) << name;
  }
}

TEST(GridworldBench, NoUnlearningLeavesTheTargetInUse) {
  auto config = small_config();
  config.method = "none";
  config.max_attempts = 2;
  auto llm = shortest_path_llm(load_scenario_layouts(config));
  const auto result = run_gridworld_bench(config, llm, "scripted", test::scratch_dir("bench_none"));
  EXPECT_LT(result.metrics.after.target.avoidance, 1.0);
  EXPECT_DOUBLE_EQ(result.metrics.unlearn_efficacy, 0.0);
  EXPECT_DOUBLE_EQ(result.metrics.unlearn_at_1, 0.0);
  EXPECT_EQ(result.results.at("requests")[0].at("attempts_used"), 2);
}

// The paper's "other environments": the figures of the layouts without a target, apart from the target's layout.
TEST(GridworldBench, ReportsTheOtherLayoutsApartFromTheTargetsLayout) {
  auto config = small_config();
  config.scenario = unlearn::Scenario::trajectory;
  config.targets = 2;
  config.work_dir = test::scratch_dir("bench_two_layouts_memory");
  const auto out = test::scratch_dir("bench_two_layouts");
  // A corridor holds no possible target: the targets lie in the generated layouts, the corridor is "other".
  std::ofstream(out / "corridor.json") << R"({"id": "corridor", "rows": ["S....."]})";
  config.layout_names = {(out / "corridor.json").string()};
  auto llm = shortest_path_llm(load_scenario_layouts(config));
  const auto result = run_gridworld_bench(config, llm, "scripted", out);
  const auto& m = result.metrics;
  EXPECT_DOUBLE_EQ(m.unlearn_efficacy, 1.0);
  EXPECT_DOUBLE_EQ(m.after.target.avoidance, 1.0);
  ASSERT_GT(m.after.other.episodes, 0u);
  ASSERT_GT(m.after.target_layout.episodes, 0u);
  EXPECT_EQ(m.after.remaining.episodes, m.after.target_layout.episodes + m.after.other.episodes);
  // The shortest-path policy walks the corridor the same with or without the (other layouts') filter.
  EXPECT_DOUBLE_EQ(m.success_after_other, 1.0);
  EXPECT_DOUBLE_EQ(m.success_before_other, 1.0);
  EXPECT_DOUBLE_EQ(m.steps_after_other, m.before.other.steps);
  EXPECT_DOUBLE_EQ(m.steps_after_other, m.after.other.steps);

  const auto& json = result.results;
  EXPECT_EQ(json.at("other_layouts"), nlohmann::json::array({"corridor"}));
  EXPECT_EQ(json.at("steps_after_other"), m.after.other.steps);
  EXPECT_EQ(json.at("success_after_other"), 1.0);
  for (const char* agent : {"before", "after", "reference"}) {
    for (const char* set : {"target", "target_layout", "other", "remaining"}) {
      EXPECT_TRUE(json.at(agent).contains(set)) << agent << " " << set;
    }
  }
  EXPECT_EQ(json.at("reference").at("steps_other"), m.reference.other.steps);
  const auto report = read_text(out / "report.md");
  EXPECT_NE(report.find("Other layouts: corridor."), std::string::npos) << report;
}

TEST(GridworldBench, ComputesThePaperFiguresFromEpisodes) {
  // Hand-made: two requests, one verified at once, one after retries.
  std::vector<RequestOutcome> outcomes(2);
  outcomes[0].efficacy = true;
  outcomes[0].unlearn_at_1 = true;
  outcomes[1].efficacy = true;
  agent::EpisodeResult quick;
  quick.success = true;
  quick.steps = 4;
  agent::EpisodeResult slow;
  slow.steps = 10;
  // target, target_layout, other
  const TaskSetEpisodes before{{quick}, {quick}, {slow}};
  const TaskSetEpisodes after{{slow}, {slow}, {quick, quick}};
  const TaskSetEpisodes reference{{slow, quick}, {}, {}};
  const auto metrics = compute_metrics({}, outcomes, before, after, reference);
  EXPECT_DOUBLE_EQ(metrics.unlearn_efficacy, 1.0);
  EXPECT_DOUBLE_EQ(metrics.unlearn_at_1, 0.5);
  EXPECT_DOUBLE_EQ(metrics.success_before, 0.5);
  EXPECT_NEAR(metrics.success_after, 2.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(metrics.success_before_other, 0.0);
  EXPECT_DOUBLE_EQ(metrics.success_after_other, 1.0);
  EXPECT_DOUBLE_EQ(metrics.steps_before, 4.0);
  EXPECT_DOUBLE_EQ(metrics.steps_after_target, 10.0);
  EXPECT_DOUBLE_EQ(metrics.steps_after_other, 4.0);
  EXPECT_DOUBLE_EQ(metrics.after.remaining.steps, 6.0);
  EXPECT_DOUBLE_EQ(metrics.reference.target.steps, 7.0);
  EXPECT_EQ(metrics.reference.other.episodes, 0u);
  EXPECT_TRUE(std::isnan(metrics.reference.other.steps));
}

TEST(GridworldBench, RefusesAnUnwritableOutputDirectory) {
  const auto dir = test::scratch_dir("bench_unwritable");
  const auto file = dir / "a-file";
  std::ofstream(file) << "x";
  EXPECT_THROW(ensure_writable_directory(file / "out"), Error);
  EXPECT_THROW(ensure_writable_directory(file), Error);
}

}  // namespace
}  // namespace lethe::eval
