#include "lethe/eval/converter_eval.hpp"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <map>

#include "lethe/eval/confidence.hpp"
#include "lethe/eval/converter_setup.hpp"
#include "lethe/unlearn/verifier.hpp"

namespace lethe::eval {
namespace {

constexpr int kRemainingEpisodeBase = 3'000'000;
constexpr int kAvoidanceEpisodeBase = 4'000'000;

struct EpisodeFigures {
  double success = 1.0;  // no tasks: nothing failed
  double steps = 0.0;
};

EpisodeFigures figures_of(const std::vector<agent::EpisodeResult>& episodes) {
  if (episodes.empty()) return {};
  EpisodeFigures figures{0.0, 0.0};
  for (const auto& episode : episodes) {
    figures.success += episode.success ? 1.0 : 0.0;
    figures.steps += episode.steps;
  }
  figures.success /= static_cast<double>(episodes.size());
  figures.steps /= static_cast<double>(episodes.size());
  return figures;
}

struct RequestRun {
  bool efficacy = false;
  bool unlearn_at_1 = false;
  int attempts = 0;
  EpisodeFigures before;
  EpisodeFigures after;
  std::size_t avoided = 0;  // runs of the unlearning tasks, with the final prompt, that touched no target
  std::size_t avoidance_runs = 0;
  std::size_t empty = 0;
  std::size_t naming = 0;  // candidates that name every target (unlearn::names_targets)
  std::vector<std::string> candidates;
};

// The variant's constraints for the request: a method's lines and filter; for NL, no lines (the candidates are).
unlearn::Constraints method_constraints(const ConverterVariant& variant, const unlearn::GeneratedRequest& request,
                                        const env::GridLayout& layout, agent::PromptFormat format) {
  if (variant.method == "nl") return {};
  const auto method = unlearn::make_method(variant.method, {}, format);
  std::vector<unlearn::Constraints> parts;
  for (const auto& target : request.targets) parts.push_back(method->constraints(target, layout));
  return unlearn::merge(std::move(parts));
}

RequestRun run_request(llm::Llm& agent_model, const ConverterVariant& variant, const unlearn::GeneratedRequest& request,
                       const env::GridLayout& layout, const ConverterEvalOptions& options, std::size_t index) {
  const auto format = options.agent.prompt_format;
  ScratchMemory memory;
  agent::GridAgent agent(agent_model, memory, options.agent);
  auto judge = options.judge;
  judge.seed = options.seed + index;
  seed_request_memory(agent, memory, request, layout, judge);
  for (const auto& target : request.targets) memory.erase(target.erasure_target());

  RequestRun run;
  const auto method = method_constraints(variant, request, layout, format);
  if (variant.method != "nl") {
    std::string joined;
    for (const auto& line : method.prompt_lines) joined += (joined.empty() ? "" : "\n") + line;
    run.candidates = {joined};
  } else if (variant.converter == nullptr) {
    run.candidates = {request.text};
  } else {
    auto converter_options = options.converter;
    converter_options.format = format;
    const unlearn::Converter converter(*variant.converter, converter_options);
    run.candidates = converter.candidates(request.text, layout, variant.k, options.seed * 1'000'003 + index * 101);
  }
  for (const auto& candidate : run.candidates) {
    run.empty += candidate.empty() ? 1 : 0;
    run.naming += unlearn::names_targets(candidate, request.targets, format) ? 1 : 0;
  }

  const auto remaining = unlearn::remaining_tasks(request.targets, layout, judge.remaining_tasks, judge.seed);
  agent.clear_unlearning();
  run.before = figures_of(agent.run_episodes(layout, remaining, kRemainingEpisodeBase));

  std::vector<std::string> feedback;
  std::vector<std::string> lines;
  unlearn::Verifier verifier(agent, memory, unlearn::VerifierOptions{1, judge.unlearning_tasks});
  for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
    lines = method.prompt_lines;
    if (variant.method == "nl") {
      const auto& candidate = run.candidates[static_cast<std::size_t>(attempt - 1) % run.candidates.size()];
      if (!candidate.empty()) lines.push_back(candidate);
    }
    lines.insert(lines.end(), feedback.begin(), feedback.end());
    bool success = true;
    std::vector<std::string> new_feedback;
    for (const auto& target : request.targets) {
      const auto verification = verifier.verify(target, layout, unlearn::Constraints{lines, method.filter});
      if (verification.efficacy) continue;
      success = false;
      const auto& violations = verification.attempts.front().violations;
      if (!violations.empty()) {
        new_feedback.push_back(unlearn::feedback_line(target, violations.front(), attempt, format));
      }
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
  agent.set_action_filter(method.filter);
  run.after = figures_of(agent.run_episodes(layout, remaining, kRemainingEpisodeBase));
  for (std::size_t t = 0; t < request.targets.size(); ++t) {
    const auto& target = request.targets[t];
    std::vector<env::Task> tasks;
    for (const auto& task : unlearn::unlearning_tasks(target, layout, judge.unlearning_tasks)) {
      for (int r = 0; r < options.avoidance_runs; ++r) tasks.push_back(task);
    }
    const auto episodes = agent.run_episodes(layout, tasks, kAvoidanceEpisodeBase + static_cast<int>(t) * 10'000);
    for (const auto& episode : episodes) run.avoided += unlearn::find_violations(target, episode).empty() ? 1 : 0;
    run.avoidance_runs += episodes.size();
  }
  return run;
}

// The figures of a set of requests, each with its 95% interval.
nlohmann::json figures_json(const std::vector<const RequestRun*>& runs) {
  std::size_t efficacy = 0, at_1 = 0, avoided = 0, avoidance_runs = 0, candidates = 0;
  double empty = 0, naming = 0;
  std::vector<double> before, after, steps_before, steps_after, attempts;
  for (const auto* run : runs) {
    efficacy += run->efficacy ? 1 : 0;
    at_1 += run->unlearn_at_1 ? 1 : 0;
    avoided += run->avoided;
    avoidance_runs += run->avoidance_runs;
    before.push_back(run->before.success);
    after.push_back(run->after.success);
    steps_before.push_back(run->before.steps);
    steps_after.push_back(run->after.steps);
    attempts.push_back(run->attempts);
    candidates += run->candidates.size();
    empty += static_cast<double>(run->empty);
    naming += static_cast<double>(run->naming);
  }
  nlohmann::json json{{"requests", runs.size()}};
  const auto put = [&json](const std::string& key, const Estimate& estimate) {
    json[key] = estimate.value;
    json[key + "_ci"] = {estimate.low, estimate.high};
  };
  put("unlearn_efficacy", wilson_interval(efficacy, runs.size()));
  put("unlearn_at_1", wilson_interval(at_1, runs.size()));
  put("avoidance_rate", wilson_interval(avoided, avoidance_runs));
  put("success_before", mean_interval(before, true));
  put("success_after", mean_interval(after, true));
  put("steps_before", mean_interval(steps_before));
  put("steps_after", mean_interval(steps_after));
  json["mean_attempts"] = mean_interval(attempts).value;
  json["avoidance_runs"] = avoidance_runs;
  json["empty_candidates"] = candidates == 0 ? 0.0 : empty / static_cast<double>(candidates);
  json["naming_candidates"] = candidates == 0 ? 0.0 : naming / static_cast<double>(candidates);
  return json;
}

std::string percent_with_interval(const nlohmann::json& figures, const std::string& key) {
  const auto& ci = figures.at(key + "_ci");
  return fmt::format("{:.0f}% [{:.0f}, {:.0f}]", 100.0 * figures.at(key).get<double>(), 100.0 * ci[0].get<double>(),
                     100.0 * ci[1].get<double>());
}

}  // namespace

std::vector<unlearn::GeneratedRequest> held_out_requests(const unlearn::RequestGenerator& generator,
                                                         const std::vector<unlearn::RequestKind>& kinds,
                                                         std::size_t per_kind) {
  std::map<unlearn::RequestKind, std::size_t> found;
  std::vector<unlearn::GeneratedRequest> out;
  const std::size_t wanted = kinds.size() * per_kind;
  const std::size_t limit = 200 * wanted + 1000;
  for (std::size_t index = 0; out.size() < wanted && index < limit; ++index) {
    auto request = generator.generate(unlearn::TemplateSplit::held_out, index);
    if (std::find(kinds.begin(), kinds.end(), request.kind) == kinds.end()) continue;
    if (found[request.kind] >= per_kind) continue;
    ++found[request.kind];
    out.push_back(std::move(request));
  }
  if (out.size() < wanted) {
    throw unlearn::Error(fmt::format("the request generator gave only {} of {} held-out requests of the kinds asked",
                                     out.size(), wanted));
  }
  return out;
}

nlohmann::json ConverterEvalResults::to_json() const {
  nlohmann::json variants_json = nlohmann::json::object();
  for (const auto& v : variants) {
    auto json = v.overall;
    json["method"] = v.method;
    json["k"] = v.k;
    json["converter"] = v.converter;
    json["by_kind"] = v.by_kind;
    json["per_request"] = v.per_request;
    variants_json[v.name] = std::move(json);
  }
  return {{"benchmark", "converter"}, {"agent", agent},           {"config", config}, {"note", note},
          {"seconds", seconds},       {"variants", variants_json}};
}

std::string ConverterEvalResults::markdown() const {
  std::string text = "# Conversion model ablation (held-out requests)\n\n";
  text += "Agent: `" + agent + "`\n\n";
  if (!note.empty()) text += "**Note:** " + note + "\n\n";
  text += fmt::format("Requests: {} held-out per kind, up to {} attempts each, {} runs of each unlearning task for "
                      "the avoidance rate; {:.1f} s. 95% intervals in brackets.\n",
                      config.value("requests_per_kind", 0), config.value("max_attempts", 0),
                      config.value("avoidance_runs", 0), seconds);
  std::vector<std::string> kinds{"all"};
  if (!variants.empty()) {
    for (const auto& [kind, figures] : variants.front().by_kind.items()) kinds.push_back(kind);
  }
  for (const auto& kind : kinds) {
    text += fmt::format(
        "\n## {}\n\n| variant | efficacy | Unlearn@1 | avoidance rate | success after | success before | steps after "
        "| mean attempts | candidates naming the targets |\n|---|---|---|---|---|---|---|---|---|\n",
        kind == "all" ? std::string("All requests") : "Requests to forget a " + kind);
    for (const auto& v : variants) {
      const auto& f = kind == "all" ? v.overall : v.by_kind.at(kind);
      text += fmt::format("| {} | {} | {} | {} | {} | {} | {:.1f} | {:.2f} | {:.0f}% |\n", v.name,
                          percent_with_interval(f, "unlearn_efficacy"), percent_with_interval(f, "unlearn_at_1"),
                          percent_with_interval(f, "avoidance_rate"), percent_with_interval(f, "success_after"),
                          percent_with_interval(f, "success_before"), f.at("steps_after").get<double>(),
                          f.at("mean_attempts").get<double>(), 100.0 * f.at("naming_candidates").get<double>());
    }
  }
  text +=
      "\nEfficacy: some attempt left every target untouched on its unlearning tasks; Unlearn@1: the first did. "
      "Attempt a uses the variant's prompt (a converter's candidate (a-1) mod K) plus the verifier's feedback on "
      "earlier failures. Avoidance rate: runs of the unlearning tasks with the final prompt that touch no target. "
      "Success after / before: goto tasks whose route uses no target, with the final prompt / with none. Naming the "
      "targets: the prompt names each target's cells (and map), as the right instruction must.\n";
  return text;
}

ConverterEvalResults evaluate_converters(llm::Llm& agent_model, const std::vector<ConverterVariant>& variants,
                                         const std::vector<env::GridLayout>& layouts,
                                         const ConverterEvalOptions& options, const ConverterEvalProgress& progress) {
  if (variants.empty()) throw unlearn::Error("nothing to evaluate: no converter variant");
  if (options.requests == 0) throw unlearn::Error("the evaluation needs at least one request");
  if (options.kinds.empty()) throw unlearn::Error("the evaluation needs at least one request kind");
  if (options.max_attempts < 1) throw unlearn::Error("max_attempts must be at least 1");
  if (options.avoidance_runs < 1) throw unlearn::Error("avoidance_runs must be at least 1");
  for (const auto& variant : variants) {
    if (variant.k == 0) throw unlearn::Error("variant '" + variant.name + "': k must be at least 1");
    if (variant.method != "nl") unlearn::make_method(variant.method);  // throws for an unknown method
  }
  const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  const unlearn::RequestGenerator generator(layouts, unlearn::RequestGeneratorOptions{options.seed});
  const auto requests = held_out_requests(generator, options.kinds, options.requests);

  ConverterEvalResults results;
  results.agent = agent_model.describe();
  results.note = options.note;
  results.config = {{"requests_per_kind", options.requests},
                    {"kinds", nlohmann::json::array()},
                    {"seed", options.seed},
                    {"max_attempts", options.max_attempts},
                    {"avoidance_runs", options.avoidance_runs},
                    {"unlearning_tasks_per_target", options.judge.unlearning_tasks},
                    {"remaining_tasks", options.judge.remaining_tasks},
                    {"layouts", nlohmann::json::array()},
                    {"held_out_templates", generator.template_ids(unlearn::TemplateSplit::held_out)},
                    {"agent_temperature", options.agent.sampling.temperature},
                    {"agent_prompt_format", agent::to_string(options.agent.prompt_format)},
                    {"agent_view_radius", options.agent.world.view_radius},
                    {"converter_sampling",
                     {{"temperature", options.converter.sampling.temperature},
                      {"top_p", options.converter.sampling.top_p},
                      {"max_tokens", options.converter.sampling.max_tokens}}}};
  for (const auto kind : options.kinds) results.config["kinds"].push_back(unlearn::to_string(kind));
  for (const auto& layout : layouts) results.config["layouts"].push_back(layout.id());

  const std::size_t total = variants.size() * requests.size();
  std::size_t done = 0;
  for (const auto& variant : variants) {
    VariantResult result;
    result.name = variant.name;
    result.method = variant.method;
    result.k = variant.method == "nl" && variant.converter != nullptr ? variant.k : 1;
    result.converter = variant.converter == nullptr ? "none" : variant.converter->describe();
    std::vector<RequestRun> runs;
    runs.reserve(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
      const auto& request = requests[i];
      const auto& run = runs.emplace_back(run_request(agent_model, variant, request, generator.layout_of(request),
                                                      options, i));
      result.per_request.push_back({{"request", request.text},
                                    {"template", request.template_id},
                                    {"kind", unlearn::to_string(request.kind)},
                                    {"targets", nlohmann::json::array()},
                                    {"candidates", run.candidates},
                                    {"efficacy", run.efficacy},
                                    {"unlearn_at_1", run.unlearn_at_1},
                                    {"attempts", run.attempts},
                                    {"avoided_runs", run.avoided},
                                    {"avoidance_runs", run.avoidance_runs},
                                    {"success_after", run.after.success},
                                    {"success_before", run.before.success},
                                    {"steps_after", run.after.steps}});
      for (const auto& target : request.targets) result.per_request.back()["targets"].push_back(target.describe());
      ++done;
      if (progress) progress(done, total, variant.name);
    }
    std::vector<const RequestRun*> all;
    std::map<std::string, std::vector<const RequestRun*>> by_kind;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      all.push_back(&runs[i]);
      by_kind[unlearn::to_string(requests[i].kind)].push_back(&runs[i]);
    }
    result.overall = figures_json(all);
    for (const auto& [kind, kind_runs] : by_kind) result.by_kind[kind] = figures_json(kind_runs);
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
