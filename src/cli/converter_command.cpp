// `lethe converter init|sft-data|collect|eval`: the conversion model that turns a person's unlearning request into
// an unlearning prompt. init builds a small SFT-initialised converter; collect writes one round of DPO pairs from
// the agent's outcomes (train them with `lethe train dpo --base C.gguf --data pairs.jsonl --out C2.gguf`, then
// collect again with C2 for the next round); eval runs the ablation on held-out requests.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "converter_model.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/eval/converter_collect.hpp"
#include "lethe/eval/converter_eval.hpp"
#include "lethe/eval/converter_init.hpp"
#include "lethe/eval/converter_setup.hpp"
#include "lethe/eval/micro_agent.hpp"
#include "llm_flags.hpp"
#include "micro_agent_model.hpp"
#include "progress_bar.hpp"

namespace lethe::cli {
namespace {

constexpr const char* kFixtureVocab = "../shared/models/stories260Ktok512.gguf";

std::string resolve_vocab(const std::string& given) {
  if (!given.empty()) return given;
  if (std::filesystem::exists(kFixtureVocab)) return kFixtureVocab;
  throw std::runtime_error(std::string("no --vocab given and the stories fixture ") + kFixtureVocab +
                           " is not here; pass --vocab GGUF");
}

std::vector<env::GridLayout> resolve_layouts(const std::string& file, std::uint64_t seed) {
  if (!file.empty()) return env::load_layouts_file(file);
  return eval::converter_layouts(seed);
}

// Each failed attempt adds the verifier's feedback to the agent's prompt: after four, a request with several
// targets runs past kAgentContext.
constexpr int kAttemptsContext = 2 * kAgentContext;

// The agent's LLM: --llm, else the committed micro agent in the prompt set-up it was trained for. Any other model
// keeps the micro agent's digest limits (add_judge_flags) and samples at `temperature`, or greedily.
LlmFlags agent_flags(LlmFlags flags, agent::AgentOptions& agent, std::optional<double> temperature) {
  flags.spec = agent_model_spec(flags.spec);
  if (flags.options.context == 0) flags.options.context = kAttemptsContext;
  if (is_micro_agent(flags.spec)) {
    use_micro_agent_prompt(flags, agent, temperature);
  } else {
    agent.sampling.temperature = temperature.value_or(0.0);
  }
  return flags;
}

// A line for the report when the agent is a fixture rather than a trained agent model.
std::string fixture_note(const std::string& spec) {
  if (spec.find("stories260K") != std::string::npos || spec.find("tiny-random") != std::string::npos) {
    return "the agent is a test fixture (no instruction-following, no GridWorld training): these numbers only "
           "exercise the pipeline and are not results.";
  }
  return {};
}

void write_text(const std::string& path, const std::string& text) {
  const std::filesystem::path target(path);
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path());
  const auto partial = std::filesystem::path(path + ".partial");
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path);
  std::filesystem::rename(partial, target);
}

std::vector<std::size_t> parse_ks(const std::string& text) {
  std::vector<std::size_t> ks;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    std::size_t used = 0;
    long value = 0;
    try {
      value = std::stol(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || item.empty() || value < 1 || value > 16) {
      throw std::runtime_error("--ks: '" + item + "' is not a candidate count in 1..16 (expected e.g. 1,3,5)");
    }
    ks.push_back(static_cast<std::size_t>(value));
  }
  if (ks.empty()) throw std::runtime_error("--ks: no candidate count given");
  return ks;
}

// The format the converter writes in: --format, else the micro agent's (the default agent).
agent::PromptFormat converter_format(const std::string& given) {
  return given.empty() ? eval::default_micro_agent_config().data.prompt_format
                       : agent::prompt_format_from_string(given);
}

void add_format_option(CLI::App& cmd, std::string& format) {
  cmd.add_option("--format", format,
                 "What the agent reads: text (sentences, for a general LLM) or compact (the micro agent's format, "
                 "the default)")
      ->check(CLI::IsMember({"text", "compact"}));
}

struct InitArgs {
  std::string out;
  std::string vocab;
  std::string data_out;
  std::string format;
  eval::ConverterInitOptions options;
  bool quiet = false;
};

