// `lethe bench gridworld`: agent unlearning on GridWorld (state, trajectory or environment) with one method;
// writes DIR/results.json, DIR/report.md and DIR/heatmap_{before,after,reference}.svg.
#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "converter_model.hpp"
#include "lethe/eval/gridworld_bench.hpp"
#include "llm_flags.hpp"
#include "micro_agent_model.hpp"
#include "progress_bar.hpp"

namespace lethe::cli {
namespace {

struct BenchGridworldArgs {
  LlmFlags llm;
  std::string scenario = "state";
  std::string method;
  std::string converter;  // method nl: a GGUF, "none", or empty for the default (install_nl_converter)
  int targets = 1;
  std::string layouts;  // empty: house (state, trajectory) or house,open (environment)
  std::string layout_dir = "data/gridworld";
  int grid = 6;
  int episodes = 2;
  std::uint64_t seed = 0;
  std::string memory = "json";
  std::size_t goto_tasks = 2;
  std::size_t unlearning_tasks = 2;
  int attempts = 5;
  std::optional<double> temperature;  // default 0, or 1 for the micro agent
  int step_limit = 0;
  std::string out;
  bool quiet = false;
};

bool all_digits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> names;
  std::stringstream stream(text);
  std::string name;
  while (std::getline(stream, name, ',')) {
    if (name.empty()) throw std::runtime_error("--layouts: empty name in '" + text + "'");
    names.push_back(name);
  }
  return names;
}

eval::ScenarioConfig scenario_config(const BenchGridworldArgs& args) {
  eval::ScenarioConfig config;
  try {
    config.scenario = unlearn::scenario_from_string(args.scenario);
  } catch (const unlearn::Error&) {
    throw std::runtime_error("unknown --scenario '" + args.scenario + "' (expected state, trajectory or environment)");
  }
  config.method = args.method;
  config.targets = args.targets;
  std::string layouts = args.layouts;
  if (layouts.empty()) layouts = config.scenario == unlearn::Scenario::environment ? "house,open" : "house";
  if (all_digits(layouts)) {
    config.generated_layouts = std::stoi(layouts);
    if (config.generated_layouts < 1) throw std::runtime_error("--layouts: at least one layout is needed");
    config.generator.width = args.grid;
    config.generator.height = args.grid;
  } else {
    config.layout_names = split_names(layouts);
  }
  config.layout_dir = args.layout_dir;
  config.episodes = args.episodes;
  config.seed = args.seed;
  config.memory_kind = args.memory;
  config.goto_tasks = args.goto_tasks;
  config.max_unlearning_tasks = args.unlearning_tasks;
  config.max_attempts = args.attempts;
  config.agent.sampling.temperature = args.temperature.value_or(0.0);
  config.agent.world.step_limit = args.step_limit;
  config.work_dir = std::filesystem::path(args.out) / "memory";
  try {
    eval::validate(config);
  } catch (const eval::Error& e) {
    throw std::runtime_error(std::string("--") + e.what());
  }
  return config;
}

void run_bench_gridworld(const BenchGridworldArgs& args) {
  // Everything that needs no model is checked before the model loads.
  check_converter_flag(args.converter, args.method);
  auto config = scenario_config(args);
  const auto layouts = eval::load_scenario_layouts(config);
  eval::choose_requests(config, layouts);  // throws when --targets asks for more than the layouts allow
  eval::ensure_writable_directory(args.out);

  LlmFlags flags = args.llm;
  flags.spec = agent_model_spec(flags.spec);
  if (flags.options.context == 0) flags.options.context = kAgentContext;
  if (is_micro_agent(flags.spec)) use_micro_agent_prompt(flags, config.agent, args.temperature);
  const auto converter = install_nl_converter(args.converter, flags, layouts, config);
  auto llm = flags.open();
  std::cerr << "model: " << llm->describe() << "\n";
  StagedProgress progress("gridworld ", !args.quiet);
  const auto result = eval::run_gridworld_bench(
      config, *llm, flags.spec, args.out, [&](const eval::Progress& p) { progress.update(p.stage, p.done, p.total); });
  progress.finish();
  std::cout << eval::gridworld_report_markdown(result.results);
  std::cout << "\nwrote " << result.results_path.string() << ", " << result.report_path.string();
  for (const auto& heatmap : result.heatmaps) std::cout << ", " << heatmap.filename().string();
  std::cout << "\n";
  if (args.llm.verbose) print_usage(*llm);
}

}  // namespace

void register_bench_gridworld(CLI::App& bench) {
  auto args = std::make_shared<BenchGridworldArgs>();
  auto* cmd = bench.add_subcommand(
      "gridworld",
      "Agent unlearning on GridWorld: an LLM agent learns layouts into its memory, forgets states, routes or whole "
      "layouts with one method, and is compared with itself before unlearning and with a reference agent that "
      "never saw the targets. Writes results.json, report.md and visitation heatmaps (SVG). --context defaults to "
      "2048 here: the agent's prompts need it. Without --llm: the committed micro agent model "
      "(models/micro-agent.gguf, from the repository root) in the prompt set-up it was trained for, temperature 1.");
  args->llm.add_to(*cmd, /*spec_required=*/false);
  cmd->add_option("--scenario", args->scenario, "What to forget: state, trajectory (3 cells) or environment")
      ->capture_default_str();
  cmd->add_option("--method", args->method,
                  "Unlearning method: nl (the conversion model's prompt from the request, see --converter), code "
                  "(rule block), example (demonstrations), hard (forbidden moves removed before decoding) or none (no "
                  "unlearning: the baseline)")
      ->required();
  cmd->add_option("--converter", args->converter, kConverterFlagHelp);
  cmd->add_option("--targets", args->targets, "How many targets to forget at once")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--layouts", args->layouts,
                  "A number N (N generated layouts, see --grid) or comma-separated layout names from --layout-dir "
                  "or layout files (default: house; house,open for --scenario environment)");
  cmd->add_option("--layout-dir", args->layout_dir, "Folder of named layouts (<name>.json)")
      ->envname("LETHE_GRIDWORLD_LAYOUTS")
      ->capture_default_str();
  cmd->add_option("--grid", args->grid, "Side of generated layouts")->check(CLI::Range(3, 32))->capture_default_str();
  cmd->add_option("--episodes", args->episodes, "Learning rounds over each layout's tasks")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of targets, tasks, generated layouts and sampling")
      ->capture_default_str();
  cmd->add_option("--memory", args->memory, "Memory store: json or sqlite")->capture_default_str();
  cmd->add_option("--goto-tasks", args->goto_tasks, "Extra goto tasks learned per layout")->capture_default_str();
  cmd->add_option("--unlearning-tasks", args->unlearning_tasks, "Unlearning tasks per target")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--attempts", args->attempts, "Verification attempts per target (the paper uses 5)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--temperature", args->temperature,
                  "Sampling temperature of the agent's moves (default 0; 1 for the micro agent)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--step-limit", args->step_limit, "Actions per episode (0: 4 x (width + height))")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--out", args->out, "Directory for results.json, report.md and the heatmaps")->required();
  cmd->add_flag("--quiet,-q", args->quiet, "No progress bar");
  cmd->callback([args] { run_bench_gridworld(*args); });
}

}  // namespace lethe::cli
