#include "lethe/eval/converter_eval.hpp"

#include <fmt/format.h>

#include <chrono>
#include <fstream>

#include "lethe/eval/converter_setup.hpp"
#include "lethe/unlearn/request_generator.hpp"
#include "lethe/unlearn/verifier.hpp"

namespace lethe::eval {
namespace {

constexpr int kRemainingEpisodeBase = 3'000'000;

double success_rate(const std::vector<agent::EpisodeResult>& episodes) {
  if (episodes.empty()) return 1.0;
  double reached = 0;
  for (const auto& episode : episodes) reached += episode.success ? 1.0 : 0.0;
  return reached / static_cast<double>(episodes.size());
}

struct RequestRun {
  bool efficacy = false;
  bool unlearn_at_1 = false;
  int attempts = 0;
  double remaining = 0;
  double baseline = 0;
  std::size_t empty = 0;
  std::size_t naming = 0;  // candidates that name every target (unlearn::names_targets)
  std::vector<std::string> candidates;
};

RequestRun run_request(llm::Llm& agent_model, const ConverterVariant& variant, const unlearn::GeneratedRequest& request,
                       const env::GridLayout& layout, const ConverterEvalOptions& options, std::size_t index) {
  ScratchMemory memory;
  agent::GridAgent agent(agent_model, memory, options.agent);
  auto judge = options.judge;
  judge.seed = options.seed + index;
  seed_request_memory(agent, memory, request, layout, judge);
  for (const auto& target : request.targets) memory.erase(target.erasure_target());

  RequestRun run;
  if (variant.converter == nullptr) {
    run.candidates = {request.text};
  } else {
    const unlearn::Converter converter(*variant.converter, options.converter);
    run.candidates = converter.candidates(request.text, layout, variant.k, options.seed * 1'000'003 + index * 101);
  }
  for (const auto& candidate : run.candidates) {
    run.empty += candidate.empty() ? 1 : 0;
    run.naming += unlearn::names_targets(candidate, request.targets) ? 1 : 0;
  }

  const auto remaining = unlearn::remaining_tasks(request.targets, layout, judge.remaining_tasks, judge.seed);
  agent.clear_unlearning();
  run.baseline = success_rate(agent.run_episodes(layout, remaining, kRemainingEpisodeBase));

  std::vector<std::string> feedback;
  std::vector<std::string> lines;
  unlearn::Verifier verifier(agent, memory, unlearn::VerifierOptions{1, judge.unlearning_tasks});
  for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
    const auto& candidate = run.candidates[static_cast<std::size_t>(attempt - 1) % run.candidates.size()];
    lines.clear();
    if (!candidate.empty()) lines.push_back(candidate);
    lines.insert(lines.end(), feedback.begin(), feedback.end());
    bool success = true;
    std::vector<std::string> new_feedback;
    for (const auto& target : request.targets) {
      const auto verification = verifier.verify(target, layout, unlearn::Constraints{lines, {}});
      if (verification.efficacy) continue;
      success = false;
      const auto& violations = verification.attempts.front().violations;
      if (!violations.empty()) new_feedback.push_back(unlearn::feedback_line(target, violations.front(), attempt));
    }
    run.attempts = attempt;
    if (success) {
      run.efficacy = true;
      run.unlearn_at_1 = attempt == 1;
      break;
    }
    feedback.insert(feedback.end(), new_feedback.begin(), new_feedback.end());
  }
  agent.set_constraints(lines);
  run.remaining = success_rate(agent.run_episodes(layout, remaining, kRemainingEpisodeBase));
  return run;
}

std::string percent(double value) { return fmt::format("{:.1f}%", 100.0 * value); }

}  // namespace

nlohmann::json ConverterEvalResults::to_json() const {
  nlohmann::json variants_json = nlohmann::json::array();
  for (const auto& v : variants) {
    variants_json.push_back({{"name", v.name},
                             {"k", v.k},
                             {"converter", v.converter},
                             {"requests", v.requests},
                             {"efficacy", v.efficacy},
                             {"unlearn_at_1", v.unlearn_at_1},
                             {"mean_attempts", v.mean_attempts},
                             {"remaining_success", v.remaining_success},
                             {"baseline_remaining_success", v.baseline_remaining},
                             {"empty_candidates", v.empty_candidates},
                             {"naming_candidates", v.naming_candidates},
                             {"per_request", v.per_request}});
  }
  return {{"benchmark", "converter"}, {"agent", agent},           {"config", config}, {"note", note},
          {"seconds", seconds},       {"variants", variants_json}};
}