void run_init(InitArgs args) {
  args.options.vocab_gguf = resolve_vocab(args.vocab);
  args.options.format = converter_format(args.format);
  if (!args.data_out.empty()) {
    write_text(args.data_out, eval::sft_jsonl(eval::converter_sft_records(
                                  eval::converter_layouts(args.options.seed, args.options.layouts),
                                  args.options.examples, args.options.seed, args.options.format)));
  }
  ProgressBar bar("converter sft", 0, !args.quiet);
  const auto result = eval::init_converter(args.options, args.out, [&bar](const train::Progress& p) {
    bar.set_total(static_cast<std::size_t>(p.total_steps));
    bar.advance(1, fmt::format("loss {:.3f}", p.loss));
  });
  bar.finish();
  const float last = result.report.step_losses.empty() ? 0.0f : result.report.step_losses.back();
  std::cout << fmt::format("wrote {} ({} examples, {} tokens in {:.1f}s, final loss {:.4f})\n", args.out,
                           result.examples, result.report.tokens, result.report.seconds, last);
}

struct SftDataArgs {
  std::string out;
  std::size_t examples = 400;
  std::size_t layouts = 6;
  std::uint64_t seed = 1;
  std::string format;
};

void run_sft_data(const SftDataArgs& args) {
  if (args.examples == 0) throw std::runtime_error("--examples must be at least 1");
  const auto records = eval::converter_sft_records(eval::converter_layouts(args.seed, args.layouts), args.examples,
                                                   args.seed, converter_format(args.format));
  write_text(args.out, eval::sft_jsonl(records));
  std::cout << fmt::format("wrote {} ({} request -> instruction pairs)\n", args.out, records.size());
}

struct CollectArgs {
  LlmFlags llm;
  std::optional<double> temperature;
  std::string converter;
  std::string layouts;
  std::string out;
  eval::CollectOptions options;
  bool quiet = false;
};

