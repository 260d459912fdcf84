#include "lethe/eval/alu_scale_bench.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <stdexcept>

#include "lethe/alu/target_index.hpp"
#include "lethe/eval/alu_datasets.hpp"
#include "lethe/eval/synthetic_names.hpp"

namespace lethe::eval {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxCount = 10'000'000;
constexpr const char* kQueryAuthor = "Basil Mahfouz Al-Kuwaiti";

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(rank, values.size() - 1)];
}

double mean(const std::vector<double>& values) {
  if (values.empty()) return 0.0;
  double sum = 0.0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

struct TokensPerTarget {
  double tokens = 0.0;
  std::string method;
};

std::int64_t prompt_tokens_of(llm::Llm& llm, const std::string& text) {
  llm::ChatRequest request;
  request.messages = {{llm::Role::User, "Targets:\n" + text}};
  request.sampling.max_tokens = 1;
  return llm.complete(request).prompt_tokens;
}

// The mean prompt tokens one "- name" line adds, by the backend's own count; 4 bytes per token when it cannot say.
TokensPerTarget tokens_per_target(llm::Llm& llm, const std::vector<alu::Target>& sample) {
  std::size_t bytes = 0;
  for (const auto& t : sample) bytes += t.name.size() + 3;
  const double fallback = sample.empty() ? 0.0 : static_cast<double>(bytes) / 4.0 / static_cast<double>(sample.size());
  if (sample.empty()) return {fallback, "estimate: 4 bytes per token"};
  try {
    const std::int64_t empty = prompt_tokens_of(llm, "");
    std::int64_t total = 0;
    constexpr std::size_t kChunk = 10;  // short prompts: fit small contexts
    for (std::size_t first = 0; first < sample.size(); first += kChunk) {
      std::string list;
      for (std::size_t i = first; i < std::min(first + kChunk, sample.size()); ++i)
        list += "- " + sample[i].name + "\n";
      total += prompt_tokens_of(llm, list) - empty;
    }
    if (total > 0) {
      return {static_cast<double>(total) / static_cast<double>(sample.size()),
              fmt::format("estimate: backend tokenizer on {} sampled target names", sample.size())};
    }
  } catch (const std::exception&) {
    // Fall back to the byte estimate below.
  }
  return {fallback, "estimate: 4 bytes per token (the backend reported no prompt tokens)"};
}

}  // namespace

std::vector<std::size_t> parse_target_counts(const std::string& list) {
  std::vector<std::size_t> counts;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = std::min(list.find(',', start), list.size());
    std::string item = list.substr(start, comma - start);
    const auto first = item.find_first_not_of(' ');
    item = first == std::string::npos ? "" : item.substr(first, item.find_last_not_of(' ') - first + 1);
    const bool digits = !item.empty() && item.size() <= 8 &&
                        std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoull(item) == 0 || std::stoull(item) > kMaxCount) {
      throw std::invalid_argument(
          fmt::format("bad target count '{}' in --targets '{}' (expected positive integers up to {}, comma-separated)",
                      item, list, kMaxCount));
    }
    counts.push_back(static_cast<std::size_t>(std::stoull(item)));
    start = comma + 1;
  }
  return counts;
}

