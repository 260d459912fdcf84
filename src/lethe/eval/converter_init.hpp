// The converter's starting point: a small llama model with the stories fixture's vocabulary (train::init_model),
// trained by SFT on templated request -> instruction pairs: the conversion prompt of a generated training-split
// request, completed by " " + unlearn::reference_instruction (the targets as coordinates, so the model learns to
// resolve indirect references). Tiny: minutes on a CPU. DPO rounds (converter_collect) then refine it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "lethe/agent/prompt_builder.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/train/jsonl_data.hpp"
#include "lethe/train/model_init.hpp"
#include "lethe/train/trainer.hpp"

namespace lethe::eval {

// Training-split requests 0 .. count-1 of RequestGenerator(layouts, seed) as SFT records, completed by the
// reference instruction in the format of the agent the converter writes for.
std::vector<train::SftRecord> converter_sft_records(const std::vector<env::GridLayout>& layouts, std::size_t count,
                                                    std::uint64_t seed,
                                                    agent::PromptFormat format = agent::PromptFormat::text);
// {"prompt", "completion"} one a line, for `lethe train sft`.
std::string sft_jsonl(const std::vector<train::SftRecord>& records);

struct ConverterInitOptions {
  std::string vocab_gguf;  // the GGUF whose tokenizer the model gets (the stories fixture)
  // Compact format: 24,000 pairs (2.4 minutes on 2 cores) name a state request's cell in 23% of held-out
  // requests; 120,000 (13 minutes) in 77%, as the recall probe found for copying out of a short prompt. 48 layouts
  // with names in several styles, at the same budget, did worse on all (README).
  std::size_t examples = 120000;
  std::uint64_t seed = 1;   // layouts, requests, weights, example order
  std::size_t layouts = 6;  // converter_layouts(seed, layouts)
  train::ModelConfig model{2, 64, 4, 4, 0, 1024};
  int epochs = 1;
  int batch_size = 16;
  float learning_rate = 3e-3f;
  agent::PromptFormat format = agent::PromptFormat::text;  // what the agent reads (unlearn::reference_instruction)
  int threads = 2;
};

// A few-second recipe for tests.
ConverterInitOptions tiny_converter_init_options(const std::string& vocab_gguf);

struct ConverterInitResult {
  train::TrainReport report;
  std::size_t examples = 0;
};

// Builds, trains and writes the converter to `out` (directories created).
ConverterInitResult init_converter(const ConverterInitOptions& options, const std::filesystem::path& out,
                                   const train::ProgressCallback& progress = {});

}  // namespace lethe::eval
