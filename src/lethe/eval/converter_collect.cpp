#include "lethe/eval/converter_collect.hpp"

#include <fstream>

#include "lethe/eval/converter_setup.hpp"
#include "lethe/unlearn/request_generator.hpp"

namespace lethe::eval {

nlohmann::json CollectSummary::to_json() const {
  return {{"requests", requests},
          {"candidates", candidates},
          {"successful_candidates", successful_candidates},
          {"naming_candidates", naming_candidates},
          {"requests_with_pairs", requests_with_pairs},
          {"pairs", pairs}};
}

CollectSummary collect_preference_pairs(llm::Llm& agent_model, llm::Llm& converter_model,
                                        const std::vector<env::GridLayout>& layouts, const CollectOptions& options,
                                        const std::filesystem::path& out, const CollectProgress& progress) {
  if (options.requests == 0) throw unlearn::Error("collect needs at least one request");
  if (options.k == 0) throw unlearn::Error("collect needs at least one candidate per request (k >= 1)");
  const unlearn::RequestGenerator generator(layouts, unlearn::RequestGeneratorOptions{options.seed});
  auto converter_options = options.converter;
  converter_options.candidates = options.k;
  converter_options.format = options.agent.prompt_format;
  const unlearn::Converter converter(converter_model, converter_options);

  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
  const auto partial = std::filesystem::path(out.string() + ".partial");
  std::ofstream file(partial, std::ios::binary | std::ios::trunc);
  if (!file) throw unlearn::Error("cannot write " + partial.string());

  CollectSummary summary;
  for (std::size_t i = 0; i < options.requests; ++i) {
    const auto request = generator.generate(unlearn::TemplateSplit::train, i);
    const auto& layout = generator.layout_of(request);
    const auto candidates = converter.candidates(request.text, layout, options.k, options.seed * 1'000'003 + i * 101);

    ScratchMemory memory;
    agent::GridAgent agent(agent_model, memory, options.agent);
    auto judge_options = options.judge;
    judge_options.seed = options.seed + i;
    seed_request_memory(agent, memory, request, layout, judge_options);
    unlearn::CandidateJudge judge(agent, memory, judge_options);
    const auto outcomes = judge.judge(request.targets, layout, candidates);

    const auto pairs = unlearn::preference_pairs(converter.prompt(request.text, layout), outcomes,
                                                 request.text, request.template_id);
    file << unlearn::to_jsonl(pairs);
    if (!file) throw unlearn::Error("cannot write " + partial.string());
    ++summary.requests;
    summary.candidates += outcomes.size();
    for (const auto& outcome : outcomes) summary.successful_candidates += outcome.success ? 1 : 0;
    for (const auto& candidate : candidates) {
      summary.naming_candidates +=
          unlearn::names_targets(candidate, request.targets, options.agent.prompt_format) ? 1 : 0;
    }
    summary.requests_with_pairs += pairs.empty() ? 0 : 1;
    summary.pairs += pairs.size();
    if (progress) progress(i + 1, summary);
  }
  file.close();
  if (!file) throw unlearn::Error("cannot write " + partial.string());
  std::filesystem::rename(partial, out);
  return summary;
}

}  // namespace lethe::eval
