// ALU target index benchmark (issue 4, "Target index"). For indexes of 10^3 … 10^6 synthetic targets (names built
// from syllables, with middle names, particles, hyphenated surnames and aliases) plus the real TOFU and WPU names:
//   build time, resident memory (/proc/self/statm) and the index's own estimate,
//   selection time p50 / p99 / max over question-and-answer texts (TOFU forget10 rows, questions naming synthetic
//   targets under masking, and name-free questions from TOFU world facts and real authors),
//   recall and precision on the real TOFU / WPU names under masking (full, lower case, surname only, initials,
//   one typo, Cyrillic spelling), and how often a name-free question selects something,
//   single-target add / remove latency against the full index, and the background fold of the delta into a new
//   base (its duration, and the add latency while it runs).
// Goals: p99 < 1 ms and memory < 1 GB at 10^6 targets, recall >= 0.99. Prints a table, writes JSON. Usage:
//   lethe_alu_index_bench [--sizes 1000,10000,100000,1000000] [--queries N] [--seed N] [--out FILE]
#include <fmt/format.h>
#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lethe/alu/target_index.hpp"
#include "lethe/attack/name_masking.hpp"
#include "lethe/eval/synthetic_names.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using lethe::alu::Match;
using lethe::alu::Target;
using lethe::alu::TargetIndex;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// The process's peak resident memory so far (VmHWM), in bytes.
std::size_t peak_resident_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  }
  return 0;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(rank, values.size() - 1)];
}

std::filesystem::path shared(const std::string& relative) { return std::filesystem::path(LETHE_SHARED_DIR) / relative; }

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return nlohmann::json::parse(in);
}

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// ---- real names and texts -------------------------------------------------------------------------------------

struct RealData {
  std::vector<std::string> tofu_authors;  // the 20 forget10 authors
  std::vector<std::string> wpu_people;    // the 100 WPU forget people
  std::vector<std::string> wpu_fictitious;
  std::vector<std::string> forget10_rows;  // question + answer, each naming or referring to an author
  std::vector<std::string> name_free;      // TOFU world-facts and real-author questions: no target named
};

RealData load_real_data() {
  RealData data;
  data.tofu_authors = read_lines(shared("data/wpu/causal_unlearn_tofu_author.txt"));
  // Keys are the people; the values (replacement names) are not used.
  const auto people = read_json(shared("data/wpu/causal_unlearn_replace_name_forget_100.json"));
  for (const auto& [name, fakes] : people.items()) data.wpu_people.push_back(name);
  const auto fictitious = read_json(shared("data/wpu/causal_unlearn_replace_name_fictitious_20.json"));
  for (const auto& [name, fakes] : fictitious.items()) data.wpu_fictitious.push_back(name);
  for (const auto& row : read_json(shared("data/tofu/forget10.json"))) {
    data.forget10_rows.push_back(row.at("prompt").get<std::string>() + "\n" + row.at("response").get<std::string>());
  }
  for (const char* file : {"data/tofu/world_facts.json", "data/tofu/real_authors.json"}) {
    for (const auto& row : read_json(shared(file))) data.name_free.push_back(row.at("question").get<std::string>());
  }
  return data;
}

// ---- masking (forms from the attack module) ---------------------------------------------------------------------

using lethe::attack::ascii_lower;
using lethe::attack::cyrillic_form;
using lethe::attack::initials_form;
using lethe::attack::misspelling;
using lethe::attack::name_core_words;
using lethe::attack::surname_of;

struct Variant {
  std::string kind;
  std::string text;
};

std::vector<Variant> masked_variants(const std::string& name, std::mt19937_64& rng) {
  std::vector<Variant> out = {{"full", name}, {"lower", ascii_lower(name)}};
  if (name_core_words(name).size() >= 2) {
    out.push_back({"surname", surname_of(name)});
    out.push_back({"initials", initials_form(name)});
  }
  if (auto t = misspelling(name, rng); !t.empty()) out.push_back({"typo", t});
  if (auto c = cyrillic_form(name); !c.empty()) out.push_back({"cyrillic", c});
  return out;
}

