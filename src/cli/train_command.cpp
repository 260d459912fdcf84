// `lethe train sft|dpo`: fine-tune a llama-architecture GGUF on JSONL data and write a GGUF llama.cpp loads.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "lethe/agent/prompt_builder.hpp"
#include "lethe/eval/micro_agent.hpp"
#include "lethe/train/model_init.hpp"
#include "lethe/train/prefix_packing.hpp"
#include "lethe/train/trainer.hpp"
#include "progress_bar.hpp"

namespace lethe::cli {

namespace {

struct TrainArgs {
  std::string base;
  std::string data;
  std::string out;
  train::TrainOptions options;
  std::int64_t pack_tokens = 0;
  bool quiet = false;
};

// One line, rewritten in place: step, loss, speed and time left.
void show_progress(const train::Progress& p) {
  const int width = 30;
  const auto done = static_cast<int>(width * p.step / std::max<std::int64_t>(1, p.total_steps));
  std::cerr << fmt::format("\r[{}{}] epoch {} step {}/{} loss {:.4f} {:.0f} tok/s ETA {:.0f}s ", std::string(done, '#'),
                           std::string(width - done, '.'), p.epoch, p.step, p.total_steps, p.loss, p.tokens_per_second,
                           p.eta_seconds)
            << std::flush;
  if (p.step == p.total_steps) std::cerr << "\n";
}

void run_train(const TrainArgs& args, bool dpo) {
  if (std::filesystem::exists(args.out) && std::filesystem::equivalent(args.out, args.base)) {
    throw std::runtime_error("--out must not overwrite the base model " + args.base);
  }
  auto model = train::Model::load(args.base);
  const train::Tokenizer tokenizer(args.base);
  const train::ProgressCallback progress = args.quiet ? train::ProgressCallback{} : show_progress;
  train::TrainReport report;
  if (dpo) {
    const auto pairs = train::dpo_examples(tokenizer, train::read_dpo_jsonl(args.data), model);
    report = train::train_dpo(model, pairs, args.options, progress);
  } else {
    auto examples = train::sft_examples(tokenizer, train::read_sft_jsonl(args.data), model);
    if (args.pack_tokens > 0) {
      train::PackingStats stats;
      examples = train::pack_shared_prefixes(examples, {args.pack_tokens, 16}, &stats);
      std::cerr << fmt::format("packed {} examples into {} sequences: {} tokens instead of {}\n", stats.examples,
                               stats.packed_sequences, stats.tokens_after, stats.tokens_before);
    }
    report = train::train_sft(model, examples, args.options, progress);
  }
  model.save(args.out);
  const float last = report.step_losses.empty() ? 0.0f : report.step_losses.back();
  std::cout << fmt::format("wrote {} ({} tokens in {:.1f}s, {:.0f} tok/s, final loss {:.4f})\n", args.out,
                           report.tokens, report.seconds, report.tokens_per_second, last);
}

void add_mode(CLI::App& train_cmd, const std::string& name, const std::string& about, bool dpo) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = train_cmd.add_subcommand(name, about);
  cmd->add_option("--base", args->base, "The model to start from (llama-architecture GGUF)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--data", args->data,
                  dpo ? "JSONL with prompt / chosen / rejected per line" : "JSONL with prompt / completion per line")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", args->out, "Where to write the trained GGUF")->required();
  cmd->add_option("--epochs", args->options.epochs, "Passes over the data")->check(CLI::PositiveNumber);
  cmd->add_option("--lr", args->options.adamw.learning_rate, "AdamW learning rate")->check(CLI::PositiveNumber);
  cmd->add_option("--batch", args->options.batch_size, dpo ? "Pairs per step" : "Sequences per step")
      ->check(CLI::PositiveNumber);
  if (dpo) {
    cmd->add_option("--beta", args->options.dpo_beta, "DPO temperature beta")->check(CLI::PositiveNumber);
  } else {
    cmd->add_option("--pack", args->pack_tokens,
                    "Pack examples that share a prompt prefix (an agent's steps) into sequences of this many tokens; "
                    "each example keeps exactly its own context, and --batch then counts packed sequences")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--prompt-loss", args->options.prompt_loss_weight,
                    "Weight of an auxiliary next-token loss on the prompt tokens (0: completion only)")
        ->check(CLI::NonNegativeNumber);
  }
  cmd->add_option("--seed", args->options.seed, "Seed of the example order");
  cmd->add_option("--threads", args->options.n_threads, "CPU threads")->check(CLI::PositiveNumber);
  cmd->add_flag("--quiet,-q", args->quiet, "No progress bar");
  cmd->callback([args, dpo] { run_train(*args, dpo); });
}

