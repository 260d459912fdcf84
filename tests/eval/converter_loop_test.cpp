// The conversion model's loop on a tiny setup: SFT init -> collect preference pairs from the agent's outcomes ->
// DPO -> evaluation of the ablation variants. The agent is scripted (it avoids the requests' targets exactly when
// the installed prompt hashes to an even number), so outcomes vary between candidates deterministically; the
// converter is a real, tiny, SFT-initialised model run by llama.cpp.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "../agent/agent_doubles.hpp"
#include "lethe/env/grid_paths.hpp"
#include "lethe/eval/converter_collect.hpp"
#include "lethe/eval/converter_eval.hpp"
#include "lethe/eval/converter_init.hpp"
#include "lethe/eval/converter_setup.hpp"
#include "lethe/llm/factory.hpp"
#include "lethe/train/jsonl_data.hpp"
#include "lethe/train/tokenizer.hpp"
#include "lethe/train/trainer.hpp"
#include "lethe/unlearn/converter.hpp"
#include "lethe/unlearn/request_generator.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::eval {
namespace {

using agent::test::prompt_of;
using agent::test::ScriptedLlm;

std::uint64_t fnv(const std::string& text) {
  std::uint64_t hash = 1469598103934665603ULL;
  for (const unsigned char c : text) hash = (hash ^ c) * 1099511628211ULL;
  return hash;
}

env::Cell cell_after(const std::string& prompt, const std::string& marker) {
  const auto at = prompt.find(marker) + marker.size();
  return env::parse_cell_key(prompt.substr(at, prompt.find(')', at) + 1 - at));
}

// Goes to the goal by a shortest route; when the constraints hash even, around the cells of `avoid` on that route
// (when it can).
ScriptedLlm::Script parity_policy(const env::GridLayout& layout, const env::CellSet& avoid) {
  return [layout, avoid](const llm::ChatRequest& request) {
    const auto& prompt = prompt_of(request);
    if (prompt.find("; goal ") == std::string::npos) return request.choices.front();  // a collect task
    const auto here = cell_after(prompt, "Observation: pos ");
    const auto goal = cell_after(prompt, "; goal ");
    const auto from = prompt.find("Constraints:");
    const auto constraints = prompt.substr(from, prompt.find("Observation:") - from);
    const bool careful = constraints != "Constraints: none\n" && fnv(constraints) % 2 == 0;
    auto path = env::shortest_path(layout, here, goal);
    if (careful) {
      // Around the targets on the direct route.
      env::CellSet blocked;
      for (const auto cell : path->cells) {
        if (avoid.contains(cell) && cell != here && cell != goal) blocked.insert(cell);
      }
      if (auto around = env::shortest_path(layout, here, goal, blocked)) path = around;
    }
    const std::string move(env::move_name(path->moves.front()));
    // The hard method's filter may have removed that move: then the first one offered.
    const auto& offered = request.choices;
    return std::find(offered.begin(), offered.end(), move) != offered.end() ? move : offered.front();
  };
}

TEST(ConverterLoop, CollectTrainDpoAndEvaluateEndToEnd) {
  const auto dir = test::scratch_dir("converter_loop");
  const auto layouts = converter_layouts(3, 1);
  const auto& layout = layouts.front();

  // 1. SFT initialisation (tiny).
  auto init = tiny_converter_init_options(test::stories_model());
  init.layouts = 1;
  init.seed = 3;
  const auto sft_path = dir / "sft.gguf";
  const auto initialised = init_converter(init, sft_path);
  EXPECT_EQ(initialised.examples, init.examples);
  ASSERT_TRUE(std::filesystem::exists(sft_path));

  // The scripted agent avoids every target any of the requests names.
  const unlearn::RequestGenerator generator(layouts, unlearn::RequestGeneratorOptions{3});
  env::CellSet avoid;
  for (const auto split : {unlearn::TemplateSplit::train, unlearn::TemplateSplit::held_out}) {
    for (const auto& request : generator.requests(split, 6)) {
      for (const auto& target : request.targets) {
        for (const auto& state : target.states) avoid.insert(env::cell_from_state_id(layout, state));
      }
    }
  }
  ScriptedLlm agent_model(parity_policy(layout, avoid));

  llm::Options converter_options;
  converter_options.chat_template = "raw";
  converter_options.use_cache = false;
  auto sft = llm::open("gguf:" + sft_path.string(), converter_options);

  // 2. Collect.
  CollectOptions collect;
  collect.requests = 6;
  collect.k = 3;
  collect.seed = 3;
  const auto pairs_path = dir / "pairs.jsonl";
  std::size_t reported = 0;
  const auto summary = collect_preference_pairs(agent_model, *sft, layouts, collect, pairs_path,
                                                [&](std::size_t done, const CollectSummary&) { reported = done; });
  EXPECT_EQ(reported, 6u);
  EXPECT_EQ(summary.requests, 6u);
  EXPECT_EQ(summary.candidates, 18u);
  ASSERT_GT(summary.pairs, 0u) << summary.to_json().dump();
  EXPECT_LT(summary.successful_candidates, summary.candidates);
  std::ifstream lines(pairs_path);
  std::size_t count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    const auto pair = nlohmann::json::parse(line);
    EXPECT_EQ(pair["prompt"].get<std::string>().rfind("Task: ", 0), 0u);
    EXPECT_EQ(pair["chosen_evidence"]["success"], true);
    EXPECT_EQ(pair["rejected_evidence"]["success"], false);
    EXPECT_NE(pair["chosen"], pair["rejected"]);
    EXPECT_TRUE(generator.template_ids(unlearn::TemplateSplit::train).size() > 0);
  }
  EXPECT_EQ(count, summary.pairs);
  EXPECT_FALSE(std::filesystem::exists(pairs_path.string() + ".partial"));