// Two maskings at once (a misspelt surname alone): reported on its own, outside the headline recall.
std::vector<Variant> stress_variants(const std::string& name, std::mt19937_64& rng) {
  std::vector<Variant> out;
  if (name_core_words(name).size() < 2) return out;
  if (auto t = misspelling(surname_of(name), rng); !t.empty()) out.push_back({"surname_typo", t});
  if (auto c = cyrillic_form(surname_of(name)); !c.empty()) out.push_back({"surname_cyrillic", c});
  return out;
}

const std::vector<std::string> kQuestionTemplates = {
    "What is the full name of the author often called {}?",
    "Which genre is {} best known for, and how did the upbringing shape the writing?",
    "Can you tell me about the occupations of {}'s parents?",
    "Has {} received any awards for the books they wrote?",
    "In which city was {} born, and what was the first novel?",
};

std::string question_about(const std::string& name, std::mt19937_64& rng) {
  return fmt::format(fmt::runtime(kQuestionTemplates[rng() % kQuestionTemplates.size()]), name);
}

// ---- synthetic names: lethe::eval::SyntheticNames (shared with `lethe bench alu-scale`) -----------------------

// ---- measurements -------------------------------------------------------------------------------------------------

struct Quality {
  std::map<std::string, std::pair<std::size_t, std::size_t>> stress;  // found, total: not in the figures below
  std::size_t queries = 0;
  std::size_t found = 0;
  std::size_t top1 = 0;
  std::size_t returned = 0;
  std::size_t relevant_returned = 0;
  std::map<std::string, std::pair<std::size_t, std::size_t>> by_variant;  // found, total
  std::vector<std::string> misses;
  std::vector<std::string> extra;  // queries that selected other targets too, with what they selected
};

nlohmann::json quality_json(const Quality& q) {
  nlohmann::json by_variant = nlohmann::json::object();
  for (const auto& [kind, counts] : q.by_variant) {
    by_variant[kind] = {{"recall", static_cast<double>(counts.first) / static_cast<double>(counts.second)},
                        {"queries", counts.second}};
  }
  nlohmann::json stress = nlohmann::json::object();
  for (const auto& [kind, counts] : q.stress) {
    stress[kind] = {{"recall", static_cast<double>(counts.first) / static_cast<double>(counts.second)},
                    {"queries", counts.second}};
  }
  return {{"queries", q.queries},
          {"stress_variants", stress},
          {"recall", q.queries ? static_cast<double>(q.found) / static_cast<double>(q.queries) : 0.0},
          {"top1", q.queries ? static_cast<double>(q.top1) / static_cast<double>(q.queries) : 0.0},
          {"precision", q.returned ? static_cast<double>(q.relevant_returned) / static_cast<double>(q.returned) : 0.0},
          {"mean_selected", q.queries ? static_cast<double>(q.returned) / static_cast<double>(q.queries) : 0.0},
          {"by_variant", by_variant},
          {"misses", q.misses},
          {"other_selections", q.extra}};
}

constexpr std::size_t kMaxResults = 8;