std::string ConverterEvalResults::markdown() const {
  std::string text = "# Conversion model ablation (held-out requests)\n\n";
  text += "Agent: `" + agent + "`\n\n";
  if (!note.empty()) text += "**Note:** " + note + "\n\n";
  text += fmt::format("Requests: {} held-out, up to {} attempts each; {:.1f} s.\n\n",
                      variants.empty() ? 0 : variants.front().requests, config.value("max_attempts", 0), seconds);
  text +=
      "| variant | K | efficacy | Unlearn@1 | mean attempts | remaining success | unconstrained remaining | "
      "empty candidates | candidates naming the targets |\n|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& v : variants) {
    text += fmt::format("| {} | {} | {} | {} | {:.2f} | {} | {} | {} | {} |\n", v.name, v.k, percent(v.efficacy),
                        percent(v.unlearn_at_1), v.mean_attempts, percent(v.remaining_success),
                        percent(v.baseline_remaining), percent(v.empty_candidates), percent(v.naming_candidates));
  }
  text +=
      "\nEfficacy: some attempt left every target untouched on its unlearning tasks; Unlearn@1: the first did. "
      "Attempt a uses candidate (a-1) mod K plus the verifier's feedback on earlier failures. Remaining success: "
      "goto tasks whose route uses no target, with the final prompt installed. Naming the targets: the candidate "
      "names each target's map and cells, as the right instruction must.\n";
  return text;
}

ConverterEvalResults evaluate_converters(llm::Llm& agent_model, const std::vector<ConverterVariant>& variants,
                                         const std::vector<env::GridLayout>& layouts,
                                         const ConverterEvalOptions& options, const ConverterEvalProgress& progress) {
  if (variants.empty()) throw unlearn::Error("nothing to evaluate: no converter variant");
  if (options.requests == 0) throw unlearn::Error("the evaluation needs at least one request");
  if (options.max_attempts < 1) throw unlearn::Error("max_attempts must be at least 1");
  for (const auto& variant : variants) {
    if (variant.k == 0) throw unlearn::Error("variant '" + variant.name + "': k must be at least 1");
  }
  const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  const unlearn::RequestGenerator generator(layouts, unlearn::RequestGeneratorOptions{options.seed});
  const auto requests = generator.requests(unlearn::TemplateSplit::held_out, options.requests);

  ConverterEvalResults results;
  results.agent = agent_model.describe();
  results.note = options.note;
  results.config = {{"requests", options.requests},
                    {"seed", options.seed},
                    {"max_attempts", options.max_attempts},
                    {"unlearning_tasks_per_target", options.judge.unlearning_tasks},
                    {"remaining_tasks", options.judge.remaining_tasks},
                    {"layouts", nlohmann::json::array()},
                    {"held_out_templates", generator.template_ids(unlearn::TemplateSplit::held_out)},
                    {"agent_temperature", options.agent.sampling.temperature},
                    {"agent_view_radius", options.agent.world.view_radius},
                    {"converter_sampling",
                     {{"temperature", options.converter.sampling.temperature},
                      {"top_p", options.converter.sampling.top_p},
                      {"max_tokens", options.converter.sampling.max_tokens}}}};
  for (const auto& layout : layouts) results.config["layouts"].push_back(layout.id());

  const std::size_t total = variants.size() * requests.size();
  std::size_t done = 0;
  for (const auto& variant : variants) {
    VariantResult result;
    result.name = variant.name;
    result.k = variant.converter == nullptr ? 1 : variant.k;
    result.converter = variant.converter == nullptr ? "none" : variant.converter->describe();
    result.requests = requests.size();
    std::size_t candidates = 0;
    double empty = 0;
    double naming = 0;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      const auto& request = requests[i];
      const auto run = run_request(agent_model, variant, request, generator.layout_of(request), options, i);
      result.efficacy += run.efficacy ? 1 : 0;
      result.unlearn_at_1 += run.unlearn_at_1 ? 1 : 0;
      result.mean_attempts += run.attempts;
      result.remaining_success += run.remaining;
      result.baseline_remaining += run.baseline;
      candidates += run.candidates.size();
      empty += static_cast<double>(run.empty);
      naming += static_cast<double>(run.naming);
      result.per_request.push_back({{"request", request.text},
                                    {"template", request.template_id},
                                    {"targets", nlohmann::json::array()},
                                    {"candidates", run.candidates},
                                    {"efficacy", run.efficacy},
                                    {"unlearn_at_1", run.unlearn_at_1},
                                    {"attempts", run.attempts},
                                    {"remaining_success", run.remaining},
                                    {"baseline_remaining_success", run.baseline}});
      for (const auto& target : request.targets) result.per_request.back()["targets"].push_back(target.describe());
      ++done;
      if (progress) progress(done, total, variant.name + " k=" + std::to_string(result.k));
    }
    const auto n = static_cast<double>(requests.size());
    result.efficacy /= n;
    result.unlearn_at_1 /= n;
    result.mean_attempts /= n;
    result.remaining_success /= n;
    result.baseline_remaining /= n;
    result.empty_candidates = candidates == 0 ? 0 : empty / static_cast<double>(candidates);
    result.naming_candidates = candidates == 0 ? 0 : naming / static_cast<double>(candidates);
    results.variants.push_back(std::move(result));
  }
  const std::chrono::steady_clock::time_point finished = std::chrono::steady_clock::now();
  results.seconds = std::chrono::duration<double>(finished - started).count();
  return results;
}

void write_converter_eval(const ConverterEvalResults& results, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const auto write = [](const std::filesystem::path& path, const std::string& text) {
    const auto partial = std::filesystem::path(path.string() + ".partial");
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw unlearn::Error("cannot write " + path.string());
    std::filesystem::rename(partial, path);
  };
  write(dir / "results.json", results.to_json().dump(2) + "\n");
  write(dir / "report.md", results.markdown());
}

}  // namespace lethe::eval
