// `lethe audit`: the indistinguishability audit of an unlearned GridWorld agent — membership inference on the
// forgotten targets, environment reconstruction and KL divergence to a never-exposed agent. Writes
// DIR/results.json, DIR/report.md and DIR/kl_map.svg, and prints the one-paragraph verdict.
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "converter_model.hpp"
#include "lethe/eval/audit.hpp"
#include "llm_flags.hpp"
#include "micro_agent_model.hpp"
#include "progress_bar.hpp"

namespace lethe::cli {
namespace {

struct AuditArgs {
  LlmFlags llm;
  eval::AuditConfig config;
  std::string scenario = "state";
  std::string layouts;    // comma-separated; empty: house (and open for the environment scenario)
  std::string converter;  // method nl: a GGUF, "none", or empty for the default (install_nl_converter)
  std::string layout_dir = "data/gridworld";
  std::string work_dir;               // empty: OUT/work
  std::optional<double> temperature;  // default 0.7, or 1 for the micro agent
  std::string out;
  bool quiet = false;
};

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> names;
  std::stringstream in(text);
  std::string name;
  while (std::getline(in, name, ',')) {
    if (!name.empty()) names.push_back(name);
  }
  return names;
}

void run(AuditArgs& args) {
  // Checked before the model loads, with the exit code of every other error (1).
  const std::vector<std::string> methods{"nl", "code", "example", "hard"};
  if (std::find(methods.begin(), methods.end(), args.config.scenario.method) == methods.end()) {
    throw std::runtime_error("unknown --method '" + args.config.scenario.method + "' (expected nl|code|example|hard)");
  }
  check_converter_flag(args.converter, args.config.scenario.method);
  try {
    args.config.scenario.scenario = unlearn::scenario_from_string(args.scenario);
  } catch (const std::exception&) {
    throw std::runtime_error("unknown --scenario '" + args.scenario + "' (expected state|trajectory|environment)");
  }
  if (args.temperature && !(*args.temperature >= 0.0)) throw std::runtime_error("--temperature must not be negative");
  if (args.config.scenario.agent.world.step_limit < 0) throw std::runtime_error("--step-limit must not be negative");
  auto& scenario = args.config.scenario;
  scenario.layout_names = split_names(args.layouts);
  if (scenario.layout_names.empty()) {
    scenario.layout_names = {"house"};
    if (scenario.scenario == unlearn::Scenario::environment) scenario.layout_names.push_back("open");
  }
  scenario.layout_dir = args.layout_dir;
  scenario.work_dir =
      args.work_dir.empty() ? std::filesystem::path(args.out) / "work" : std::filesystem::path(args.work_dir);
  LlmFlags flags = args.llm;
  flags.spec = agent_model_spec(flags.spec);
  scenario.agent.sampling.temperature = args.temperature.value_or(0.7);
  if (is_micro_agent(flags.spec)) use_micro_agent_prompt(flags, scenario.agent, args.temperature);
  eval::validate(args.config);
  // Layout files are read before the model loads, so a typo fails fast.
  const auto layouts = eval::load_scenario_layouts(scenario);
  const auto converter = install_nl_converter(args.converter, flags, layouts, scenario);

  auto llm = flags.open();
  StagedProgress progress("audit ", !args.quiet);
  const auto results =
      eval::run_audit(args.config, *llm, [&](const eval::Progress& p) { progress.update(p.stage, p.done, p.total); });
  progress.finish();
  eval::write_audit(results, args.out);
  std::cout << eval::audit_summary(results) << "\n";
  std::cout << "wrote " << (std::filesystem::path(args.out) / "results.json").string()
            << ", report.md and kl_map.svg\n";
  if (args.llm.verbose) print_usage(*llm);
}

}  // namespace

void register_audit(CLI::App& app) {
  auto args = std::make_shared<AuditArgs>();
  auto* cmd = app.add_subcommand("audit",
                                 "Audit an unlearned GridWorld agent: membership inference, environment "
                                 "reconstruction and KL divergence to a never-exposed agent. Without "
                                 "--llm: the committed micro agent model (models/micro-agent.gguf)");
  args->llm.add_to(*cmd, /*spec_required=*/false);
  auto& c = args->config;
  cmd->add_option("--scenario", args->scenario, "What is forgotten: state|trajectory|environment (default state)");
  cmd->add_option("--method", c.scenario.method, "Unlearning method: nl|code|example|hard")->required();
  cmd->add_option("--converter", args->converter, kConverterFlagHelp);
  cmd->add_option("--pairs", c.pairs, "Probe start/goal pairs per target (default 10)");
  cmd->add_option("--runs", c.runs, "Runs per probe pair and per exploration task (default 10)");
  cmd->add_option("--seed", c.scenario.seed, "Seed of targets, tasks and sampling");
  cmd->add_option("--targets", c.scenario.targets, "Targets forgotten at once (default 1)");
  cmd->add_option("--layouts", args->layouts,
                  "Comma-separated layout ids (in --layout-dir) or layout files (default house; house,open for "
                  "the environment scenario)");
  cmd->add_option("--layout-dir", args->layout_dir, "Directory of layout files (default data/gridworld)");
  cmd->add_option("--episodes", c.scenario.episodes, "Learning rounds of the original agent (default 2)");
  cmd->add_option("--step-limit", c.scenario.agent.world.step_limit,
                  "Steps per episode before it ends unsuccessfully (0: 4 x (width + height))");
  cmd->add_option("--temperature", args->temperature,
                  "Agent sampling temperature (default 0.7, 1 for the micro agent; probes need > 0)");
  cmd->add_option("--alpha", c.alpha, "Significance level of the adversary (default 0.05)");
  cmd->add_option("--exploration", c.exploration, "Exploration tasks per layout for reconstruction (default 6)");
  cmd->add_option("--kl-points", c.kl_points, "Probe states per target for the KL (0: all; default 24)");
  cmd->add_option("--kl-samples", c.kl_samples,
                  "Sampled actions per probe state when the backend gives no probabilities (default 10)");
  cmd->add_option("--memory", c.scenario.memory_kind, "Memory store: json|sqlite (default json)");
  cmd->add_option("--work-dir", args->work_dir, "Where memory files go (default OUT/work)");
  cmd->add_option("--out", args->out, "Directory for results.json, report.md and kl_map.svg")->required();
  cmd->add_flag("--quiet,-q", args->quiet, "No progress bar");
  cmd->callback([args] { run(*args); });
}

}  // namespace lethe::cli
