#include "lethe/eval/micro_agent.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <stdexcept>
#include <tuple>

#include "lethe/agent/erasure.hpp"
#include "lethe/agent/grid_agent.hpp"
#include "lethe/env/grid_world.hpp"
#include "lethe/eval/compact_vocabulary.hpp"
#include "lethe/llm/factory.hpp"
#include "lethe/train/prefix_packing.hpp"
#include "lethe/train/tokenizer.hpp"
#include "lethe/unlearn/methods.hpp"
#include "lethe/util/sha256.hpp"

namespace lethe::eval {
namespace {

constexpr const char* kStoriesVocab = "/work/shared/models/stories260Ktok512.gguf";

std::filesystem::path cache_dir() {
  if (const char* dir = std::getenv("LETHE_CACHE_DIR"); dir != nullptr && *dir != '\0') return dir;
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".cache" / "lethe";
  }
  throw std::runtime_error("cannot place the model cache: set LETHE_CACHE_DIR (no home directory found)");
}

bool compact(const MicroAgentConfig& config) { return config.data.prompt_format == agent::PromptFormat::compact; }

// The vocabulary the recipe names: its own file, else the compact format's (built into the cache), else the fixture's.
std::string vocab_path(const MicroAgentConfig& config) {
  if (!config.vocab_gguf.empty()) return config.vocab_gguf;
  return compact(config) ? compact_vocabulary_gguf(cache_dir() / "models").string() : std::string(kStoriesVocab);
}

std::string vocab_name(const MicroAgentConfig& config) {
  if (!config.vocab_gguf.empty()) return std::filesystem::path(config.vocab_gguf).filename().string();
  return compact(config) ? compact_vocabulary_name() : std::filesystem::path(kStoriesVocab).filename().string();
}

// An agent memory held in a vector: evaluation episodes start from a given set of entries and write nothing.
class VectorMemory final : public agent::Memory {
 public:
  std::string kind() const override { return "vector"; }

 protected:
  void store(const std::vector<agent::MemoryEntry>& entries) override {
    entries_.insert(entries_.end(), entries.begin(), entries.end());
  }
  std::vector<agent::MemoryEntry> load(const std::optional<std::string>& environment) const override {
    std::vector<agent::MemoryEntry> out;
    for (const auto& e : entries_) {
      if (!environment || e.provenance.environment == *environment) out.push_back(e);
    }
    return out;
  }
  std::size_t count() const override { return entries_.size(); }
  std::vector<agent::RemovedEntry> remove_matching(const agent::ErasureTarget& target) override {
    std::vector<agent::RemovedEntry> removed;
    std::erase_if(entries_, [&](const agent::MemoryEntry& e) {
      if (!agent::matches(target, e)) return false;
      removed.push_back({e.id, e.content_hash()});
      return true;
    });
    return removed;
  }

 private:
  std::vector<agent::MemoryEntry> entries_;
};

struct Tally {
  std::size_t n = 0;
  std::size_t success = 0;
  std::size_t violations = 0;
  std::size_t constrained = 0;
  long long steps = 0;

