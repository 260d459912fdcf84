// Can `lethe train` teach a model of a given shape to read a constraint? Trains a fresh model per task on short
// "Forbidden moves:" prompts (the micro agent's question, cut to a constraint and four labelled neighbours) and scores
// the greedy first answer token on held-out prompts. The tasks separate two skills:
//   copy       answer the constrained label: fetching a token from a fixed place in the prompt;
//   recall     answer the direction whose neighbour carries the constrained label (always one): matching by content;
//   forbidden  as recall, but half the constraints name no neighbour (answer "none"): the micro agent's question.
// The score is the greedy choice among the possible answers at the token where they part.
// Prints a table and writes JSON (default bench-results/recall_probe/results.json). Usage:
//   lethe_recall_probe_bench [--tasks copy,recall,forbidden] [--examples N] [--epochs N] [--batch N] [--lr X]
//                            [--layers N] [--width N] [--heads N] [--threads N] [--seed N] [--out FILE]
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "lethe/train/llama_graph.hpp"
#include "lethe/train/model_init.hpp"
#include "lethe/train/tokenizer.hpp"
#include "lethe/train/trainer.hpp"

namespace {

using lethe::train::SftRecord;

const std::vector<std::string> kDirections{"up", "down", "left", "right"};

struct Settings {
  std::vector<std::string> tasks{"copy", "recall", "forbidden"};
  int examples = 8000;
  int heldout = 200;
  int epochs = 1;
  int batch = 8;
  double learning_rate = 3e-3;
  lethe::train::ModelConfig model;
  int threads = 1;  // ggml's workers spin at barriers; with short sequences one thread is the fastest on 2 cores
  std::uint64_t seed = 1;
  std::string out = "bench-results/recall_probe/results.json";
};

// One prompt: four neighbours with distinct single-digit labels, the agent's own cell, one constrained label.
SftRecord make_record(const std::string& task, std::mt19937_64& rng) {
  std::vector<int> digits(10);
  std::iota(digits.begin(), digits.end(), 0);
  std::shuffle(digits.begin(), digits.end(), rng);  // digits[0..3]: neighbours, digits[4]: the agent's cell
  const auto slot = static_cast<std::size_t>(rng() % 4);
  const bool names_a_neighbour = task == "recall" || (task == "forbidden" && rng() % 2 == 0);
  const int constrained = task == "copy"      ? static_cast<int>(rng() % 10)
                          : names_a_neighbour ? digits[slot]
                                              : digits[4 + rng() % 6];  // the agent's cell or one not in view
  std::ostringstream prompt;
  prompt << "Constraints: do not enter " << constrained << ".\nObservation: you are at " << digits[4] << "; ";
  for (std::size_t i = 0; i < 4; ++i) prompt << (i ? ", " : "") << kDirections[i] << ' ' << digits[i];
  prompt << ".\nForbidden moves:";
  const std::string answer = task == "copy"      ? std::to_string(constrained)
                             : names_a_neighbour ? kDirections[slot]
                                                 : "none";
  return {prompt.str(), " " + answer};
}

std::vector<std::string> answers_of(const std::string& task) {
  if (task == "copy") return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  auto answers = kDirections;
  if (task == "forbidden") answers.push_back("none");
  return answers;
}

// Where the possible answers part: the tokens they all begin with, then each answer's own next token.
struct AnswerTokens {
  std::vector<std::int32_t> shared_prefix;
  std::vector<std::int32_t> deciding;  // one per answer, all different
};

AnswerTokens answer_tokens(const lethe::train::Tokenizer& tokenizer, const std::vector<std::string>& answers) {
  std::vector<std::vector<std::int32_t>> tokenized;
  for (const auto& answer : answers) tokenized.push_back(tokenizer.tokenize(" " + answer, false));
  AnswerTokens result;
  for (std::size_t i = 0;; ++i) {
    const bool all_longer =
        std::all_of(tokenized.begin(), tokenized.end(), [&](const auto& t) { return t.size() > i; });
    if (!all_longer) throw std::runtime_error("one answer is a prefix of another");
    const bool shared =
        std::all_of(tokenized.begin(), tokenized.end(), [&](const auto& t) { return t[i] == tokenized[0][i]; });
    if (!shared) {
      for (const auto& t : tokenized) result.deciding.push_back(t[i]);
      break;
    }
    result.shared_prefix.push_back(tokenized[0][i]);
  }
  auto sorted = result.deciding;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    throw std::runtime_error("two answers share their deciding token");
  return result;
}

double mean(const std::vector<float>& values, std::size_t begin, std::size_t end) {
  if (begin >= end) return 0.0;
  return std::accumulate(values.begin() + static_cast<std::ptrdiff_t>(begin),
                         values.begin() + static_cast<std::ptrdiff_t>(end), 0.0) /
         static_cast<double>(end - begin);
}

nlohmann::json run_task(const std::string& task, const Settings& settings, const std::string& vocab_gguf) {
  std::mt19937_64 rng(settings.seed);
  std::vector<SftRecord> train, heldout;
  for (int i = 0; i < settings.examples; ++i) train.push_back(make_record(task, rng));
  std::set<std::string> seen;
  for (const auto& record : train) seen.insert(record.prompt);
  while (heldout.size() < static_cast<std::size_t>(settings.heldout)) {  // prompts the model was not trained on
    auto record = make_record(task, rng);
    if (seen.insert(record.prompt).second) heldout.push_back(std::move(record));
  }

  auto model = lethe::train::init_model(settings.model, vocab_gguf);
  const lethe::train::Tokenizer tokenizer(vocab_gguf);
  const auto examples = lethe::train::sft_examples(tokenizer, train, model);
  lethe::train::TrainOptions options;
  options.epochs = settings.epochs;
  options.batch_size = settings.batch;
  options.adamw.learning_rate = static_cast<float>(settings.learning_rate);
  options.seed = settings.seed;
  options.n_threads = settings.threads;
  const auto report = lethe::train::train_sft(model, examples, options, [&](const lethe::train::Progress& p) {
    if (p.step % 100 == 0 || p.step == p.total_steps)
      std::cerr << fmt::format("\r{:<9} step {}/{} loss {:.3f}  ", task, p.step, p.total_steps, p.loss) << std::flush;
  });
  std::cerr << "\n";

  const auto answers = answers_of(task);
  const auto tokens = answer_tokens(tokenizer, answers);
  const auto n_vocab = static_cast<std::size_t>(tokenizer.n_vocab());
  int right = 0;
  std::map<std::string, int> given, wanted;
  for (const auto& record : heldout) {
    auto prompt = tokenizer.tokenize(record.prompt, true);
    prompt.insert(prompt.end(), tokens.shared_prefix.begin(), tokens.shared_prefix.end());
    const auto logits = lethe::train::compute_logits(model, prompt, settings.threads);
    const float* last = logits.data() + (prompt.size() - 1) * n_vocab;
    std::size_t best = 0;
    for (std::size_t a = 1; a < tokens.deciding.size(); ++a)
      if (last[tokens.deciding[a]] > last[tokens.deciding[best]]) best = a;
    const std::string want = record.completion.substr(1);
    right += answers[best] == want;
    ++given[answers[best]];
    ++wanted[want];
  }
  int most_common = 0;
  for (const auto& [answer, count] : wanted) most_common = std::max(most_common, count);
  const auto& losses = report.step_losses;
  const std::size_t tenth = std::max<std::size_t>(1, losses.size() / 10);
  return {{"task", task},
          {"examples", settings.examples},
          {"steps", losses.size()},
          {"tokens", report.tokens},
          {"seconds", report.seconds},
          {"loss_first_tenth", mean(losses, 0, tenth)},
          {"loss_last_tenth", mean(losses, losses.size() - tenth, losses.size())},
          {"heldout", settings.heldout},
          {"heldout_accuracy", static_cast<double>(right) / settings.heldout},
          {"heldout_base_rate", static_cast<double>(most_common) / settings.heldout},
          {"answers_given", given}};
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, ',');) parts.push_back(part);
  return parts;
}

