// The self-trained micro agent model: a small llama-architecture policy trained here, with SFT on expert GridWorld
// demonstrations (micro_agent_data.hpp), so that experiments run offline with a real learned policy. It is not a
// general LLM: it only knows the GridWorld agent's prompt format.
//
// Recipe: a random model of config.model with the vocabulary of config.vocab_gguf (the stories fixture's 512
// tokens), trained on config.examples demonstration steps of the training layouts. Deterministic from the config
// (same threads count): the config hash names the cached result.
//
// Evaluation (evaluate_micro_agent), on held-out layouts only:
//  - action accuracy: greedy choice vs the expert's action, at every step of the expert's demonstrations;
//  - task success of agent::GridAgent driven by the model (through llm::open("gguf:...")), collect without memory
//    vs with the expert's memory of the layout, goto tasks;
//  - constraint obedience: each held-out constraint scenario run once per phrasing of its request (NL variants,
//    code, example), split into phrasings seen in training and held-out ones; a violation is entering a forbidden
//    state / completing a forbidden trajectory;
//  - for a recipe with forbidden-move questions, the greedy answer to them (none, or the one move) at every held-out
//    step under a state or trajectory constraint that forbids at most one move: whether the model reads the
//    constraint, apart from whether it acts on it. A questions-only recipe (a probe of whether a model shape can
//    learn to read constraints at all, trained on nothing else) is scored on these questions alone.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "lethe/eval/micro_agent_data.hpp"
#include "lethe/train/model_init.hpp"
#include "lethe/train/trainer.hpp"

namespace lethe::eval {

struct MicroAgentConfig {
  MicroDataOptions data;
  train::ModelConfig model;
  std::string vocab_gguf;    // GGUF whose tokenizer the model gets; empty: the stories fixture under /work/shared
  std::size_t examples = 0;  // training steps drawn from the demonstrations; 0: all
  int epochs = 1;
  int batch_size = 16;               // sequences per step (packed sequences when pack_tokens > 0)
  std::int64_t pack_tokens = 0;      // > 0: steps sharing their prompt prefix are packed (train/prefix_packing.hpp)
  float learning_rate = 2e-3f;       // constant, or the peak when cosine_decay
  bool cosine_decay = false;         // warm-up over the first 2% of the steps, then cosine decay to a tenth
  float prompt_loss_weight = 0.0f;   // auxiliary next-token loss on the prompts (train::TrainOptions)
  int decisive_repeats = 1;          // copies of each step a constraint decides (sft_records)
  bool forbidden_questions = false;  // also train on forbidden-move questions (micro_agent_data.hpp)
  bool questions_only = false;       // train on those questions alone: probes whether a shape learns to read them
  std::uint64_t seed = 1;
  int threads = 2;  // not part of the hash
};

// The recipe of the committed model (models/micro-agent.gguf).
MicroAgentConfig default_micro_agent_config();
// A few-second recipe for tests.
MicroAgentConfig tiny_micro_agent_config();

SftRecordOptions record_options(const MicroAgentConfig& config);

nlohmann::json to_json(const MicroAgentConfig& config);
// SHA-256 hex (first 16 characters) of to_json without the thread count.
std::string config_hash(const MicroAgentConfig& config);
// ~/.cache/lethe/models/micro-agent-<hash>.gguf ($LETHE_CACHE_DIR/models when set).
std::filesystem::path cached_model_path(const MicroAgentConfig& config);

struct MicroTrainResult {
  train::TrainReport report;
  std::size_t examples = 0;
  std::int64_t parameters = 0;
  double data_seconds = 0.0;
};

// Generates the data, trains and writes the GGUF to `out` (directories created). Throws on bad config.
MicroTrainResult train_micro_agent(const MicroAgentConfig& config, const std::filesystem::path& out,
                                   const train::ProgressCallback& progress = {});

struct MicroEvalOptions {
  int layouts = 0;                   // held-out layouts to evaluate on; 0: all of config.data.heldout_layouts
  int train_sample_layouts = 2;      // training layouts whose steps are also scored (a fit check)
  // Sampling of the agent in episodes: 1, as the demo, the benchmarks and the converter run it; greedy (0), an agent
  // that sees no history repeats the same move in the same place and loops.
  double episode_temperature = 1.0;
  std::uint64_t episode_seed = 1;
  int threads = 2;
  std::function<void(const std::string& stage, std::size_t done, std::size_t total)> progress;
};

// Evaluates the GGUF (see the file comment); the JSON carries the config, the hash and every figure.
nlohmann::json evaluate_micro_agent(const std::filesystem::path& gguf, const MicroAgentConfig& config,
                                    const MicroEvalOptions& options = {});

// A short Markdown report of the evaluation JSON.
std::string micro_agent_report(const nlohmann::json& evaluation);

}  // namespace lethe::eval