struct MicroAgentArgs {
  std::string out;
  std::string recipe = "default";
  std::optional<std::uint64_t> seed;
  std::optional<std::size_t> examples;
  std::optional<int> epochs;
  std::optional<int> batch;
  std::optional<float> learning_rate;
  std::optional<float> prompt_loss;
  std::optional<int> train_layouts;
  std::optional<int> decisive_repeats;
  std::optional<int> drills;
  std::optional<int> reading_drills;
  std::optional<bool> forbidden_questions;
  bool questions_only = false;
  std::optional<int> layers;
  std::optional<int> width;
  std::optional<int> heads;
  std::optional<std::string> prompt_format;
  std::optional<float> init_std;
  std::optional<int> facts;
  std::optional<int> routes;
  std::optional<std::int64_t> pack;
  int threads = 2;
  std::string eval_out;
  int eval_layouts = 0;
  double temperature = eval::MicroEvalOptions{}.episode_temperature;
  bool no_cache = false;
  bool quiet = false;
};

eval::MicroAgentConfig micro_config(const MicroAgentArgs& args) {
  eval::MicroAgentConfig config;
  if (args.recipe == "default") {
    config = eval::default_micro_agent_config();
  } else if (args.recipe == "tiny") {
    config = eval::tiny_micro_agent_config();
  } else {
    throw std::runtime_error("unknown --recipe '" + args.recipe + "' (expected default or tiny)");
  }
  if (args.seed) {
    config.seed = *args.seed;
    config.data.seed = *args.seed;
    config.model.seed = *args.seed;
  }
  if (args.examples) config.examples = *args.examples;
  if (args.epochs) config.epochs = *args.epochs;
  if (args.batch) config.batch_size = *args.batch;
  if (args.learning_rate) config.learning_rate = *args.learning_rate;
  if (args.prompt_loss) config.prompt_loss_weight = *args.prompt_loss;
  if (args.train_layouts) config.data.train_layouts = *args.train_layouts;
  if (args.decisive_repeats) config.decisive_repeats = *args.decisive_repeats;
  if (args.drills) config.data.drills = *args.drills;
  if (args.reading_drills) config.data.reading_drills = *args.reading_drills;
  if (args.forbidden_questions) config.forbidden_questions = *args.forbidden_questions;
  if (args.questions_only) config.questions_only = true;
  if (args.layers) config.model.n_layer = *args.layers;
  if (args.width) config.model.n_embd = *args.width;
  if (args.heads) config.model.n_head = config.model.n_head_kv = *args.heads;
  if (args.prompt_format) config.data.prompt_format = agent::prompt_format_from_string(*args.prompt_format);
  if (args.init_std) config.model.init_std = *args.init_std;
  if (args.facts) config.data.limits.facts = static_cast<std::size_t>(*args.facts);
  if (args.routes) config.data.limits.routes = static_cast<std::size_t>(*args.routes);
  if (args.pack) config.pack_tokens = *args.pack;
  train::validate_model_config(config.model);
  config.threads = args.threads;
  return config;
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void evaluate_to(const std::filesystem::path& model, const eval::MicroAgentConfig& config, const MicroAgentArgs& args) {
  std::filesystem::create_directories(args.eval_out);
  eval::MicroEvalOptions options;
  options.layouts = args.eval_layouts;
  options.threads = args.threads;
  options.episode_temperature = args.temperature;
  std::unique_ptr<ProgressBar> bar;
  std::string stage;
  std::size_t shown = 0;
  options.progress = [&](const std::string& name, std::size_t done, std::size_t total) {
    if (name != stage) {
      if (bar) bar->finish();
      bar = std::make_unique<ProgressBar>(name, total, !args.quiet);
      stage = name;
      shown = 0;
    }
    bar->advance(done - shown);
    shown = done;
  };
  const auto result = eval::evaluate_micro_agent(model, config, options);
  if (bar) bar->finish();
  const std::filesystem::path dir(args.eval_out);
  write_text(dir / "results.json", result.dump(2) + "\n");
  const auto report = eval::micro_agent_report(result);
  write_text(dir / "report.md", report);
  std::cout << report
            << fmt::format("wrote {} and {}\n", (dir / "results.json").string(), (dir / "report.md").string());
}

void run_micro_agent(const MicroAgentArgs& args) {
  const auto config = micro_config(args);
  const std::filesystem::path out(args.out);
  const auto cached = eval::cached_model_path(config);
  if (!args.no_cache && std::filesystem::exists(cached)) {
    if (!std::filesystem::exists(out) || !std::filesystem::equivalent(out, cached)) {
      if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
      std::filesystem::copy_file(cached, out, std::filesystem::copy_options::overwrite_existing);
    }
    std::cout << fmt::format("reused the cached model {} (config {})\nwrote {}\n", cached.string(),
                             eval::config_hash(config), out.string());
  } else {
    std::unique_ptr<ProgressBar> bar;
    const train::ProgressCallback progress = [&](const train::Progress& p) {
      if (!bar)
        bar = std::make_unique<ProgressBar>("micro-agent", static_cast<std::size_t>(p.total_steps), !args.quiet);
      bar->advance(1, fmt::format("epoch {} loss {:.4f} {:.0f} tok/s", p.epoch, p.loss, p.tokens_per_second));
    };
    // Written next to the cache entry first, so an interrupted run never leaves a partial model in the cache.
    std::filesystem::create_directories(cached.parent_path());
    const auto partial = cached.string() + ".partial";
    const auto result = eval::train_micro_agent(config, partial, progress);
    if (bar) bar->finish();
    std::filesystem::rename(partial, cached);
    if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
    if (!std::filesystem::exists(out) || !std::filesystem::equivalent(out, cached)) {
      std::filesystem::copy_file(cached, out, std::filesystem::copy_options::overwrite_existing);
    }
    const float last = result.report.step_losses.empty() ? 0.0f : result.report.step_losses.back();
    std::cout << fmt::format(
        "wrote {} ({} parameters, {} examples, {} tokens in {:.1f}s, {:.0f} tok/s, final loss {:.4f}; cached as {})\n",
        out.string(), result.parameters, result.examples, result.report.tokens, result.report.seconds,
        result.report.tokens_per_second, last, cached.string());
  }
  if (!args.eval_out.empty()) evaluate_to(out, config, args);
}

void add_micro_agent_options(CLI::App& cmd, MicroAgentArgs& args) {
  cmd.add_option("--seed", args.seed, "Seed of the data, the initial weights and the example order");
  cmd.add_option("--examples", args.examples, "Demonstration steps to train on")->check(CLI::PositiveNumber);
  cmd.add_option("--epochs", args.epochs, "Passes over the examples")->check(CLI::PositiveNumber);
  cmd.add_option("--batch", args.batch, "Sequences per step (packed sequences for the default recipe)")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--lr", args.learning_rate, "Peak AdamW learning rate")->check(CLI::PositiveNumber);
  cmd.add_option("--prompt-loss", args.prompt_loss, "Weight of the auxiliary next-token loss on the prompts")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--train-layouts", args.train_layouts, "Random layouts the demonstrations come from")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--decisive-repeats", args.decisive_repeats,
                 "Copies of each step where a constraint changes the expert's move (they teach obedience)")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--reading-drills", args.reading_drills,
                 "Reading drills per layout: a constraint drawn apart from the route, and the forbidden-move question")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--drills", args.drills,
                 "Constraint drills per layout: goto tasks starting where the constraint changes the first move")
      ->check(CLI::NonNegativeNumber);
  cmd.add_flag("--forbidden-questions,!--no-forbidden-questions", args.forbidden_questions,
               "Also train on asking which moves would break the constraint, at every constrained step");
  cmd.add_flag("--questions-only", args.questions_only,
               "Train on those questions alone, no actions: a quick probe of whether a model shape learns to read "
               "the constraint (its evaluation scores the questions)");
  cmd.add_option("--layers", args.layers, "Transformer layers of the model")->check(CLI::PositiveNumber);
  cmd.add_option("--width", args.width, "Embedding width of the model (a multiple of --heads)")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--heads", args.heads, "Attention heads per layer")->check(CLI::PositiveNumber);
  cmd.add_option("--prompt-format", args.prompt_format,
                 "text (the sentences a general LLM reads) or compact (a few dozen one-token words)")
      ->check(CLI::IsMember({"text", "compact"}));
  cmd.add_option("--init-std", args.init_std,
                 "Start every matrix at N(0, X) instead of the scale of its role (0: by role)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--facts", args.facts, "Memory facts shown in the prompt")->check(CLI::NonNegativeNumber);
  cmd.add_option("--routes", args.routes, "Remembered routes shown in the prompt")->check(CLI::NonNegativeNumber);
  cmd.add_option("--pack", args.pack,
                 "Pack steps that share a prompt prefix into sequences of this many tokens (0: no)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--threads", args.threads, "CPU threads")->check(CLI::PositiveNumber);
  cmd.add_option("--recipe", args.recipe, "default, or tiny (seconds; for tests)");
  cmd.add_option("--layouts", args.eval_layouts, "Held-out layouts to evaluate on (0: the recipe's)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--temperature", args.temperature,
                 "Sampling temperature of the agent in evaluation episodes (0: greedy)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd.add_flag("--quiet,-q", args.quiet, "No progress bar");
}