Settings parse(int argc, char** argv) {
  Settings s;
  s.model.n_layer = 3;
  s.model.n_embd = 96;
  s.model.n_head = s.model.n_head_kv = 4;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw std::runtime_error(flag + " needs a value");
    const std::string value = argv[i + 1];
    if (flag == "--tasks")
      s.tasks = split_commas(value);
    else if (flag == "--examples")
      s.examples = std::stoi(value);
    else if (flag == "--epochs")
      s.epochs = std::stoi(value);
    else if (flag == "--batch")
      s.batch = std::stoi(value);
    else if (flag == "--lr")
      s.learning_rate = std::stod(value);
    else if (flag == "--layers")
      s.model.n_layer = std::stoi(value);
    else if (flag == "--width")
      s.model.n_embd = std::stoi(value);
    else if (flag == "--heads")
      s.model.n_head = s.model.n_head_kv = std::stoi(value);
    else if (flag == "--threads")
      s.threads = std::stoi(value);
    else if (flag == "--seed")
      s.seed = s.model.seed = std::stoull(value);
    else if (flag == "--out")
      s.out = value;
    else
      throw std::runtime_error("unknown flag " + flag);
  }
  for (const auto& task : s.tasks)
    if (task != "copy" && task != "recall" && task != "forbidden") throw std::runtime_error("unknown task " + task);
  if (s.examples < 1 || s.epochs < 1 || s.batch < 1 || s.threads < 1 || !(s.learning_rate > 0))
    throw std::runtime_error("--examples, --epochs, --batch, --threads and --lr must be positive");
  lethe::train::validate_model_config(s.model);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto settings = parse(argc, argv);
    const std::string vocab = std::string(LETHE_SHARED_DIR) + "/models/stories260Ktok512.gguf";
    nlohmann::json result{
        {"model",
         {{"layers", settings.model.n_layer}, {"width", settings.model.n_embd}, {"heads", settings.model.n_head}}},
        {"epochs", settings.epochs},
        {"batch", settings.batch},
        {"learning_rate", settings.learning_rate},
        {"threads", settings.threads},
        {"seed", settings.seed},
        {"tasks", nlohmann::json::array()}};
    for (const auto& task : settings.tasks) result["tasks"].push_back(run_task(task, settings, vocab));

    fmt::print("{}x{} model, {} examples x {} epochs, batch {}, lr {}\n", settings.model.n_layer, settings.model.n_embd,
               settings.examples, settings.epochs, settings.batch, settings.learning_rate);
    fmt::print("{:<10} {:>6} {:>9} {:>8} {:>11} {:>10} {:>10} {:>10}\n", "task", "steps", "tokens", "seconds",
               "loss start", "loss end", "held-out", "base rate");
    for (const auto& t : result["tasks"])
      fmt::print("{:<10} {:>6} {:>9} {:>8.0f} {:>11.3f} {:>10.3f} {:>9.1f}% {:>9.1f}%\n", t["task"].get<std::string>(),
                 t["steps"].get<std::size_t>(), t["tokens"].get<std::int64_t>(), t["seconds"].get<double>(),
                 t["loss_first_tenth"].get<double>(), t["loss_last_tenth"].get<double>(),
                 100.0 * t["heldout_accuracy"].get<double>(), 100.0 * t["heldout_base_rate"].get<double>());
    std::filesystem::create_directories(std::filesystem::path(settings.out).parent_path());
    std::ofstream(settings.out) << result.dump(2) << "\n";
    fmt::print("wrote {}\n", settings.out);
  } catch (const std::exception& e) {
    std::cerr << "recall_probe_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