  void add(bool ok, int step_count, std::optional<bool> violated) {
    ++n;
    success += ok ? 1 : 0;
    steps += step_count;
    if (violated) {
      ++constrained;
      violations += *violated ? 1 : 0;
    }
  }
  nlohmann::json json() const {
    nlohmann::json j{{"episodes", n},
                     {"success_rate", n ? static_cast<double>(success) / static_cast<double>(n) : 0.0},
                     {"mean_steps", n ? static_cast<double>(steps) / static_cast<double>(n) : 0.0}};
    if (constrained > 0) {
      j["violation_rate"] = static_cast<double>(violations) / static_cast<double>(constrained);
      j["obedience_rate"] = 1.0 - static_cast<double>(violations) / static_cast<double>(constrained);
    }
    return j;
  }
};

// Every phrasing of the scenario's request: NL variants, code, example.
std::vector<MicroScenario> rephrasings(const MicroScenario& scenario, agent::PromptFormat format) {
  std::vector<MicroScenario> out;
  const auto& request = *scenario.constraint.request;
  const auto add = [&](const std::string& style, std::uint64_t variant) {
    auto copy = scenario;
    std::tie(copy.constraint, copy.constraints) = phrase(request, scenario.layout, style, variant, format);
    out.push_back(std::move(copy));
  };
  for (std::uint64_t v = 0; v < nl_phrasings(request.scenario); ++v) add("nl", v);
  add("code", 0);
  add("example", 0);
  return out;
}

double ratio(std::size_t a, std::size_t b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0; }

// A uniformly random policy on the scenario (a baseline for the success and obedience figures).
std::pair<bool, std::optional<bool>> random_episode(const MicroScenario& scenario, const MicroDataOptions& data,
                                                    std::mt19937_64& rng) {
  env::GridWorldOptions world_options;
  world_options.view_radius = data.view_radius;
  env::GridWorld world(scenario.layout, world_options);
  world.reset(scenario.task);
  bool success = false;
  while (!world.done()) {
    const auto actions = world.admissible_actions();
    success = world.step(actions[rng() % actions.size()]).success;
  }
  std::optional<bool> violated;
  if (scenario.constraint.request && scenario.constraint.request->scenario != unlearn::Scenario::environment) {
    violated = violates(*scenario.constraint.request, world.trajectory().states);
  }
  return {success, violated};
}

struct ChoiceQuestion {
  std::string prompt;
  std::vector<std::string> choices;
  std::string expected;
  std::string kind;  // the scenario kind, for the breakdown
};

std::vector<ChoiceQuestion> action_questions(const std::vector<MicroEpisode>& episodes) {
  std::vector<ChoiceQuestion> questions;
  for (const auto& episode : episodes) {
    for (const auto& step : episode.steps) {
      questions.push_back({step.prompt, env::move_names(), step.action, episode.scenario.kind});
    }
  }
  return questions;
}

// The forbidden-move questions with a one-word answer (none, or the single forbidden move).
std::vector<ChoiceQuestion> forbidden_questions(const std::vector<MicroEpisode>& episodes) {
  auto choices = env::move_names();
  choices.insert(choices.begin(), "none");
  std::vector<ChoiceQuestion> questions;
  for (const auto& episode : episodes) {
    if (!forbids_moves(episode.scenario)) continue;
    for (const auto& step : episode.steps) {
      if (step.forbidden_moves.size() > 1) continue;
      const auto expected = step.forbidden_moves.empty() ? std::string("none") : step.forbidden_moves.front();
      questions.push_back(
          {forbidden_question_record(step).prompt, choices, expected,
           episode.scenario.kind + (step.forbidden_moves.empty() ? ", none forbidden" : ", one forbidden")});
    }
  }
  return questions;
}

}  // namespace

MicroAgentConfig default_micro_agent_config() {
  MicroAgentConfig config;
  config.data.prompt_format = agent::PromptFormat::compact;
  config.data.train_layouts = 2000;
  config.data.drills = 36;
  config.data.reading_drills = 192;
  // Facts only: a remembered route is long and tells a policy nothing it can use; the compact format shows no
  // reflection (free text).
  config.data.limits = {0, 4, 1};
  config.forbidden_questions = true;
  config.model.n_layer = 3;
  config.model.n_embd = 64;
  config.model.n_head = 4;
  config.model.n_head_kv = 4;
  config.model.n_ctx = 896;
  config.model.seed = 1;
  config.examples = 0;  // all of them
  config.batch_size = 64;
  config.learning_rate = 1e-3f;
  config.cosine_decay = true;
  config.prompt_loss_weight = 1.0f;
  return config;
}

MicroAgentConfig tiny_micro_agent_config() {
  MicroAgentConfig config;
  config.data.prompt_format = agent::PromptFormat::compact;
  config.data.train_layouts = 4;
  config.data.heldout_layouts = 2;
  config.data.drills = 1;
  config.data.limits = {0, 4, 0};
  config.model.n_layer = 1;
  config.model.n_embd = 32;
  config.model.n_head = 2;
  config.model.n_head_kv = 2;
  config.model.n_ctx = 128;
  config.examples = 24;
  config.batch_size = 8;
  return config;
}