AluBenchOutcome run_alu_scale_bench(llm::Llm& llm, const AluScaleConfig& config, const AluBenchProgress& progress) {
  if (config.target_counts.empty()) throw std::invalid_argument("no target counts given");
  if (config.queries == 0) throw std::invalid_argument("the number of queries must be at least 1");
  const auto start = Clock::now();
  const auto tofu_dir = config.data_dir / "tofu";

  // TOFU authors, the query author first so that every count includes them.
  auto authors = load_name_list(config.data_dir / "wpu" / "causal_unlearn_tofu_author.txt");
  std::stable_partition(authors.begin(), authors.end(), [](const std::string& a) { return a == kQueryAuthor; });
  std::vector<alu::Target> tofu_targets;
  for (const auto& a : authors) tofu_targets.push_back(alu::Target{a, a, {}, std::nullopt});

  const auto forget = load_tofu_qa(tofu_dir / "forget10.json", "forget10");
  // Questions that name the author themselves come first: their cost must not depend on how the index resolves an
  // indirect reference ("the author born in Kuwait City"), which the answer alone would leave to it.
  std::vector<std::string> questions;
  for (const bool named_in_question : {true, false}) {
    for (const auto& row : forget) {
      const bool in_question = row.question.find(kQueryAuthor) != std::string::npos;
      const bool in_answer = row.answer.find(kQueryAuthor) != std::string::npos;
      if (questions.size() < config.queries && (named_in_question ? in_question : (in_answer && !in_question))) {
        questions.push_back(row.question);
      }
    }
  }
  if (questions.empty()) throw DatasetError(tofu_dir.string() + "/forget10.json: no question about " + kQueryAuthor);

  // Texts for the index-only timing: question-and-answer rows and name-free questions.
  std::vector<std::string> selection_texts;
  std::vector<std::string> name_free;
  for (const auto& item : load_tofu_choices(tofu_dir / "world_facts.json", "world_facts"))
    name_free.push_back(item.question);
  for (std::size_t i = 0; i < config.selection_texts; ++i) {
    selection_texts.push_back(i % 2 == 0 ? forget[(i / 2) % forget.size()].question + "\n" +
                                               forget[(i / 2) % forget.size()].answer
                                         : name_free[(i / 2) % name_free.size()]);
  }

  const std::size_t max_count = *std::max_element(config.target_counts.begin(), config.target_counts.end());
  const std::size_t synthetic_needed = max_count > tofu_targets.size() ? max_count - tofu_targets.size() : 0;
  SyntheticNames names(config.seed);
  std::vector<alu::Target> synthetic;
  synthetic.reserve(synthetic_needed);
  for (std::size_t i = 0; i < synthetic_needed; ++i) synthetic.push_back(names.next(i));

  // One target line's tokens, on a sample spread over the largest index (names as the published prompt lists them).
  std::vector<alu::Target> sample;
  {
    std::vector<alu::Target> all = tofu_targets;
    std::mt19937_64 rng(config.seed);
    for (std::size_t i = 0; i < config.token_sample && !synthetic.empty(); ++i) {
      all.push_back(synthetic[rng() % synthetic.size()]);
    }
    sample.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), config.token_sample)));
  }
  const TokensPerTarget per_target = tokens_per_target(llm, sample);

  const std::size_t total_steps = config.target_counts.size() * (questions.size() + 1);
  std::size_t steps = 0;
  json rows = json::array();
  for (const std::size_t count : config.target_counts) {
    const std::size_t tofu_count = std::min(count, tofu_targets.size());
    std::vector<alu::Target> targets(tofu_targets.begin(),
                                     tofu_targets.begin() + static_cast<std::ptrdiff_t>(tofu_count));
    targets.insert(targets.end(), synthetic.begin(),
                   synthetic.begin() + static_cast<std::ptrdiff_t>(count - tofu_count));
    const std::size_t rss_before = resident_bytes();
    alu::TargetIndex index;
    const auto build_start = Clock::now();
    index.add(std::move(targets));
    const double build_seconds = seconds_since(build_start);
    const std::size_t rss_after = resident_bytes();
    const auto stats = index.stats();

    std::vector<double> select_us;
    for (const auto& text : selection_texts) {
      const auto t0 = Clock::now();
      (void)index.select(text, config.pipeline.max_targets_in_prompt);
      select_us.push_back(seconds_since(t0) * 1e6);
    }
    if (progress) progress(++steps, total_steps, fmt::format("{} targets: index built", count));

    const alu::Pipeline pipeline(llm, index, config.pipeline);
    std::vector<double> latency, prompt_tokens, calls, completion_tokens;
    std::size_t pass_throughs = 0, refusals = 0;
    for (const auto& question : questions) {
      const auto result = pipeline.ask(question);
      latency.push_back(result.latency_ms);
      prompt_tokens.push_back(static_cast<double>(result.prompt_tokens));
      completion_tokens.push_back(static_cast<double>(result.completion_tokens));
      calls.push_back(static_cast<double>(result.llm_calls));
      pass_throughs += result.passed_through;
      refusals += result.refused;
      if (progress)
        progress(++steps, total_steps, fmt::format("{} targets: {:.0f} prompt tok/q", count, mean(prompt_tokens)));
    }
    const double published = mean(prompt_tokens) + 3.0 * static_cast<double>(count) * per_target.tokens;
    rows.push_back({{"targets", count},
                    {"tofu_targets", tofu_count},
                    {"synthetic_targets", count - tofu_count},
                    {"index",
                     {{"build_seconds", build_seconds},
                      {"memory_estimate_bytes", stats.memory_bytes},
                      {"rss_growth_bytes", rss_after - std::min(rss_after, rss_before)},
                      {"select_p50_us", percentile(select_us, 0.5)},
                      {"select_p99_us", percentile(select_us, 0.99)},
                      {"select_max_us", percentile(select_us, 1.0)},
                      {"select_samples", select_us.size()}}},
                    {"queries", questions.size()},
                    {"latency_ms",
                     {{"mean", mean(latency)}, {"p50", percentile(latency, 0.5)}, {"p99", percentile(latency, 0.99)}}},
                    {"prompt_tokens_mean", mean(prompt_tokens)},
                    {"completion_tokens_mean", mean(completion_tokens)},
                    {"llm_calls_mean", mean(calls)},
                    {"pass_through_rate", static_cast<double>(pass_throughs) / static_cast<double>(questions.size())},
                    {"refusal_rate", static_cast<double>(refusals) / static_cast<double>(questions.size())},
                    {"published_design_prompt_tokens_estimate", published}});
  }

  double min_tokens = 0, max_tokens = 0;
  for (const auto& row : rows) {
    const double t = row["prompt_tokens_mean"].get<double>();
    min_tokens = (&row == &rows.front()) ? t : std::min(min_tokens, t);
    max_tokens = (&row == &rows.front()) ? t : std::max(max_tokens, t);
  }
  json results = {{"benchmark", "alu_scale"},
                  {"llm", llm.describe()},
                  {"config",
                   {
                       {"target_counts", config.target_counts},
                       {"queries", questions.size()},
                       {"selection_texts", config.selection_texts},
                       {"seed", config.seed},
                       {"query_author", kQueryAuthor},
                       {"pipeline",
                        {{"k", config.pipeline.k},
                         {"j", config.pipeline.j},
                         {"threshold", config.pipeline.threshold},
                         {"max_targets_in_prompt", config.pipeline.max_targets_in_prompt}}},
#ifdef NDEBUG
                       {"build", "release"},
#else
                       {"build", "debug"},
#endif
                   }},
                  {"published_design",
                   {{"description",
                     "ALU's published code pastes every target into the audit, critic and composer "
                     "prompts: our prompt tokens + 3 x targets x tokens_per_target"},
                    {"tokens_per_target", per_target.tokens},
                    {"method", per_target.method}}},
                  {"prompt_tokens_max_over_min", min_tokens > 0 ? max_tokens / min_tokens : 0.0},
                  {"goals",
                   {{"prompt_tokens", "flat in the number of targets"},
                    {"select_p99_us_at_1e6", 1000},
                    {"memory_bytes_at_1e6", 1000000000}}},
                  {"rows", rows},
                  {"usage", llm.usage().snapshot().to_json()},
                  {"wall_seconds", seconds_since(start)}};

  std::string md = "# ALU scale benchmark\n\n";
  md +=
      fmt::format("- LLM: `{}`\n- queries per count: {} (TOFU forget10 questions about {})\n- wall time: {:.1f} s\n\n",
                  llm.describe(), questions.size(), kQueryAuthor, results["wall_seconds"].get<double>());
  md +=
      "| targets | build s | index MB | select p99 µs | latency ms/q | prompt tok/q | LLM calls/q | pass-through | "
      "published design prompt tok/q (estimate) |\n|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& row : rows) {
    md += fmt::format("| {} | {:.2f} | {:.1f} | {:.0f} | {:.1f} | {:.0f} | {:.2f} | {:.0f}% | {:.0f} |\n",
                      row["targets"].get<std::size_t>(), row["index"]["build_seconds"].get<double>(),
                      static_cast<double>(row["index"]["memory_estimate_bytes"].get<std::size_t>()) / 1e6,
                      row["index"]["select_p99_us"].get<double>(), row["latency_ms"]["mean"].get<double>(),
                      row["prompt_tokens_mean"].get<double>(), row["llm_calls_mean"].get<double>(),
                      100.0 * row["pass_through_rate"].get<double>(),
                      row["published_design_prompt_tokens_estimate"].get<double>());
  }
  md += fmt::format(
      "\nThe last column is an ESTIMATE, not a measurement: the prompt tokens ALU's published design would need, "
      "which pastes every target into three prompts (our measured tokens + 3 × targets × {:.2f} tokens per target; "
      "{}).\nPrompt tokens max/min over the counts: {:.2f} (goal: flat).\n",
      per_target.tokens, per_target.method, results["prompt_tokens_max_over_min"].get<double>());
  md += "\nFigures measure the model given by --llm; a tiny test fixture's figures say nothing about quality.\n";
  return {std::move(results), std::move(md)};
}

}  // namespace lethe::eval
