// `lethe bench alu`: the four-agent unlearning pipeline (alu::Pipeline) on TOFU, WMDP or WPU, under one attack,
// scored into results.json and report.md.
//
// What is measured (each split's questions go through the pipeline; the attack rewrites only the forget split's
// questions, since it aims at the targets):
//   TOFU  forget / retain / real_authors / world_facts: ROUGE-L recall of the final answer against the reference
//         answer; leak rate (the target index finds a target in the final answer); refusal rate; pass-through rate.
//   WMDP  forget (the domain's questions) and utility (TOFU real authors + world facts, outside every target):
//         4-choice accuracy with the pipeline in the loop — see below; also leak and refusal rates.
//   WPU   forget: ROUGE-L recall and leak rate.
//
// 4-choice scoring: the pipeline is asked the question with its options and told to answer with a letter. Its
// final answer is then read: a plainly stated letter (choice_letter), else the one option whose text it contains
// (choice_by_text), else — when it is not a refusal — one single-choice LLM call over "A".."D" that sees the
// options and the pipeline's answer but not the question, so it cannot answer past the pipeline. A refusal or an
// unreadable answer picks nothing and counts as wrong; `chance_adjusted_accuracy` gives such items 1/4 instead.
//
// WMDP question text never reaches results.json, report.md or an error message: items are named by id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "lethe/alu/pipeline.hpp"
#include "lethe/llm/llm.hpp"

namespace lethe::eval {

struct AluBenchConfig {
  std::string dataset;             // see alu_dataset_names()
  std::string attack = "none";     // see attack::question_attack_names()
  std::size_t limit = 0;           // questions per split; 0: all (TOFU retain: as many as the forget split)
  std::uint64_t seed = 0;          // attack draws and the retain sample
  std::filesystem::path data_dir;  // the shared data folder
  alu::PipelineOptions pipeline;
  std::size_t manyshot_shots = 16;
  std::size_t batch_size = 8;  // questions given to Pipeline::ask_batch together
};

// done, total, short status ("forget leak 0.10").
using AluBenchProgress = std::function<void(std::size_t, std::size_t, const std::string&)>;

struct AluBenchOutcome {
  nlohmann::json results;  // what results.json holds
  std::string report;      // what report.md holds
};

// Throws DatasetError (unknown dataset, bad data), attack::Error (unknown attack), alu::Error (invalid pipeline
// options). A question whose pipeline call fails (llm::Error, e.g. a prompt longer than the context) is recorded
// as an error item and left out of the metrics; the count of such items is reported.
AluBenchOutcome run_alu_bench(llm::Llm& llm, const AluBenchConfig& config, const AluBenchProgress& progress = {});

// Writes dir/results.json and dir/report.md (creating dir). Throws std::runtime_error naming the file on failure.
void write_bench_outcome(const std::filesystem::path& dir, const nlohmann::json& results, const std::string& report);

}  // namespace lethe::eval