  // 3. DPO on the file, as `lethe train dpo` does.
  auto model = train::Model::load(sft_path.string());
  const train::Tokenizer tokenizer(sft_path.string());
  const auto examples = train::dpo_examples(tokenizer, train::read_dpo_jsonl(pairs_path.string()), model);
  const auto before = train::pair_margins(model, examples);
  train::TrainOptions options;
  options.epochs = 4;
  options.adamw.learning_rate = 3e-3f;
  const auto report = train::train_dpo(model, examples, options);
  EXPECT_FALSE(report.step_losses.empty());
  const auto after = train::pair_margins(model, examples);
  double gained = 0;
  for (std::size_t i = 0; i < before.size(); ++i) gained += after[i] - before[i];
  EXPECT_GT(gained, 0.0) << "DPO did not raise the preferred candidates' margin";
  const auto dpo_path = dir / "dpo.gguf";
  model.save(dpo_path.string());
  auto dpo = llm::open("gguf:" + dpo_path.string(), converter_options);

  // 4. Evaluate on held-out requests: the converters, no converter, and a method for comparison.
  ConverterEvalOptions eval_options;
  eval_options.requests = 2;  // per kind: state, trajectory
  eval_options.seed = 3;
  eval_options.max_attempts = 2;
  eval_options.avoidance_runs = 2;
  eval_options.note = "scripted agent";
  std::size_t steps = 0;
  const auto results = evaluate_converters(agent_model,
                                           {{"dpo_k1", dpo.get(), 1},
                                            {"dpo_k3", dpo.get(), 3},
                                            {"sft_k1", sft.get(), 1},
                                            {"none", nullptr, 1},
                                            {"hard", nullptr, 1, "hard"}},
                                           layouts, eval_options, [&](std::size_t done, std::size_t total, const std::string&) {
                                             steps = done;
                                             EXPECT_EQ(total, 20u);
                                           });
  EXPECT_EQ(steps, 20u);
  ASSERT_EQ(results.variants.size(), 5u);
  EXPECT_GE(results.seconds, 0.0);
  const auto held_out = generator.template_ids(unlearn::TemplateSplit::held_out);
  for (const auto& variant : results.variants) {
    const auto& f = variant.overall;
    EXPECT_EQ(f["requests"], 4u);
    EXPECT_GE(f["unlearn_efficacy"].get<double>(), f["unlearn_at_1"].get<double>());
    EXPECT_LE(f["unlearn_efficacy"].get<double>(), 1.0);
    EXPECT_LE(f["unlearn_efficacy_ci"][0].get<double>(), f["unlearn_efficacy"].get<double>());
    EXPECT_GE(f["unlearn_efficacy_ci"][1].get<double>(), f["unlearn_efficacy"].get<double>());
    EXPECT_GE(f["mean_attempts"].get<double>(), 1.0);
    EXPECT_LE(f["mean_attempts"].get<double>(), 2.0);
    EXPECT_GT(f["avoidance_runs"].get<std::size_t>(), 0u);
    ASSERT_EQ(variant.per_request.size(), 4u);
    for (const auto& request : variant.per_request) {
      EXPECT_TRUE(std::binary_search(held_out.begin(), held_out.end(), request["template"].get<std::string>()));
      EXPECT_EQ(request["candidates"].size(), variant.method == "nl" ? variant.k : 1u);
    }
    EXPECT_EQ(variant.by_kind["state"]["requests"], 2u);
    EXPECT_EQ(variant.by_kind["trajectory"]["requests"], 2u);
  }
  const auto& none = results.variants[3];
  EXPECT_EQ(none.converter, "none");
  EXPECT_EQ(none.per_request[0]["candidates"][0], results.variants[0].per_request[0]["request"]);
  // The hard method removes every forbidden move: each run of the unlearning tasks avoids the targets.
  const auto& hard = results.variants[4];
  EXPECT_DOUBLE_EQ(hard.overall["avoidance_rate"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(hard.overall["unlearn_at_1"].get<double>(), 1.0);
  // Without a converter the candidate is the request: it names the targets exactly when the request does.
  const unlearn::RequestGenerator eval_generator(layouts, unlearn::RequestGeneratorOptions{eval_options.seed});
  double naming = 0;
  const auto requests = held_out_requests(eval_generator, eval_options.kinds, 2);
  for (const auto& request : requests) naming += unlearn::names_targets(request.text, request.targets) ? 0.25 : 0.0;
  EXPECT_NEAR(none.overall["naming_candidates"].get<double>(), naming, 1e-9);

  write_converter_eval(results, dir / "eval");
  const auto json = nlohmann::json::parse(std::ifstream(dir / "eval" / "results.json"));
  EXPECT_EQ(json["variants"].size(), 5u);
  for (const char* key : {"unlearn_efficacy", "unlearn_at_1", "success_after", "avoidance_rate", "steps_after"}) {
    EXPECT_TRUE(json["variants"]["dpo_k3"].contains(key)) << key;
    EXPECT_EQ(json["variants"]["hard"][std::string(key) + "_ci"].size(), 2u) << key;
  }
  EXPECT_EQ(json["note"], "scripted agent");
  std::ifstream report_file(dir / "eval" / "report.md");
  const std::string markdown((std::istreambuf_iterator<char>(report_file)), std::istreambuf_iterator<char>());
  EXPECT_NE(markdown.find("Unlearn@1"), std::string::npos);
  EXPECT_NE(markdown.find("| none |"), std::string::npos);
  EXPECT_NE(markdown.find("Requests to forget a trajectory"), std::string::npos);
}

TEST(ConverterEval, HeldOutRequestsComePerKindInGenerationOrder) {
  const auto layouts = converter_layouts(3, 2);
  const unlearn::RequestGenerator generator(layouts, unlearn::RequestGeneratorOptions{5});
  const auto requests =
      held_out_requests(generator, {unlearn::RequestKind::trajectory, unlearn::RequestKind::state}, 3);
  ASSERT_EQ(requests.size(), 6u);
  std::size_t states = 0;
  for (const auto& request : requests) {
    EXPECT_NE(request.kind, unlearn::RequestKind::environment);
    states += request.kind == unlearn::RequestKind::state ? 1 : 0;
  }
  EXPECT_EQ(states, 3u);
  const auto first_state = std::find_if(requests.begin(), requests.end(),
                                        [](const auto& r) { return r.kind == unlearn::RequestKind::state; });
  EXPECT_EQ(held_out_requests(generator, {unlearn::RequestKind::state}, 2).front().text, first_state->text);
}

TEST(ConverterLoop, CollectCountsTheCandidatesThatNameTheTargets) {
  const auto layouts = converter_layouts(3, 1);
  // A converter that repeats the request: it names the targets exactly when the request names them directly.
  ScriptedLlm echo([](const llm::ChatRequest& request) {
    const auto& prompt = prompt_of(request);
    const auto from = prompt.find("Request: ") + 9;
    return prompt.substr(from, prompt.find('\n', from) - from);
  });
  ScriptedLlm agent_model(parity_policy(layouts.front(), {}));
  CollectOptions collect;
  collect.requests = 8;
  collect.k = 2;
  collect.seed = 3;
  const auto summary =
      collect_preference_pairs(agent_model, echo, layouts, collect, test::scratch_dir("converter_naming") / "p.jsonl");

  const unlearn::RequestGenerator generator(layouts, unlearn::RequestGeneratorOptions{3});
  std::size_t naming_requests = 0;
  for (std::size_t i = 0; i < collect.requests; ++i) {
    const auto request = generator.generate(unlearn::TemplateSplit::train, i);
    naming_requests += unlearn::names_targets(request.text, request.targets) ? 1 : 0;
  }
  EXPECT_GT(naming_requests, 0u);
  EXPECT_LT(naming_requests, collect.requests) << "some requests refer to their targets indirectly";
  EXPECT_EQ(summary.naming_candidates, naming_requests * collect.k);
  EXPECT_EQ(summary.to_json().at("naming_candidates"), summary.naming_candidates);
}

TEST(ConverterLoop, RejectsBadOptions) {
  ScriptedLlm model([](const llm::ChatRequest& r) { return r.choices.empty() ? std::string("x") : r.choices[0]; });
  const auto layouts = converter_layouts(1, 1);
  const auto out = test::scratch_dir("converter_bad") / "p.jsonl";
  CollectOptions none;
  none.requests = 0;
  EXPECT_THROW(collect_preference_pairs(model, model, layouts, none, out), unlearn::Error);
  CollectOptions no_k;
  no_k.k = 0;
  EXPECT_THROW(collect_preference_pairs(model, model, layouts, no_k, out), unlearn::Error);
  EXPECT_THROW(collect_preference_pairs(model, model, {}, CollectOptions{}, out), unlearn::Error);
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_THROW(evaluate_converters(model, {}, layouts, ConverterEvalOptions{}), unlearn::Error);
  ConverterEvalOptions zero;
  zero.max_attempts = 0;
  EXPECT_THROW(evaluate_converters(model, {{"none", nullptr, 1}}, layouts, zero), unlearn::Error);
  EXPECT_THROW(evaluate_converters(model, {{"magic", nullptr, 1, "magic"}}, layouts, ConverterEvalOptions{}),
               unlearn::Error);
  ConverterInitOptions init;
  EXPECT_THROW(init_converter(init, out.parent_path() / "c.gguf"), unlearn::Error);  // no vocabulary
}

class ConverterSft : public testing::TestWithParam<agent::PromptFormat> {};

TEST_P(ConverterSft, RecordsPairTheConversionPromptWithTheReferenceInstruction) {
  const auto format = GetParam();
  const auto layouts = converter_layouts(2, 2);
  const auto records = converter_sft_records(layouts, 8, 2, format);
  ASSERT_EQ(records.size(), 8u);
  const unlearn::RequestGenerator generator(layouts, unlearn::RequestGeneratorOptions{2});
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto request = generator.generate(unlearn::TemplateSplit::train, i);
    EXPECT_EQ(records[i].prompt, unlearn::conversion_prompt(request.text, generator.layout_of(request), format));
    EXPECT_EQ(records[i].completion, " " + unlearn::reference_instruction(request.targets, format));
  }
  const auto jsonl = sft_jsonl(records);
  EXPECT_EQ(std::count(jsonl.begin(), jsonl.end(), '\n'), 8);
  EXPECT_EQ(nlohmann::json::parse(jsonl.substr(0, jsonl.find('\n')))["completion"], records[0].completion);
}

INSTANTIATE_TEST_SUITE_P(Formats, ConverterSft,
                         testing::Values(agent::PromptFormat::text, agent::PromptFormat::compact),
                         [](const auto& param_info) { return agent::to_string(param_info.param); });

}  // namespace
}  // namespace lethe::eval
