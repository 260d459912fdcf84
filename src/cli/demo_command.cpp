// `lethe demo`: the main job a newcomer runs — the agent-unlearning story on one GridWorld layout. An LLM agent
// learns the layout into its memory; a person asks it to forget a place; the hard method erases what memory holds
// about it and removes the moves into it; the demo shows that the place is avoided, that the other tasks still
// run, how a reference agent that never saw the place behaves, and where the heatmaps are; then the same request
// with the NL method (the conversion model writes the prompt, nothing filters the moves), and a small audit.
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "converter_model.hpp"
#include "lethe/eval/audit.hpp"
#include "lethe/eval/gridworld_bench.hpp"
#include "lethe/eval/micro_agent.hpp"
#include "llm_flags.hpp"
#include "micro_agent_model.hpp"
#include "progress_bar.hpp"

namespace lethe::cli {

namespace {

constexpr const char* kFixtureModel = "../shared/models/stories260Ktok512.gguf";
constexpr int kFixtureStepLimit = 24;

struct DemoArgs {
  LlmFlags llm;
  std::string out = "lethe-demo";
  std::string layout_dir = "data/gridworld";
  std::uint64_t seed = 1;
  bool quiet = false;
};

// --llm (or $LETHE_LLM) when given; else $LETHE_DEMO_MODEL (a GGUF file); else the committed micro agent model;
// else the fixture.
std::string demo_model_spec(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* model = std::getenv("LETHE_DEMO_MODEL"); model != nullptr && *model != '\0') {
    if (!std::filesystem::exists(model)) {
      throw std::runtime_error(std::string("LETHE_DEMO_MODEL names ") + model + ", which does not exist");
    }
    return std::string("gguf:") + model;
  }
  if (std::filesystem::exists(kMicroAgentModel)) return micro_agent_spec();
  if (std::filesystem::exists(kFixtureModel)) return std::string("gguf:") + kFixtureModel;
  throw std::runtime_error(std::string("no model given, and neither ") + kMicroAgentModel + " nor the fixture " +
                           kFixtureModel + " is here; pass --llm SPEC, or set LETHE_LLM or LETHE_DEMO_MODEL");
}

// The micro agent's prompt set-up, on the kind of layout it was trained on.
void use_micro_agent_setup(LlmFlags& flags, eval::ScenarioConfig& config) {
  const auto data = eval::default_micro_agent_config().data;
  use_micro_agent_prompt(flags, config.agent, std::nullopt);
  config.layout_names.clear();
  config.generated_layouts = 1;
  config.generator.width = data.width;
  config.generator.height = data.height;
  config.generator.obstacle_density = data.obstacle_density;
  config.generator.treasures = data.treasures;
}

std::string percent(const nlohmann::json& value) {
  return value.is_number() ? fmt::format("{:.0f}%", 100.0 * value.get<double>()) : std::string("n/a");
}

std::string number(const nlohmann::json& value) {
  return value.is_number() ? fmt::format("{:.1f}", value.get<double>()) : std::string("n/a");
}

// The layout drawn as text, the forgotten cells marked 'X'.
std::string draw(const env::GridLayout& layout, const std::vector<env::Cell>& forgotten) {
  auto rows = env::render_ascii(layout);
  for (const auto& cell : forgotten) rows[static_cast<std::size_t>(cell.y * (layout.width() + 1) + cell.x)] = 'X';
  std::string out;
  std::size_t start = 0;
  while (start < rows.size()) {
    const auto end = rows.find('\n', start);
    std::string row = rows.substr(start, end - start);
    std::string spaced;
    for (const char c : row) spaced += std::string(spaced.empty() ? "" : " ") + c;
    out += "     " + spaced + "\n";
    start = end + 1;
  }
  return out;
}

std::size_t avoided(const nlohmann::json& figures) {
  const auto rate = figures.at("avoidance");
  const auto episodes = figures.at("episodes").get<std::size_t>();
  return rate.is_number() ? static_cast<std::size_t>(std::lround(rate.get<double>() * static_cast<double>(episodes)))
                          : episodes;
}

// The same request with the NL method: the conversion model turns the person's words into the prompt the agent
// reads, the verifier tries it (and adds feedback after a failed attempt), and nothing filters the moves.
void show_nl_method(eval::ScenarioConfig config, const LlmFlags& flags, llm::Llm& model, const DemoArgs& args,
                    const std::vector<env::GridLayout>& layouts, const eval::ProgressCallback& on_progress,
                    StagedProgress& progress) {
  config.method = "nl";
  const auto converter = install_nl_converter(kConverterModel, flags, layouts, config);
  config.work_dir = std::filesystem::path(args.out) / "nl" / "memory";
  const auto result =
      eval::run_gridworld_bench(config, model, flags.spec, std::filesystem::path(args.out) / "nl", on_progress);
  progress.finish();
  const auto& r = result.results;
  const auto& request = r.at("requests")[0];
  const auto& after = r.at("after").at("target");
  std::string prompt;
  for (const auto& line : r.at("unlearning_prompt")) prompt += (prompt.empty() ? "" : " / ") + line.get<std::string>();
  std::cout << "6. The same request, NL method: no move is filtered; the conversion model (" << kConverterModel
            << ", a small\n   model trained here on templated requests) turns the request into the prompt the agent "
               "reads:\n"
            << "   \"" << prompt << "\"\n";
  std::cout << fmt::format(
      "   after unlearning:  {} of {} episodes kept out of X (verified: {}, after {} attempt(s); each failed one adds "
      "the\n   verifier's feedback to the prompt); other tasks: success {}\n   report: {}\n\n",
      avoided(after), after.at("episodes").get<std::size_t>(), request.value("efficacy", false) ? "yes" : "no",
      request.value("attempts_used", 0), percent(r.at("success_after")), result.report_path.string());
}

void run_demo(const DemoArgs& args) {
  LlmFlags flags = args.llm;
  flags.spec = demo_model_spec(flags.spec);
  // The agent's prompts run past the fixture's 512-token training context (see bench gridworld), and past the
  // micro agent's 896 now and then.
  if (flags.options.context == 0) flags.options.context = 2048;
  const bool micro_agent = is_micro_agent(flags.spec);

  eval::ScenarioConfig config;
  config.scenario = unlearn::Scenario::state;
  config.method = "hard";
  config.targets = 1;
  config.layout_dir = args.layout_dir;
  if (std::filesystem::exists(std::filesystem::path(args.layout_dir) / "house.json")) {
    config.layout_names = {"house"};
  } else {
    config.generated_layouts = 1;
    config.generator.width = 6;
    config.generator.height = 6;
  }
  config.episodes = 2;
  config.goto_tasks = 2;
  config.max_unlearning_tasks = 2;
  config.seed = args.seed;
  config.work_dir = std::filesystem::path(args.out) / "memory";
  if (micro_agent) use_micro_agent_setup(flags, config);
  auto model = flags.open();
  const bool fixture = flags.spec.find("stories260K") != std::string::npos;
  if (fixture) {
    // The fixture wanders: shorter episodes and fewer tasks keep the demo to about a minute.
    config.agent.world.step_limit = kFixtureStepLimit;
    config.goto_tasks = 1;
    config.max_unlearning_tasks = 1;
  }

  std::cout << "Lethe demo: an LLM agent learns a grid world, is asked to forget a place, and forgets it.\n\n";
  std::cout << "Model: " << model->describe() << "\n";
  if (micro_agent) {
    std::cout << "  This is Lethe's micro agent model: a 0.4M-parameter policy trained here (lethe train micro-agent)\n"
                 "  on expert demonstrations in the GridWorld agent's prompt format, for offline experiments. It is\n"
                 "  not a general LLM, and a weak agent (see the README for its measured accuracy). The layout is a\n"
                 "  freshly generated 6x6 world like those it trained on.\n";
  }
  if (fixture) {
    std::cout << "  This is the test fixture, a 260K-parameter TinyStories base model: it is NOT a trained agent and\n"
                 "  picks moves almost at random. Success rates and step counts below show the machinery, not the\n"
                 "  quality of an agent. What holds for any model is the hard method's guarantee: the forgotten\n"
                 "  place is never entered. Set LETHE_DEMO_MODEL=/path/model.gguf to use a trained agent model.\n"
              << fmt::format("  (With the fixture, episodes stop after {} moves.)\n", kFixtureStepLimit);
  }
  std::cout << "\n";

  const auto layouts = eval::load_scenario_layouts(config);
  const auto requests = eval::choose_requests(config, layouts);
  const auto& layout = layouts.front();
  std::vector<env::Cell> forgotten;
  for (const auto& state : requests.front().states) forgotten.push_back(env::cell_from_state_id(layout, state));

  StagedProgress progress("demo: ", !args.quiet);
  const auto on_progress = [&](const eval::Progress& p) { progress.update(p.stage, p.done, p.total); };
  const auto result = eval::run_gridworld_bench(config, *model, flags.spec, args.out, on_progress);
  progress.finish();
  const auto& r = result.results;

  std::cout << fmt::format(
      "1. The world: layout '{}' ({}x{}); S start, T treasure, # obstacle, X the place to forget.\n", layout.id(),
      layout.width(), layout.height());
  std::cout << draw(layout, forgotten) << "\n";

  std::cout << fmt::format(
      "2. Learning: {} episodes ({} rounds over each task: collect the treasures, and routes between places).\n"
      "   Memory now holds {} entries: routes taken, walls and treasures seen, reflections after failures.\n"
      "   On the routes that cross X the agent took {} steps on average; on the other tasks it succeeded {} of the "
      "time.\n\n",
      r.at("memory").at("learning_episodes").get<std::size_t>(), config.episodes,
      r.at("memory").at("learned_entries").get<std::size_t>(), number(r.at("steps_before")),
      percent(r.at("success_before")));

  const auto& request = r.at("requests")[0];
  std::cout << "3. The request: \"" << request.at("request").value("text", "") << "\"\n";
  std::cout << fmt::format(
      "   Hard unlearning: {} memory entries derived from {} erased (with a signed receipt), and every move into\n"
      "   it removed from the agent's choices before the model is asked.\n\n",
      request.at("entries_erased").get<std::size_t>(), request.value("target", ""));

  const auto& before = r.at("before").at("target");
  const auto& after = r.at("after").at("target");
  const auto& reference = r.at("reference").at("target");
  std::cout << "4. After unlearning, on the tasks whose direct route crosses X:\n";
  std::cout << fmt::format("   before unlearning: {} of {} episodes kept out of X\n", avoided(before),
                           before.at("episodes").get<std::size_t>());
  std::cout << fmt::format(
      "   after unlearning:  {} of {} episodes kept out of X (verified: {}, at the first attempt: "
      "{})\n",
      avoided(after), after.at("episodes").get<std::size_t>(), request.value("efficacy", false) ? "yes" : "no",
      request.value("unlearn_at_1", false) ? "yes" : "no");
  std::cout << fmt::format(
      "   reference agent that never saw X: {} of {} (it has no rule against X; it just never "
      "learned a route through it)\n",
      avoided(reference), reference.at("episodes").get<std::size_t>());
  std::cout << fmt::format("   other tasks: success {} before, {} after ({} for the reference); steps {} -> {}\n\n",
                           percent(r.at("success_before")), percent(r.at("success_after")),
                           percent(r.at("reference").at("success")), number(r.at("before").at("remaining").at("steps")),
                           number(r.at("after").at("remaining").at("steps")));

  std::cout << "5. Where the agent went (visitation heatmaps, X outlined in blue):\n";
  for (const auto& path : result.heatmaps) std::cout << "   " << path.string() << "\n";
  std::cout << "   full report: " << result.report_path.string() << ", figures: " << result.results_path.string()
            << "\n\n";

  if (micro_agent && std::filesystem::exists(kConverterModel)) {
    show_nl_method(config, flags, *model, args, layouts, on_progress, progress);
  } else {
    std::cout << "6. The NL method (request -> conversion model -> prompt): skipped; it needs the micro agent and its\n"
                 "   converter (models/converter.gguf), which writes the prompt format that agent reads.\n\n";
  }

  // A small audit (few probes, so its statistical power is low; `lethe audit` runs the full one). Sampling at a
  // temperature above 0 so that repeated runs of a probe differ.
  eval::AuditConfig audit;
  audit.scenario = config;
  audit.scenario.work_dir = std::filesystem::path(args.out) / "audit-memory";
  audit.scenario.agent.sampling.temperature = 0.7;
  audit.pairs = 2;
  audit.runs = 3;
  audit.exploration = 2;
  audit.kl_points = 6;
  const auto audited = eval::run_audit(audit, *model, on_progress);
  progress.finish();
  const auto audit_dir = std::filesystem::path(args.out) / "audit";
  eval::write_audit(audited, audit_dir);
  std::cout << "7. Audit: can an observer tell from the agent's behaviour that X was forgotten?\n   "
            << eval::audit_summary(audited) << "\n   details: " << (audit_dir / "report.md").string() << "\n\n";

  std::cout << "LLM usage: " << r.at("usage").dump() << "\n";
}

}  // namespace

void register_demo(CLI::App& app) {
  auto args = std::make_shared<DemoArgs>();
  auto* cmd = app.add_subcommand(
      "demo",
      "The agent-unlearning story on one GridWorld layout: learn, forget a place (hard method), show it is avoided "
      "while other tasks still run, write heatmaps; then the same request through the conversion model (NL method, "
      "with the micro agent and models/converter.gguf), and a small audit. Model: --llm, else $LETHE_DEMO_MODEL "
      "(GGUF), else the project's "
      "micro agent (models/micro-agent.gguf), else the fixture");
  args->llm.add_to(*cmd, /*spec_required=*/false);
  cmd->add_option("--out", args->out, "Directory for the report, results.json and heatmaps")->capture_default_str();
  cmd->add_option("--layout-dir", args->layout_dir, "Folder of named layouts (uses house.json)")
      ->envname("LETHE_GRIDWORLD_LAYOUTS")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of the target, the tasks and sampling")->capture_default_str();
  cmd->add_flag("--quiet,-q", args->quiet, "No progress bar");
  cmd->callback([args] { run_demo(*args); });
}

}  // namespace lethe::cli
