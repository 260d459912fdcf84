// `lethe train sft|dpo`: fine-tune a llama-architecture GGUF on JSONL data and write a GGUF llama.cpp loads.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "lethe/train/trainer.hpp"

namespace lethe::cli {

namespace {

struct TrainArgs {
  std::string base;
  std::string data;
  std::string out;
  train::TrainOptions options;
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
    const auto examples = train::sft_examples(tokenizer, train::read_sft_jsonl(args.data), model);
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
  if (dpo) cmd->add_option("--beta", args->options.dpo_beta, "DPO temperature beta")->check(CLI::PositiveNumber);
  cmd->add_option("--seed", args->options.seed, "Seed of the example order");
  cmd->add_option("--threads", args->options.n_threads, "CPU threads")->check(CLI::PositiveNumber);
  cmd->add_flag("--quiet,-q", args->quiet, "No progress bar");
  cmd->callback([args, dpo] { run_train(*args, dpo); });
}

}  // namespace

void register_train(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Fine-tune a llama-architecture GGUF with SFT or DPO (on ggml, CPU)");
  cmd->require_subcommand(1);
  add_mode(*cmd, "sft", "Supervised fine-tuning: next-token loss on the completion, prompt masked out", false);
  add_mode(*cmd, "dpo", "Direct preference optimisation against the base model as the reference", true);
}

}  // namespace lethe::cli