SftRecordOptions record_options(const MicroAgentConfig& config) {
  return {config.examples, config.decisive_repeats, config.forbidden_questions, config.questions_only};
}

nlohmann::json to_json(const MicroAgentConfig& config) {
  const auto& d = config.data;
  const auto& m = config.model;
  return {
      {"data",
       {{"seed", d.seed},
        {"train_layouts", d.train_layouts},
        {"heldout_layouts", d.heldout_layouts},
        {"width", d.width},
        {"height", d.height},
        {"obstacle_density", d.obstacle_density},
        {"treasures", d.treasures},
        {"view_radius", d.view_radius},
        {"drills", d.drills},
        {"reading_drills", d.reading_drills},
        {"limits", {{"routes", d.limits.routes}, {"facts", d.limits.facts}, {"reflections", d.limits.reflections}}},
        {"prompt_format", agent::to_string(d.prompt_format)}}},
      {"model",
       {{"n_layer", m.n_layer},
        {"n_embd", m.n_embd},
        {"n_head", m.n_head},
        {"n_head_kv", m.n_head_kv},
        {"n_ff", m.n_ff},
        {"n_ctx", m.n_ctx},
        {"rope_freq_base", m.rope_freq_base},
        {"init_std", m.init_std},
        {"seed", m.seed}}},
      {"vocab", vocab_name(config)},
      {"examples", config.examples},
      {"epochs", config.epochs},
      {"batch_size", config.batch_size},
      {"pack_tokens", config.pack_tokens},
      {"learning_rate", config.learning_rate},
      {"cosine_decay", config.cosine_decay},
      {"prompt_loss_weight", config.prompt_loss_weight},
      {"decisive_repeats", config.decisive_repeats},
      {"forbidden_questions", config.forbidden_questions},
      {"questions_only", config.questions_only},
      {"seed", config.seed},
      {"threads", config.threads}};
}

std::string config_hash(const MicroAgentConfig& config) {
  auto json = to_json(config);
  // Recipes from before an option existed (decisive repeats, drills, questions, the probe) keep their hash.
  if (config.decisive_repeats == 1) json.erase("decisive_repeats");
  if (!config.forbidden_questions) json.erase("forbidden_questions");
  if (!config.questions_only) json.erase("questions_only");
  if (config.data.drills == 0) json["data"].erase("drills");
  if (config.data.reading_drills == 0) json["data"].erase("reading_drills");
  if (!compact(config)) json["data"].erase("prompt_format");
  json.erase("threads");
  return util::sha256_hex(json.dump()).substr(0, 16);
}

std::filesystem::path cached_model_path(const MicroAgentConfig& config) {
  return cache_dir() / "models" / ("micro-agent-" + config_hash(config) + ".gguf");
}

MicroTrainResult train_micro_agent(const MicroAgentConfig& config, const std::filesystem::path& out,
                                   const train::ProgressCallback& progress) {
  if (config.data.train_layouts <= 0) throw std::invalid_argument("the recipe needs at least one training layout");
  MicroTrainResult result;
  const auto start = std::chrono::steady_clock::now();
  const auto records = sft_records(micro_episodes(config.data, false), config.seed, record_options(config));
  auto model = train::init_model(config.model, vocab_path(config));
  const train::Tokenizer tokenizer(vocab_path(config));
  auto examples = train::sft_examples(tokenizer, records, model);
  result.examples = examples.size();
  if (config.pack_tokens > 0) examples = train::pack_shared_prefixes(examples, {config.pack_tokens, 16});
  result.data_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const auto& tensor : model.tensors()) result.parameters += tensor.elements();

  train::TrainOptions options;
  options.epochs = config.epochs;
  options.batch_size = config.batch_size;
  options.adamw.learning_rate = config.learning_rate;
  options.prompt_loss_weight = config.prompt_loss_weight;
  if (config.cosine_decay) {
    const auto steps = static_cast<int64_t>((examples.size() + static_cast<size_t>(config.batch_size) - 1) /
                                            static_cast<size_t>(config.batch_size)) *
                       config.epochs;
    options.warmup_steps = std::max<int64_t>(1, steps / 50);
    options.cosine_decay = true;
  }
  options.seed = config.seed;
  options.n_threads = config.threads;
  result.report = train::train_sft(model, examples, options, progress);
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
  model.save(out.string());
  return result;
}