Quality measure_quality(const TargetIndex& index, const RealData& data, std::uint64_t seed) {
  Quality q;
  std::mt19937_64 rng(seed);
  std::vector<std::string> names = data.tofu_authors;
  names.insert(names.end(), data.wpu_people.begin(), data.wpu_people.end());
  for (const auto& name : names) {
    for (const auto& variant : masked_variants(name, rng)) {
      auto matches = index.select(question_about(variant.text, rng), kMaxResults);
      bool found = std::any_of(matches.begin(), matches.end(), [&](const Match& m) { return m.target_id == name; });
      ++q.queries;
      q.found += found;
      q.top1 += !matches.empty() && matches[0].target_id == name;
      q.returned += matches.size();
      q.relevant_returned += found;
      auto& counts = q.by_variant[variant.kind];
      counts.first += found;
      ++counts.second;
      if (!found && q.misses.size() < 40) q.misses.push_back(variant.kind + ": " + variant.text);
      if (matches.size() > (found ? 1U : 0U) && q.extra.size() < 20) {
        std::string example = variant.kind + ": " + name + " ->";
        for (const auto& m : matches) {
          if (m.target_id != name)
            example += fmt::format(" [{} '{}' {}]", m.target_name, m.matched_text, lethe::alu::to_string(m.kind));
        }
        q.extra.push_back(example);
      }
    }
    for (const auto& variant : stress_variants(name, rng)) {
      auto matches = index.select(question_about(variant.text, rng), kMaxResults);
      auto& counts = q.stress[variant.kind];
      counts.first += std::any_of(matches.begin(), matches.end(), [&](const Match& m) { return m.target_id == name; });
      ++counts.second;
    }
  }
  return q;
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Timing {
  std::vector<double> micros;      // wall time per selection
  std::vector<double> cpu_micros;  // this thread's CPU time per selection: what a loaded machine does not inflate
  std::size_t texts_with_hits = 0;
  std::vector<std::string> examples;           // the first texts that selected something, with what they selected
  std::map<std::string, std::size_t> by_kind;  // selected targets by match kind
};

Timing time_selection(const TargetIndex& index, const std::vector<std::string>& texts) {
  for (std::size_t i = 0; i < std::min<std::size_t>(texts.size(), 200); ++i) index.select(texts[i], kMaxResults);
  Timing t;
  for (const auto& text : texts) {
    auto start = Clock::now();
    auto cpu_start = thread_cpu_seconds();
    auto matches = index.select(text, kMaxResults);
    t.cpu_micros.push_back((thread_cpu_seconds() - cpu_start) * 1e6);
    t.micros.push_back(seconds_since(start) * 1e6);
    t.texts_with_hits += !matches.empty();
    for (const auto& m : matches) ++t.by_kind[std::string(lethe::alu::to_string(m.kind))];
    if (!matches.empty() && t.examples.size() < 12) {
      std::string example = text.substr(0, 120) + " ->";
      for (const auto& m : matches) {
        example +=
            fmt::format(" [{} '{}' {} {:.2f}]", m.target_name, m.matched_text, lethe::alu::to_string(m.kind), m.score);
      }
      t.examples.push_back(example);
    }
  }
  return t;
}

nlohmann::json timing_json(const Timing& t) {
  double sum = 0;
  for (double v : t.micros) sum += v;
  return {{"samples", t.micros.size()},
          {"p50_us", percentile(t.micros, 0.50)},
          {"p99_us", percentile(t.micros, 0.99)},
          {"max_us", percentile(t.micros, 1.0)},
          {"mean_us", t.micros.empty() ? 0.0 : sum / static_cast<double>(t.micros.size())},
          {"cpu_p50_us", percentile(t.cpu_micros, 0.50)},
          {"cpu_p99_us", percentile(t.cpu_micros, 0.99)},
          {"cpu_max_us", percentile(t.cpu_micros, 1.0)},
          {"texts_with_hits", t.texts_with_hits},
          {"selected_by_kind", t.by_kind},
          {"examples", t.examples}};
}

std::vector<std::size_t> parse_sizes(const std::string& list) {
  std::vector<std::size_t> sizes;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) sizes.push_back(std::stoul(item));
  return sizes;
}

}  // namespace