void add_micro_agent(CLI::App& train_cmd) {
  auto args = std::make_shared<MicroAgentArgs>();
  auto* cmd = train_cmd.add_subcommand(
      "micro-agent", "Train the micro agent model (a small GridWorld policy, from the seed) or reuse the cached one");
  cmd->add_option("--out", args->out, "Where to write the trained GGUF")->required();
  cmd->add_option("--eval-out", args->eval_out, "Also evaluate it: write results.json and report.md here");
  cmd->add_flag("--no-cache", args->no_cache, "Train even when the cache holds this recipe's model");
  add_micro_agent_options(*cmd, *args);
  cmd->callback([args] { run_micro_agent(*args); });

  auto eval_args = std::make_shared<MicroAgentArgs>();
  auto* eval_cmd = train_cmd.add_subcommand("micro-agent-eval", "Evaluate a micro agent model on held-out layouts");
  eval_cmd->add_option("--model", eval_args->out, "The GGUF to evaluate")->required()->check(CLI::ExistingFile);
  eval_cmd->add_option("--out", eval_args->eval_out, "Directory for results.json and report.md")->required();
  add_micro_agent_options(*eval_cmd, *eval_args);
  eval_cmd->callback([eval_args] { evaluate_to(eval_args->out, micro_config(*eval_args), *eval_args); });

  auto data_args = std::make_shared<MicroAgentArgs>();
  auto held_out = std::make_shared<bool>(false);
  auto* data_cmd = train_cmd.add_subcommand(
      "micro-agent-data",
      "Write the micro agent's expert demonstrations as prompt/completion JSONL (for any SFT tool)");
  data_cmd->add_option("--out", data_args->out, "The JSONL file to write")->required();
  data_cmd->add_flag("--held-out", *held_out, "The held-out layouts instead of the training ones (all their steps)");
  add_micro_agent_options(*data_cmd, *data_args);
  data_cmd->callback([data_args, held_out] {
    const auto config = micro_config(*data_args);
    const auto records = *held_out ? eval::sft_records(eval::micro_episodes(config.data, true), config.seed)
                                   : eval::sft_records(eval::micro_episodes(config.data, false), config.seed,
                                                       eval::record_options(config));
    eval::write_sft_jsonl(data_args->out, records);
    std::cout << fmt::format("wrote {} ({} demonstration steps)\n", data_args->out, records.size());
  });
}

}  // namespace

void register_train(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Fine-tune a llama-architecture GGUF with SFT or DPO (on ggml, CPU)");
  cmd->require_subcommand(1);
  add_mode(*cmd, "sft", "Supervised fine-tuning: next-token loss on the completion, prompt masked out", false);
  add_mode(*cmd, "dpo", "Direct preference optimisation against the base model as the reference", true);
  add_micro_agent(*cmd);
}

}  // namespace lethe::cli