void run_collect(CollectArgs args) {
  if (args.options.requests == 0) throw std::runtime_error("--requests must be at least 1");
  if (args.options.k == 0) throw std::runtime_error("--k must be at least 1");
  const auto layouts = resolve_layouts(args.layouts, args.options.seed);
  args.llm = agent_flags(args.llm, args.options.agent, args.temperature);
  auto converter = open_converter(args.converter, args.llm);
  auto agent = args.llm.open();
  ProgressBar bar("collect", args.options.requests, !args.quiet);
  const auto summary = eval::collect_preference_pairs(
      *agent, *converter, layouts, args.options, args.out, [&bar](std::size_t, const eval::CollectSummary& so_far) {
        bar.advance(1, fmt::format("{} pairs, {}/{} candidates ok", so_far.pairs, so_far.successful_candidates,
                                   so_far.candidates));
      });
  bar.finish();
  std::cout << fmt::format(
      "wrote {} ({} pairs from {} of {} requests; {} of {} candidates succeeded, {} named every target)\n", args.out,
      summary.pairs, summary.requests_with_pairs, summary.requests, summary.successful_candidates, summary.candidates,
      summary.naming_candidates);
  if (summary.pairs == 0) {
    std::cout << "no pairs: every request's candidates all succeeded or all failed; try more --requests or --k\n";
  }
  const auto note = fixture_note(args.llm.spec);
  if (!note.empty()) std::cout << "note: " << note << "\n";
  if (args.llm.verbose) print_usage(*agent);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

struct EvalArgs {
  LlmFlags llm;
  std::optional<double> temperature;
  std::string dpo;
  std::string sft;
  std::string ks = "1,3,5";
  std::string sft_ks = "3";
  std::string methods = "code,example,hard";
  std::string kinds = "state,trajectory";
  std::string layouts;
  std::string out;
  eval::ConverterEvalOptions options;
  bool quiet = false;
};

void run_eval(EvalArgs args) {
  if (args.options.requests == 0) throw std::runtime_error("--requests must be at least 1");
  const auto ks = parse_ks(args.ks);
  const auto layouts = resolve_layouts(args.layouts, args.options.seed);
  args.llm = agent_flags(args.llm, args.options.agent, args.temperature);
  std::unique_ptr<llm::Llm> dpo;
  std::unique_ptr<llm::Llm> sft;
  if (!args.dpo.empty()) dpo = open_converter(args.dpo, args.llm);
  if (!args.sft.empty()) sft = open_converter(args.sft, args.llm);
  auto agent = args.llm.open();
  std::vector<eval::ConverterVariant> variants;
  if (dpo) {
    for (const auto k : ks) variants.push_back({"dpo_k" + std::to_string(k), dpo.get(), k});
  }
  if (sft) {
    for (const auto k : parse_ks(args.sft_ks)) variants.push_back({"sft_k" + std::to_string(k), sft.get(), k});
  }
  variants.push_back({"none", nullptr, 1});
  for (const auto& method : split_list(args.methods)) {
    if (method != "code" && method != "example" && method != "hard") {
      throw std::runtime_error("--methods: '" + method + "' is not code, example or hard");
    }
    variants.push_back({method, nullptr, 1, method});
  }
  args.options.kinds.clear();
  for (const auto& kind : split_list(args.kinds)) args.options.kinds.push_back(unlearn::request_kind_from_string(kind));
  args.options.note = fixture_note(args.llm.spec);
  ProgressBar bar("converter eval", variants.size() * args.options.requests, !args.quiet);
  const auto results = eval::evaluate_converters(
      *agent, variants, layouts, args.options,
      [&bar](std::size_t, std::size_t, const std::string& status) { bar.advance(1, status); });
  bar.finish();
  eval::write_converter_eval(results, args.out);
  std::cout << results.markdown();
  std::cout << "wrote " << (std::filesystem::path(args.out) / "results.json").string() << " and report.md\n";
  if (args.llm.verbose) print_usage(*agent);
}

// The agent (--llm and the rest of the model flags, --temperature) and how each candidate is judged.
void add_agent_and_judge_flags(CLI::App& cmd, LlmFlags& llm, std::optional<double>& temperature,
                               unlearn::JudgeOptions& judge, agent::AgentOptions& agent) {
  llm.add_to(cmd, false);
  cmd.add_option("--temperature", temperature,
                 "Sampling temperature of the agent's moves (default 0; 1 for the micro agent, the default --llm)")
      ->check(CLI::NonNegativeNumber);
  // The agent's memory digest as the micro agent model was trained to read it (any LLM reads it as well).
  agent.limits = eval::default_micro_agent_config().data.limits;
  cmd.add_option("--step-limit", agent.world.step_limit, "Steps per episode (0: 4 x (width + height))")
      ->check(CLI::Range(0, 10'000));
  cmd.add_option("--unlearning-tasks", judge.unlearning_tasks, "Unlearning tasks per target")->check(CLI::Range(1, 16));
  cmd.add_option("--remaining-tasks", judge.remaining_tasks, "Remaining tasks (routes that use no target)")
      ->check(CLI::Range(0, 32));
}

}  // namespace

void register_converter(CLI::App& app) {
  auto* converter = app.add_subcommand(
      "converter", "The conversion model: natural-language unlearning requests -> unlearning prompts (DPO-trained)");
  converter->require_subcommand(1);

  auto init = std::make_shared<InitArgs>();
  auto* init_cmd = converter->add_subcommand(
      "init", "Build a small converter (stories vocabulary) and train it by SFT on templated request -> prompt pairs");
  init_cmd->add_option("--out", init->out, "Where to write the converter GGUF")->required();
  init_cmd->add_option("--vocab", init->vocab,
                       std::string("GGUF whose tokenizer to use (default ") + kFixtureVocab + ")");
  init_cmd->add_option("--seed", init->options.seed, "Seed of layouts, requests, weights and example order");
  init_cmd->add_option("--examples", init->options.examples, "Training pairs")->check(CLI::Range(1, 1'000'000));
  init_cmd->add_option("--epochs", init->options.epochs, "Passes over the pairs")->check(CLI::Range(1, 1000));
  init_cmd->add_option("--lr", init->options.learning_rate, "AdamW learning rate")->check(CLI::PositiveNumber);
  init_cmd->add_option("--layers", init->options.model.n_layer, "Transformer layers")->check(CLI::Range(1, 32));
  init_cmd->add_option("--embd", init->options.model.n_embd, "Embedding width")->check(CLI::Range(8, 4096));
  init_cmd->add_option("--threads", init->options.threads, "CPU threads")->check(CLI::PositiveNumber);
  init_cmd->add_option("--sft-data", init->data_out, "Also write the SFT pairs (JSONL for `lethe train sft`) here");
  add_format_option(*init_cmd, init->format);
  init_cmd->add_flag("--quiet,-q", init->quiet, "No progress bar");
  init_cmd->callback([init] { run_init(*init); });

  auto data = std::make_shared<SftDataArgs>();
  auto* data_cmd = converter->add_subcommand(
      "sft-data", "Write templated request -> unlearning prompt pairs as JSONL for `lethe train sft`");
  data_cmd->add_option("--out", data->out, "JSONL file to write")->required();
  data_cmd->add_option("--examples", data->examples, "Pairs")->check(CLI::Range(1, 1'000'000));
  data_cmd->add_option("--seed", data->seed, "Seed of layouts and requests");
  add_format_option(*data_cmd, data->format);
  data_cmd->callback([data] { run_sft_data(*data); });

  auto collect = std::make_shared<CollectArgs>();
  auto* collect_cmd = converter->add_subcommand(
      "collect", "Sample K unlearning prompts per request, judge each on the agent, write DPO pairs (JSONL)");
  collect_cmd->add_option("--converter", collect->converter, "The conversion model (GGUF)")->required();
  collect_cmd->add_option("--requests", collect->options.requests, "Training-split requests")->required();
  collect_cmd->add_option("--k", collect->options.k, "Candidates per request")->check(CLI::Range(1, 16));
  collect_cmd->add_option("--seed", collect->options.seed, "Seed of requests, layouts, sampling and tasks");
  collect_cmd->add_option("--layouts", collect->layouts, "Layout file (default: generated 6x6 layouts)");
  collect_cmd->add_option("--out", collect->out, "JSONL file of prompt / chosen / rejected pairs")->required();
  add_agent_and_judge_flags(*collect_cmd, collect->llm, collect->temperature, collect->options.judge,
                            collect->options.agent);
  collect_cmd->add_flag("--quiet,-q", collect->quiet, "No progress bar");
  collect_cmd->callback([collect] { run_collect(*collect); });

  auto evaluate = std::make_shared<EvalArgs>();
  auto* eval_cmd = converter->add_subcommand(
      "eval",
      "The ablation on held-out requests: DPO / SFT converter at each K, none, code, example, hard; efficacy, "
      "Unlearn@1, avoidance, remaining-task success and steps, with 95% intervals");
  eval_cmd->add_option("--dpo", evaluate->dpo, "Converter after DPO (GGUF)");
  eval_cmd->add_option("--sft", evaluate->sft, "Converter after SFT only (GGUF)");
  eval_cmd->add_option("--ks", evaluate->ks, "Candidate counts of the DPO converter, comma-separated (default 1,3,5)");
  eval_cmd->add_option("--sft-ks", evaluate->sft_ks, "Candidate counts of the SFT converter (default 3)");
  eval_cmd->add_option("--methods", evaluate->methods,
                       "Methods to compare against, comma-separated (default code,example,hard; '' for none)");
  eval_cmd->add_option("--kinds", evaluate->kinds,
                       "Request kinds: state, trajectory, environment, several_states (default state,trajectory)");
  eval_cmd->add_option("--requests", evaluate->options.requests, "Held-out requests per kind (default 30)")
      ->check(CLI::Range(1, 100'000));
  eval_cmd->add_option("--avoidance-runs", evaluate->options.avoidance_runs,
                       "Runs of each unlearning task with the final prompt, for the avoidance rate (default 4)")
      ->check(CLI::Range(1, 1000));
  eval_cmd->add_option("--seed", evaluate->options.seed, "Seed of the requests, sampling and tasks");
  eval_cmd->add_option("--max-attempts", evaluate->options.max_attempts, "Attempts per request")
      ->check(CLI::Range(1, 20));
  eval_cmd->add_option("--layouts", evaluate->layouts, "Layout file (default: generated 6x6 layouts)");
  eval_cmd->add_option("--out", evaluate->out, "Directory for results.json and report.md")->required();
  add_agent_and_judge_flags(*eval_cmd, evaluate->llm, evaluate->temperature, evaluate->options.judge,
                            evaluate->options.agent);
  eval_cmd->add_flag("--quiet,-q", evaluate->quiet, "No progress bar");
  eval_cmd->callback([evaluate] { run_eval(*evaluate); });
}

}  // namespace lethe::cli