nlohmann::json evaluate_micro_agent(const std::filesystem::path& gguf, const MicroAgentConfig& config,
                                    const MicroEvalOptions& options) {
  llm::Options llm_options;
  llm_options.chat_template = "raw";
  llm_options.use_cache = false;
  llm_options.threads = options.threads;
  // Room for the rare prompt longer than the training context (long example-style constraints with memory).
  llm_options.context = static_cast<int>(std::max<std::int64_t>(config.model.n_ctx, 1) * 2);
  auto llm = llm::open("gguf:" + gguf.string(), llm_options);

  auto data = config.data;
  if (options.layouts > 0 && options.layouts < data.heldout_layouts) data.heldout_layouts = options.layouts;
  const auto report = [&](const std::string& stage, std::size_t done, std::size_t total) {
    if (options.progress) options.progress(stage, done, total);
  };

  // Greedy choice among each question's choices against its expected answer, overall and by scenario kind.
  const auto score = [&](const std::vector<ChoiceQuestion>& questions, const std::string& stage) {
    std::map<std::string, std::pair<std::size_t, std::size_t>> by_kind;  // kind -> (correct, total)
    std::size_t correct = 0;
    const std::size_t chunk = 64;
    for (std::size_t first = 0; first < questions.size(); first += chunk) {
      std::vector<llm::ChatRequest> requests;
      for (std::size_t i = first; i < std::min(questions.size(), first + chunk); ++i) {
        llm::ChatRequest request;
        request.messages = {{llm::Role::User, questions[i].prompt}};
        request.sampling.temperature = 0.0;
        request.choices = questions[i].choices;
        requests.push_back(std::move(request));
      }
      const auto answers = llm->complete_batch(requests);
      for (std::size_t k = 0; k < answers.size(); ++k) {
        const auto& question = questions[first + k];
        const bool ok = answers[k].text == question.expected;
        correct += ok ? 1 : 0;
        auto& slot = by_kind[question.kind];
        slot.first += ok ? 1 : 0;
        slot.second += 1;
      }
      report(stage, std::min(questions.size(), first + chunk), questions.size());
    }
    nlohmann::json j{{"steps", questions.size()}, {"accuracy", ratio(correct, questions.size())}};
    for (const auto& [kind, counts] : by_kind) {
      j["by_kind"][kind] = {{"steps", counts.second}, {"accuracy", ratio(counts.first, counts.second)}};
    }
    return j;
  };
  // 1. Action accuracy against the expert, every step of the held-out demonstrations (and a few training layouts).
  const auto accuracy = [&](const std::vector<MicroEpisode>& episodes, const std::string& stage) {
    return score(action_questions(episodes), stage);
  };
  const auto heldout_episodes = micro_episodes(data, true);
  nlohmann::json result;
  result["model"] = gguf.filename().string();
  result["file_bytes"] = std::filesystem::file_size(gguf);
  result["config"] = to_json(config);
  result["config_hash"] = config_hash(config);
  result["heldout_layouts"] = data.heldout_layouts;
  if (config.questions_only) {  // a probe that never learned to act: only its answers mean anything
    result["forbidden_questions_heldout"] = score(forbidden_questions(heldout_episodes), "forbidden-move questions");
    return result;
  }
  result["action_accuracy_heldout"] = accuracy(heldout_episodes, "accuracy (held-out layouts)");
  {
    auto train_data = data;
    train_data.train_layouts = std::min(data.train_layouts, std::max(1, options.train_sample_layouts));
    result["action_accuracy_train_sample"] = accuracy(micro_episodes(train_data, false), "accuracy (train layouts)");
  }
  if (config.forbidden_questions || data.reading_drills > 0) {
    result["forbidden_questions_heldout"] = score(forbidden_questions(heldout_episodes), "forbidden-move questions");
  }

  // 2. Episodes of the GridAgent driven by the model, and 3. obedience per phrasing.
  agent::AgentOptions agent_options;
  agent_options.sampling.temperature = options.episode_temperature;
  agent_options.sampling.seed = options.episode_seed;
  agent_options.limits = data.limits;
  agent_options.prompt_format = data.prompt_format;
  agent_options.world.view_radius = data.view_radius;

  std::vector<MicroScenario> runs;
  for (const auto& episode : heldout_episodes) {
    if (episode.scenario.constraint.request &&
        episode.scenario.constraint.request->scenario != unlearn::Scenario::environment &&
        !is_drill(episode.scenario)) {
      for (auto& phrased : rephrasings(episode.scenario, data.prompt_format)) runs.push_back(std::move(phrased));
    } else if (episode.scenario.kind != kReadingDrillKind) {  // scored by its question alone
      runs.push_back(episode.scenario);
    }
  }
  std::map<std::string, Tally> by_kind, by_phrasing, random_by_kind;
  Tally seen, held, random_constrained;
  std::map<std::string, Tally> expert_by_kind;
  for (const auto& episode : heldout_episodes) {
    if (is_drill(episode.scenario)) continue;  // only its first step was demonstrated
    std::optional<bool> violated;
    if (episode.scenario.constraint.request &&
        episode.scenario.constraint.request->scenario != unlearn::Scenario::environment) {
      violated = violates(*episode.scenario.constraint.request, episode.states);
    }
    expert_by_kind[episode.scenario.kind].add(episode.success, static_cast<int>(episode.steps.size()), violated);
  }
  std::mt19937_64 rng(options.episode_seed);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& scenario = runs[i];
    VectorMemory memory;
    if (!scenario.memory.empty()) memory.add_all(scenario.memory);
    agent::GridAgent agent(*llm, memory, agent_options);
    agent.set_constraints(scenario.constraints);
    env::GridWorld world(scenario.layout, agent_options.world);
    const auto outcome = agent.run_episode(world, scenario.task, static_cast<int>(i));
    std::optional<bool> violated;
    if (scenario.constraint.request && scenario.constraint.request->scenario != unlearn::Scenario::environment) {
      violated = violates(*scenario.constraint.request, outcome.states);
    }
    by_kind[scenario.kind].add(outcome.success, outcome.steps, violated);
    const auto [random_success, random_violated] = random_episode(scenario, data, rng);
    random_by_kind[scenario.kind].add(random_success, 0, random_violated);
    // Drills keep their one drawn phrasing; the phrasing tallies stay comparable across recipes without them.
    if (violated && scenario.kind != kDrillKind) {
      by_phrasing[scenario.constraint.phrasing].add(outcome.success, outcome.steps, violated);
      (scenario.constraint.held_out_phrasing ? held : seen).add(outcome.success, outcome.steps, violated);
    }
    report("episodes", i + 1, runs.size());
  }
  for (const auto& [kind, tally] : by_kind) result["episodes"]["by_kind"][kind] = tally.json();
  for (const auto& [kind, tally] : expert_by_kind) result["expert"]["by_kind"][kind] = tally.json();
  for (const auto& [kind, tally] : random_by_kind) {
    auto j = tally.json();
    j.erase("mean_steps");
    result["random_policy"]["by_kind"][kind] = j;
  }
  result["episodes"]["temperature"] = options.episode_temperature;
  result["memory"] = {{"collect_without_memory", by_kind["explore"].json()},
                      {"collect_with_memory", by_kind["collect-memory"].json()}};
  result["obedience"] = {{"seen_phrasings", seen.json()}, {"held_out_phrasings", held.json()}};
  for (const auto& [phrasing, tally] : by_phrasing) result["obedience"]["by_phrasing"][phrasing] = tally.json();
  return result;
}