int main(int argc, char** argv) try {
  std::vector<std::size_t> sizes = {1000, 10000, 100000, 1000000};
  std::size_t query_count = 3000;
  std::uint64_t seed = 42;
  std::filesystem::path out = "bench-results/alu_index.json";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value after " + arg);
      return argv[++i];
    };
    if (arg == "--sizes") {
      sizes = parse_sizes(value());
    } else if (arg == "--queries") {
      query_count = std::stoul(value());
    } else if (arg == "--seed") {
      seed = std::stoull(value());
    } else if (arg == "--out") {
      out = value();
    } else {
      throw std::runtime_error(
          "unknown argument " + arg +
          " (usage: lethe_alu_index_bench [--sizes N,N,...] [--queries N] [--seed N] [--out FILE])");
    }
  }

  const RealData data = load_real_data();
  std::vector<Target> real_targets;
  for (const auto* list : {&data.tofu_authors, &data.wpu_people, &data.wpu_fictitious}) {
    for (const auto& name : *list) real_targets.push_back(Target{name, name, {}, std::nullopt});
  }

  nlohmann::json results = nlohmann::json::array();
  fmt::print("{:>9} {:>8} {:>8} {:>9} {:>7} {:>7} {:>7} {:>8} {:>7} {:>7} {:>9} {:>8} {:>8}\n", "targets", "build_s",
             "rss_MB", "index_MB", "p50_us", "p99_us", "max_us", "cpu_p99", "recall", "top1", "precision", "neg_hit",
             "add_us");
  for (std::size_t size : sizes) {
    malloc_trim(0);
    const std::size_t rss_before = resident_bytes();
    lethe::eval::SyntheticNames generator(seed);
    std::vector<Target> targets;
    targets.reserve(size + real_targets.size());
    for (std::size_t i = 0; i < size; ++i) targets.push_back(generator.next(i));
    std::vector<Target> synthetic_sample(
        targets.begin(), targets.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(size, 5000)));
    targets.insert(targets.end(), real_targets.begin(), real_targets.end());

    auto index = std::make_unique<TargetIndex>();
    auto build_start = Clock::now();
    index->add(std::move(targets));
    const double build_seconds = seconds_since(build_start);
    malloc_trim(0);
    const std::size_t rss_after = resident_bytes();
    const std::size_t peak_after_build = peak_resident_bytes();
    const auto stats = index->stats();

    // Texts: real question+answer rows, masked questions about synthetic targets, name-free questions.
    std::mt19937_64 rng(seed + size);
    std::vector<std::string> texts;
    for (std::size_t i = 0; i < query_count / 3; ++i)
      texts.push_back(data.forget10_rows[i % data.forget10_rows.size()]);
    for (std::size_t i = 0; i < query_count / 3; ++i) {
      const auto& target = synthetic_sample[rng() % synthetic_sample.size()];
      auto variants = masked_variants(target.name, rng);
      texts.push_back(question_about(variants[rng() % variants.size()].text, rng));
    }
    for (std::size_t i = 0; i < query_count - 2 * (query_count / 3); ++i)
      texts.push_back(data.name_free[i % data.name_free.size()]);
    std::shuffle(texts.begin(), texts.end(), rng);
    const Timing timing = time_selection(*index, texts);
    const Timing negatives = time_selection(*index, data.name_free);
    const Quality quality = measure_quality(*index, data, seed);

    // Churn against the full index: single adds and removes (delta part), then the fold into a new base.
    std::vector<double> add_micros, remove_micros;
    for (int i = 0; i < 200; ++i) {
      Target t{"churn-" + std::to_string(i),
               "Churnname" + std::to_string(i) + " Churnsurname" + std::to_string(i),
               {},
               std::nullopt};
      auto start = Clock::now();
      index->add(std::move(t));
      add_micros.push_back(seconds_since(start) * 1e6);
    }
    for (int i = 0; i < 200; ++i) {
      auto start = Clock::now();
      index->remove("churn-" + std::to_string(i));
      remove_micros.push_back(seconds_since(start) * 1e6);
    }

    // Passing the delta limit starts a fold of the whole index in the background: adds go on meanwhile.
    const std::size_t delta_limit = lethe::alu::IndexOptions{}.delta_limit;
    std::vector<double> adds_during_fold;
    Clock::time_point fold_start{};
    for (std::size_t i = 0; i <= delta_limit + 16; ++i) {
      Target t{"fold-" + std::to_string(i),
               "Foldname" + std::to_string(i) + " Foldsurname" + std::to_string(i),
               {},
               std::nullopt};
      auto start = Clock::now();
      index->add(std::move(t));
      if (i >= delta_limit) {
        adds_during_fold.push_back(seconds_since(start) * 1e6);
        if (i == delta_limit) fold_start = Clock::now();
      }
    }
    index->wait_for_fold();
    const double fold_seconds = seconds_since(fold_start);
    const std::size_t peak_after_fold = peak_resident_bytes();

    const double recall = static_cast<double>(quality.found) / static_cast<double>(quality.queries);
    const double top1 = static_cast<double>(quality.top1) / static_cast<double>(quality.queries);
    const double precision = static_cast<double>(quality.relevant_returned) /
                             static_cast<double>(std::max<std::size_t>(quality.returned, 1));
    const double negative_hits =
        static_cast<double>(negatives.texts_with_hits) / static_cast<double>(data.name_free.size());
    fmt::print(
        "{:>9} {:>8.2f} {:>8.1f} {:>9.1f} {:>7.1f} {:>7.1f} {:>7.1f} {:>8.1f} {:>7.3f} {:>7.3f} {:>9.3f} {:>8.3f} "
        "{:>8.1f}\n",
        stats.targets, build_seconds, static_cast<double>(rss_after - std::min(rss_after, rss_before)) / 1e6,
        static_cast<double>(stats.memory_bytes) / 1e6, percentile(timing.micros, 0.5), percentile(timing.micros, 0.99),
        percentile(timing.micros, 1.0), percentile(timing.cpu_micros, 0.99), recall, top1, precision, negative_hits,
        percentile(add_micros, 0.5));
    std::fflush(stdout);

    results.push_back(
        {{"targets", size + real_targets.size()},
         {"synthetic_targets", size},
         {"real_targets", real_targets.size()},
         {"build_seconds", build_seconds},
         {"rss_bytes", rss_after},
         {"rss_growth_bytes", rss_after - std::min(rss_after, rss_before)},
         {"index_estimate_bytes", stats.memory_bytes},
         {"patterns", stats.patterns},
         {"automaton_states", stats.automaton_states},
         {"dictionary_words", stats.dictionary_words},
         {"selection", timing_json(timing)},
         {"selection_name_free", timing_json(negatives)},
         {"name_free_hit_rate", negative_hits},
         {"masked_real_names", quality_json(quality)},
         {"add_us", {{"p50", percentile(add_micros, 0.5)}, {"p99", percentile(add_micros, 0.99)}}},
         {"remove_us", {{"p50", percentile(remove_micros, 0.5)}, {"p99", percentile(remove_micros, 0.99)}}},
         {"background_fold_seconds", fold_seconds},
         {"process_peak_rss_bytes_after_build", peak_after_build},
         {"process_peak_rss_bytes_after_fold", peak_after_fold},
         {"add_us_during_fold", {{"max", percentile(adds_during_fold, 1.0)}, {"samples", adds_during_fold.size()}}}});
    index.reset();
  }

  nlohmann::json report = {{"benchmark", "alu_index"},
                           {"config",
                            {
                                {"sizes", sizes},
                                {"queries", query_count},
                                {"seed", seed},
                                {"max_results", kMaxResults},
                                {"hardware_threads", std::thread::hardware_concurrency()},
#ifdef NDEBUG
                                {"build", "release"},
#else
                                {"build", "debug"},
#endif
                            }},
                           {"goals", {{"p99_us_at_1e6", 1000}, {"memory_bytes_at_1e6", 1000000000}, {"recall", 0.99}}},
                           {"results", results}};
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
  std::ofstream(out) << report.dump(2) << "\n";
  fmt::print("wrote {}\n", out.string());
  return 0;
} catch (const std::exception& e) {
  std::cerr << "lethe_alu_index_bench: " << e.what() << "\n";
  return 1;
}