std::string micro_agent_report(const nlohmann::json& e) {
  const auto pct = [](const nlohmann::json& j, const char* key) {
    return j.contains(key) ? fmt::format("{:.1f}%", 100.0 * j.at(key).get<double>()) : std::string("-");
  };
  std::string out = "# Micro agent model: evaluation\n\n";
  out += fmt::format("Model `{}` ({} bytes), config hash `{}`, {} held-out layouts.\n\n",
                     e.at("model").get<std::string>(), e.at("file_bytes").get<std::uintmax_t>(),
                     e.at("config_hash").get<std::string>(), e.at("heldout_layouts").get<int>());
  out +=
      "A small policy trained here on expert GridWorld demonstrations for offline experiments; not a general LLM.\n\n";
  const auto by_kind_table = [&](const nlohmann::json& scored) {
    out += "\n| kind (held-out) | steps | accuracy |\n|---|---|---|\n";
    for (const auto& [kind, a] : scored.at("by_kind").items()) {
      out += fmt::format("| {} | {} | {} |\n", kind, a.at("steps").get<std::size_t>(), pct(a, "accuracy"));
    }
  };
  const bool acts = e.contains("action_accuracy_heldout");  // not for a --questions-only probe
  if (acts) {
    out += "## Action accuracy vs the expert (greedy)\n\n| split | steps | accuracy |\n|---|---|---|\n";
    for (const char* split : {"action_accuracy_heldout", "action_accuracy_train_sample"}) {
      const auto& a = e.at(split);
      out += fmt::format("| {} | {} | {} |\n", split, a.at("steps").get<std::size_t>(), pct(a, "accuracy"));
    }
    by_kind_table(e.at("action_accuracy_heldout"));
  }
  if (e.contains("forbidden_questions_heldout")) {
    const auto& f = e.at("forbidden_questions_heldout");
    out += fmt::format(
        "\n## Forbidden-move questions (greedy; held-out steps that forbid at most one move)\n\n{} questions, {} "
        "answered right.\n",
        f.at("steps").get<std::size_t>(), pct(f, "accuracy"));
    by_kind_table(f);
  }
  if (!acts) return out;
  out += fmt::format("\n## GridAgent episodes on held-out layouts (temperature {})\n\n",
                     e.at("episodes").at("temperature").get<double>());
  out +=
      "| kind | episodes | success | mean steps | obedience | expert success | random-policy success | random "
      "obedience |\n"
      "|---|---|---|---|---|---|---|---|\n";
  for (const auto& [kind, t] : e.at("episodes").at("by_kind").items()) {
    const auto& expert = e.at("expert").at("by_kind").value(kind, nlohmann::json::object());
    const auto& random = e.at("random_policy").at("by_kind").value(kind, nlohmann::json::object());
    out += fmt::format("| {} | {} | {} | {:.1f} | {} | {} | {} | {} |\n", kind, t.at("episodes").get<std::size_t>(),
                       pct(t, "success_rate"), t.at("mean_steps").get<double>(), pct(t, "obedience_rate"),
                       pct(expert, "success_rate"), pct(random, "success_rate"), pct(random, "obedience_rate"));
  }
  const auto& m = e.at("memory");
  out += fmt::format("\nMemory: collect success {} without memory vs {} with the expert's memory of the layout.\n",
                     pct(m.at("collect_without_memory"), "success_rate"),
                     pct(m.at("collect_with_memory"), "success_rate"));
  const auto& o = e.at("obedience");
  out += "\n## Constraint obedience by phrasing\n\n| phrasing | episodes | obedience | success |\n|---|---|---|---|\n";
  out +=
      fmt::format("| all seen phrasings | {} | {} | {} |\n", o.at("seen_phrasings").at("episodes").get<std::size_t>(),
                  pct(o.at("seen_phrasings"), "obedience_rate"), pct(o.at("seen_phrasings"), "success_rate"));
  out += fmt::format(
      "| all held-out phrasings | {} | {} | {} |\n", o.at("held_out_phrasings").at("episodes").get<std::size_t>(),
      pct(o.at("held_out_phrasings"), "obedience_rate"), pct(o.at("held_out_phrasings"), "success_rate"));
  if (o.contains("by_phrasing")) {
    for (const auto& [phrasing, t] : o.at("by_phrasing").items()) {
      out += fmt::format("| {} | {} | {} | {} |\n", phrasing, t.at("episodes").get<std::size_t>(),
                         pct(t, "obedience_rate"), pct(t, "success_rate"));
    }
  }
  return out;
}

}  // namespace lethe::eval
