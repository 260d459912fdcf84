// Can `lethe train` teach a model of a given shape to read a constraint? Trains a fresh model per task on short
// "Forbidden moves:" prompts (the micro agent's question, cut to a constraint and four labelled neighbours) and scores
// the greedy answer on held-out prompts. The tasks separate two skills:
//   copy       answer the constrained label: fetching a token from a fixed place in the prompt;
//   recall     answer the direction whose neighbour carries the constrained label (always one): matching by content;
//   forbidden  as recall, but half the constraints name no neighbour (answer "none"): the micro agent's question;
//   cells      the same question on real grid cells, the agent on cells that training never puts it on;
//   cells-steps  as cells, but a third of the training prompts ask for the constrained cell and a third for a
//              neighbour's cell (the two lookups the question composes); scored on the question alone;
//   cells-dense  as cells, but each training prompt asks four questions on one scene (with --prompt-loss, each
//              answer is a target); scored on single questions.
// Prompts are compact by default ("no 3 at 5 u 1 d 2 l 7 r 0 :", cells as "34", each word one token of the micro
// agent's compact vocabulary; --vocab stories tokenizes them with the fixture's 512 tokens); --format text writes the sentences
// of the micro agent's current prompt ("Constraints: ... Observation: ... Forbidden moves:", cells as "(3,4)"), and
// --filler N adds N words that carry nothing: the same facts in a longer prompt.
// The score is the greedy single choice among the possible answers through the in-process llama.cpp backend, as the
// agent is scored. Prints a table and writes JSON (default bench-results/recall_probe/results.json) and each task's
// model beside it (TASK.gguf). --dump FILE writes the tokenized examples for bench/recall_probe_reference.py. Usage:
//   lethe_recall_probe_bench [--tasks copy,recall,forbidden,cells,cells-steps,cells-dense] [--examples N]
//       [--epochs N] [--batch N] [--lr X] [--warmup N] [--cosine 0|1] [--prompt-loss X] [--context N]
//       [--format compact|text] [--vocab compact|stories] [--filler N] [--init-std X (default: by role)] [--layers N] [--width N] [--heads N]
//       [--threads N] [--seed N] [--out FILE] [--dump FILE]
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

#include "lethe/env/grid_geometry.hpp"
#include "lethe/eval/compact_vocabulary.hpp"
#include "lethe/llm/factory.hpp"
#include "lethe/train/model_init.hpp"
#include "lethe/train/tokenizer.hpp"
#include "lethe/train/trainer.hpp"

namespace {

using lethe::train::SftRecord;

const std::vector<std::string> kDirections{"up", "down", "left", "right"};

struct Settings {
  std::vector<std::string> tasks{"copy", "recall", "forbidden", "cells"};
  int examples = 384000;  // cells on one-token cells: 90% at 192,000, 100% at 384,000 (README)
  int heldout = 200;
  int epochs = 1;
  int batch = 64;
  double learning_rate = 1e-3;
  int warmup = 0;            // linear warm-up steps
  bool cosine = false;       // cosine decay to a tenth of the peak
  double prompt_loss = 0.0;  // weight of the next-token loss on the prompt
  double labels = 0.8;       // cells-*: share of training prompts whose cells are random two-digit labels instead
  bool compact = true;       // the compact prompt ("no 3 at 5 u 1 d 2 l 7 r 0 :"), or the sentence form
  // The tokenizer: the micro agent's compact vocabulary (each cell "34" one token), or the stories fixture's 512
  // tokens (a cell two tokens); by default the compact one for compact prompts.
  std::string vocab;
  int filler = 0;            // filler words added to every prompt: the same facts in a longer prompt
  lethe::train::ModelConfig model;
  std::string dump;  // JSONL of the tokenized examples, for bench/recall_probe_reference.py --examples
  int threads = 1;   // ggml's workers spin at barriers; with short sequences one thread is the fastest on 2 cores
  std::uint64_t seed = 1;
  std::string out = "bench-results/recall_probe/results.json";
};

// Words that carry nothing, to lengthen a prompt without changing its facts (--filler).
const std::vector<std::string> kFillerWords{"the", "a", "day", "was", "big", "and", "happy", "to", "it", "little"};

std::string filler_text(int words, std::mt19937_64& rng) {
  std::string text;
  for (int i = 0; i < words; ++i) text += kFillerWords[rng() % kFillerWords.size()] + " ";
  return text;
}

// One prompt: four neighbours with distinct single-digit labels, the agent's own cell, one constrained label.
// Compact: "no 3 at 5 u 1 d 2 l 7 r 0 :" (about 27 tokens of the fixture's vocabulary); text: the sentence form.
// Held-out prompts are a fixed seventh of the labellings, so that no training prompt is ever scored.
SftRecord label_record(const std::string& task, const Settings& settings, std::mt19937_64& rng, bool held_out) {
  std::vector<int> digits(10);
  do {
    std::iota(digits.begin(), digits.end(), 0);
    std::shuffle(digits.begin(), digits.end(), rng);  // digits[0..3]: neighbours, digits[4]: the agent's cell
  } while (((digits[0] + 2 * digits[1] + 3 * digits[2] + 5 * digits[3] + 7 * digits[4]) % 7 == 0) != held_out);
  const auto slot = static_cast<std::size_t>(rng() % 4);
  const bool names_a_neighbour = task == "recall" || (task == "forbidden" && rng() % 2 == 0);
  const int constrained = task == "copy"      ? static_cast<int>(rng() % 10)
                          : names_a_neighbour ? digits[slot]
                                              : digits[4 + rng() % 6];  // the agent's cell or one not in view
  const std::string filler = filler_text(settings.filler, rng);
  std::ostringstream prompt;
  if (settings.compact) {
    prompt << "no " << constrained << " " << filler << "at " << digits[4];
    for (std::size_t i = 0; i < 4; ++i) prompt << ' ' << kDirections[i][0] << ' ' << digits[i];
    prompt << " :";
  } else {
    prompt << "Constraints: do not enter " << constrained << ".\n"
           << filler << "Observation: you are at " << digits[4] << "; ";
    for (std::size_t i = 0; i < 4; ++i) prompt << (i ? ", " : "") << kDirections[i] << ' ' << digits[i];
    prompt << ".\nForbidden moves:";
  }
  const std::string answer = task == "copy"      ? std::to_string(constrained)
                             : names_a_neighbour ? kDirections[slot]
                                                 : "none";
  return {prompt.str(), " " + answer};
}

// The micro agent's own question on real grid cells (x,y): the agent's position and neighbours written as its
// observation writes them (a wall shows no cell), and a constraint that names a free neighbour half of the time,
// else a cell two steps away. Held-out prompts put the agent on cells that training never does.
struct CellQuestion {
  int x = 0, y = 0;
  std::vector<bool> walls;
  std::size_t slot = 0;  // the neighbour the constraint is about
  bool names_a_neighbour = false;
};

const int kDx[] = {0, 0, -1, 1}, kDy[] = {-1, 1, 0, 0};

// As the agent's prompts write cells, "(3,4)"; compact: "34".
std::string cell(int x, int y, bool compact) {
  return compact ? std::to_string(x) + std::to_string(y) : lethe::env::cell_key({x, y});
}

CellQuestion draw_cell_question(std::mt19937_64& rng, bool held_out) {
  CellQuestion q;
  do {  // 2..7, so that cells two steps away stay single digits
    q.x = 2 + static_cast<int>(rng() % 6);
    q.y = 2 + static_cast<int>(rng() % 6);
  } while (((q.y * 6 + q.x) % 5 == 0) != held_out);
  q.slot = static_cast<std::size_t>(rng() % 4);
  q.names_a_neighbour = rng() % 2 == 0;
  q.walls.assign(4, false);
  for (std::size_t i = 0; i < 4; ++i) q.walls[i] = i != q.slot && rng() % 4 == 0;
  return q;
}

std::size_t free_slot(const CellQuestion& q, std::mt19937_64& rng) {
  auto slot = static_cast<std::size_t>(rng() % 4);
  while (q.walls[slot]) slot = (slot + 1) % 4;
  return slot;
}

std::string constrained_cell(const CellQuestion& q, bool compact) {
  const int reach = q.names_a_neighbour ? 1 : 2;
  return cell(q.x + reach * kDx[q.slot], q.y + reach * kDy[q.slot], compact);
}

// The constraint and the observation, without the question. Compact: "no 35 at 34 u 33 d w l 24 r 44", a wall "w" as
// in the micro agent's prompt.
std::string cell_scene_text(const CellQuestion& q, const Settings& settings, std::mt19937_64& rng) {
  const bool compact = settings.compact;
  const std::string filler = filler_text(settings.filler, rng);
  std::ostringstream text;
  if (compact) {
    text << "no " << constrained_cell(q, true) << " " << filler << "at " << cell(q.x, q.y, true);
    for (std::size_t i = 0; i < 4; ++i)
      text << ' ' << kDirections[i][0] << ' ' << (q.walls[i] ? "w" : cell(q.x + kDx[i], q.y + kDy[i], true));
    return text.str();
  }
  text << "Constraints:\n- Never move into " << constrained_cell(q, false) << ".\n"
       << filler << "Observation: pos " << cell(q.x, q.y, false);
  for (std::size_t i = 0; i < 4; ++i)
    text << "; " << kDirections[i]
         << (q.walls[i] ? ": wall" : " " + cell(q.x + kDx[i], q.y + kDy[i], false) + ": free");
  return text.str();
}

// The question after a scene: the micro agent's "Forbidden moves:", or compact ":"; `what` asks for something else.
std::string question(const Settings& settings, const std::string& what = "Forbidden moves") {
  return settings.compact ? " " + what + " ?" : "\n" + what + ":";
}

SftRecord forbidden_moves_record(const CellQuestion& q, const Settings& settings, std::mt19937_64& rng) {
  return {cell_scene_text(q, settings, rng) + (settings.compact ? " :" : question(settings)),
          " " + (q.names_a_neighbour ? kDirections[q.slot] : std::string("none"))};
}

// Training prompts of the cells-* tasks. cells-steps: a third ask instead for the constrained cell and a third for
// one neighbour's cell, the two lookups the question composes. cells-dense: four questions on one observation, each
// with its answer, the last one as the completion (with --prompt-loss every answer teaches).
// A cells scene whose "cells" are distinct random two-digit labels: nothing about a position can be memorised, so
// only matching the constraint to a neighbour by content answers it (--labels).
SftRecord random_label_record(const Settings& settings, std::mt19937_64& rng) {
  std::vector<int> labels;
  while (labels.size() < 6) {
    const int label = static_cast<int>(rng() % 100);
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
  }
  const auto text = [](int label) { return fmt::format("{:02d}", label); };  // labels[4]: agent, [5]: elsewhere
  const auto slot = static_cast<std::size_t>(rng() % 4);
  const bool names_a_neighbour = rng() % 2 == 0;
  std::vector<bool> walls(4, false);
  for (std::size_t i = 0; i < 4; ++i) walls[i] = i != slot && rng() % 4 == 0;
  const std::string filler = filler_text(settings.filler, rng);
  std::string prompt =
      "no " + text(names_a_neighbour ? labels[slot] : labels[4 + rng() % 2]) + " " + filler + "at " + text(labels[4]);
  for (std::size_t i = 0; i < 4; ++i)
    prompt += " " + kDirections[i].substr(0, 1) + " " + (walls[i] ? "w" : text(labels[i]));
  return {prompt + " :", " " + (names_a_neighbour ? kDirections[slot] : std::string("none"))};
}

SftRecord cell_record(const std::string& task, const Settings& settings, std::mt19937_64& rng, bool held_out) {
  if (!held_out && settings.compact && settings.labels > 0 &&
      static_cast<double>(rng() % 1'000'000) < settings.labels * 1e6)
    return random_label_record(settings, rng);
  auto q = draw_cell_question(rng, held_out);
  if (held_out || task == "cells") return forbidden_moves_record(q, settings, rng);
  if (task == "cells-dense") {
    std::string prompt;
    for (int i = 0; i < 3; ++i) {
      const auto block = forbidden_moves_record(q, settings, rng);
      prompt += block.prompt + block.completion + "\n";
      q.slot = free_slot(q, rng);
      q.names_a_neighbour = rng() % 2 == 0;
    }
    const auto last = forbidden_moves_record(q, settings, rng);
    return {prompt + last.prompt, last.completion};
  }
  const bool compact = settings.compact;
  const auto kind = rng() % 3;
  if (kind == 0) return forbidden_moves_record(q, settings, rng);
  if (kind == 1)
    return {cell_scene_text(q, settings, rng) + question(settings, compact ? "no" : "Constrained cell"),
            " " + constrained_cell(q, compact)};
  const auto asked = free_slot(q, rng);
  return {cell_scene_text(q, settings, rng) +
              question(settings, compact ? std::string(1, kDirections[asked][0]) : "Cell " + kDirections[asked]),
          " " + cell(q.x + kDx[asked], q.y + kDy[asked], compact)};
}

bool is_cell_task(const std::string& task) { return task == "cells" || task == "cells-steps" || task == "cells-dense"; }

SftRecord make_record(const std::string& task, const Settings& settings, std::mt19937_64& rng, bool held_out) {
  return is_cell_task(task) ? cell_record(task, settings, rng, held_out) : label_record(task, settings, rng, held_out);
}

std::vector<std::string> answers_of(const std::string& task) {
  if (task == "copy") return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  auto answers = kDirections;
  if (task == "forbidden" || is_cell_task(task)) answers.push_back("none");
  return answers;
}

double mean(const std::vector<float>& values, std::size_t begin, std::size_t end) {
  if (begin >= end) return 0.0;
  return std::accumulate(values.begin() + static_cast<std::ptrdiff_t>(begin),
                         values.begin() + static_cast<std::ptrdiff_t>(end), 0.0) /
         static_cast<double>(end - begin);
}

// Writes the tokenized training examples and, for each held-out prompt, its tokens, the first token of its answer and
// of every possible answer, as they follow the prompt: the reference then trains and scores on the very same tokens.
void dump_examples(const std::string& path, const std::string& task, const lethe::train::Tokenizer& tokenizer,
                   const std::vector<lethe::train::Example>& examples, const std::vector<SftRecord>& heldout) {
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path);
  for (const auto& ex : examples)
    out << nlohmann::json{{"split", "train"}, {"tokens", ex.tokens}, {"target", ex.target}} << "\n";
  const auto first_answer_token = [&](const std::string& prompt, const std::string& answer) {
    const auto prompt_tokens = tokenizer.tokenize(prompt, true);
    const auto whole = tokenizer.tokenize(prompt + answer, true);
    std::size_t shared = 0;
    while (shared < prompt_tokens.size() && whole[shared] == prompt_tokens[shared]) ++shared;
    if (shared != prompt_tokens.size()) throw std::runtime_error("--dump: an answer merges into its prompt's tokens");
    return whole.at(shared);
  };
  for (const auto& record : heldout) {
    std::vector<int32_t> choices;
    for (const auto& answer : answers_of(task)) choices.push_back(first_answer_token(record.prompt, " " + answer));
    if (std::set<int32_t>(choices.begin(), choices.end()).size() != choices.size())
      throw std::runtime_error("--dump: the answers of " + task + " share their first token");
    out << nlohmann::json{{"split", "heldout"},
                          {"tokens", tokenizer.tokenize(record.prompt, true)},
                          {"answer", first_answer_token(record.prompt, record.completion)},
                          {"choices", choices}}
        << "\n";
  }
}

nlohmann::json run_task(const std::string& task, const Settings& settings, const std::string& vocab_gguf) {
  std::mt19937_64 rng(settings.seed);
  std::vector<SftRecord> train, heldout;
  for (int i = 0; i < settings.examples; ++i) train.push_back(make_record(task, settings, rng, false));
  std::set<std::string> seen;
  for (const auto& record : train) seen.insert(record.prompt);
  for (int tries = 0; heldout.size() < static_cast<std::size_t>(settings.heldout); ++tries) {
    if (tries > 1000 * settings.heldout) throw std::runtime_error("cannot draw enough held-out prompts for " + task);
    auto record = make_record(task, settings, rng, true);  // a prompt the model was not trained on
    if (seen.insert(record.prompt).second) heldout.push_back(std::move(record));
  }

  auto model = lethe::train::init_model(settings.model, vocab_gguf);
  const lethe::train::Tokenizer tokenizer(vocab_gguf);
  const auto examples = lethe::train::sft_examples(tokenizer, train, model);
  if (!settings.dump.empty()) dump_examples(settings.dump, task, tokenizer, examples, heldout);
  double prompt_tokens = 0;
  for (const auto& ex : examples)
    prompt_tokens +=
        static_cast<double>(std::count(ex.target.begin(), ex.target.end(), 0)) / static_cast<double>(examples.size());
  lethe::train::TrainOptions options;
  options.epochs = settings.epochs;
  options.batch_size = settings.batch;
  options.adamw.learning_rate = static_cast<float>(settings.learning_rate);
  options.warmup_steps = settings.warmup;
  options.cosine_decay = settings.cosine;
  options.prompt_loss_weight = static_cast<float>(settings.prompt_loss);
  options.seed = settings.seed;
  options.n_threads = settings.threads;
  const auto report = lethe::train::train_sft(model, examples, options, [&](const lethe::train::Progress& p) {
    if (p.step % 100 == 0 || p.step == p.total_steps)
      std::cerr << fmt::format("\r{:<9} step {}/{} loss {:.3f}  ", task, p.step, p.total_steps, p.loss) << std::flush;
  });
  std::cerr << "\n";

  // Scored as the agent is: the saved model behind the in-process llama.cpp backend, a greedy single-choice call, so
  // the answers are tokenized as they follow the prompt (tokenized on their own they start with a word-boundary token
  // the model never saw there).
  const auto model_path = std::filesystem::path(settings.out).parent_path() / (task + ".gguf");
  if (model_path.has_parent_path()) std::filesystem::create_directories(model_path.parent_path());
  model.save(model_path.string());
  lethe::llm::Options llm_options;
  llm_options.chat_template = "raw";
  llm_options.use_cache = false;
  llm_options.threads = settings.threads;
  llm_options.context = static_cast<int>(settings.model.n_ctx);
  auto llm = lethe::llm::open("gguf:" + model_path.string(), llm_options);
  std::map<std::string, int> given, wanted;  // over the held-out prompts
  const auto accuracy = [&](const std::vector<SftRecord>& records, bool held_out) {
    std::vector<lethe::llm::ChatRequest> requests;
    for (const auto& record : records) {
      lethe::llm::ChatRequest request;
      request.messages = {{lethe::llm::Role::User, record.prompt}};
      request.sampling.temperature = 0.0;
      request.choices = answers_of(task);
      requests.push_back(std::move(request));
    }
    const auto responses = llm->complete_batch(requests);
    int right = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
      const std::string want = records[i].completion.substr(1);
      right += responses[i].text == want;
      if (!held_out) continue;
      ++given[responses[i].text];
      ++wanted[want];
    }
    return static_cast<double>(right) / static_cast<double>(records.size());
  };
  const double heldout_accuracy = accuracy(heldout, true);
  // As many training prompts of the scored question: memorised but not generalised shows here, not on the held-out.
  std::vector<SftRecord> trained;
  const auto answers = answers_of(task);
  for (const auto& record : train) {
    if (trained.size() == heldout.size()) break;
    if (std::find(answers.begin(), answers.end(), record.completion.substr(1)) != answers.end())
      trained.push_back(record);
  }
  const double train_accuracy = accuracy(trained, false);
  int most_common = 0;
  for (const auto& [answer, count] : wanted) most_common = std::max(most_common, count);
  const auto& losses = report.step_losses;
  const std::size_t tenth = std::max<std::size_t>(1, losses.size() / 10);
  return {{"task", task},
          {"examples", settings.examples},
          {"steps", losses.size()},
          {"prompt_tokens", prompt_tokens},
          {"tokens", report.tokens},
          {"seconds", report.seconds},
          {"loss_first_tenth", mean(losses, 0, tenth)},
          {"loss_last_tenth", mean(losses, losses.size() - tenth, losses.size())},
          {"heldout", settings.heldout},
          {"train_accuracy", train_accuracy},
          {"heldout_accuracy", heldout_accuracy},
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
  s.model.n_layer = 2;
  s.model.n_embd = 64;
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
    else if (flag == "--warmup")
      s.warmup = std::stoi(value);
    else if (flag == "--cosine") {
      if (value != "0" && value != "1") throw std::runtime_error("--cosine takes 0 or 1");
      s.cosine = value == "1";
    } else if (flag == "--context")
      s.model.n_ctx = std::stoi(value);
    else if (flag == "--prompt-loss")
      s.prompt_loss = std::stod(value);
    else if (flag == "--init-std")
      s.model.init_std = std::stof(value);
    else if (flag == "--format") {
      if (value != "compact" && value != "text") throw std::runtime_error("--format takes compact or text");
      s.compact = value == "compact";
    } else if (flag == "--filler")
      s.filler = std::stoi(value);
    else if (flag == "--labels")
      s.labels = std::stod(value);
    else if (flag == "--vocab") {
      if (value != "compact" && value != "stories") throw std::runtime_error("--vocab takes compact or stories");
      s.vocab = value;
    }
    else if (flag == "--dump")
      s.dump = value;
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
    if (task != "copy" && task != "recall" && task != "forbidden" && !is_cell_task(task))
      throw std::runtime_error("unknown task " + task);
  if (s.examples < 1 || s.epochs < 1 || s.batch < 1 || s.threads < 1 || !(s.learning_rate > 0))
    throw std::runtime_error("--examples, --epochs, --batch, --threads and --lr must be positive");
  if (!(s.labels >= 0 && s.labels <= 1)) throw std::runtime_error("--labels takes a share from 0 to 1");
  if (s.warmup < 0 || s.prompt_loss < 0 || s.filler < 0 || !(s.model.init_std >= 0))
    throw std::runtime_error("--warmup, --prompt-loss, --filler and --init-std must not be negative");
  lethe::train::validate_model_config(s.model);
  if (s.vocab.empty()) s.vocab = s.compact ? "compact" : "stories";
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto settings = parse(argc, argv);
    const std::string vocab =
        settings.vocab == "compact"
            ? lethe::eval::compact_vocabulary_gguf(std::filesystem::absolute(settings.out).parent_path()).string()
            : std::string(LETHE_SHARED_DIR) + "/models/stories260Ktok512.gguf";
    nlohmann::json result{{"model",
                           {{"layers", settings.model.n_layer},
                            {"width", settings.model.n_embd},
                            {"heads", settings.model.n_head},
                            {"context", settings.model.n_ctx}}},
                          {"epochs", settings.epochs},
                          {"batch", settings.batch},
                          {"learning_rate", settings.learning_rate},
                          {"warmup", settings.warmup},
                          {"cosine", settings.cosine},
                          {"prompt_loss", settings.prompt_loss},
                          {"init", settings.model.init_std > 0 ? fmt::format("N(0, {})", settings.model.init_std)
                                                               : std::string("by role")},
                          {"format", settings.compact ? "compact" : "text"},
                          {"vocab", settings.vocab},
                          {"filler_words", settings.filler},
                          {"random_label_share", settings.labels},
                          {"threads", settings.threads},
                          {"seed", settings.seed},
                          {"tasks", nlohmann::json::array()}};
    for (const auto& task : settings.tasks) result["tasks"].push_back(run_task(task, settings, vocab));

    fmt::print("{}x{} model, {} examples x {} epochs, batch {}, lr {}\n", settings.model.n_layer, settings.model.n_embd,
               settings.examples, settings.epochs, settings.batch, settings.learning_rate);
    fmt::print("{:<10} {:>7} {:>6} {:>9} {:>8} {:>11} {:>10} {:>10} {:>10} {:>10}\n", "task", "prompt", "steps",
               "tokens", "seconds", "loss start", "loss end", "trained", "held-out", "base rate");
    for (const auto& t : result["tasks"])
      fmt::print("{:<10} {:>7.1f} {:>6} {:>9} {:>8.0f} {:>11.3f} {:>10.3f} {:>9.1f}% {:>9.1f}% {:>9.1f}%\n",
                 t["task"].get<std::string>(), t["prompt_tokens"].get<double>(), t["steps"].get<std::size_t>(),
                 t["tokens"].get<std::int64_t>(), t["seconds"].get<double>(), t["loss_first_tenth"].get<double>(),
                 t["loss_last_tenth"].get<double>(), 100.0 * t["train_accuracy"].get<double>(),
                 100.0 * t["heldout_accuracy"].get<double>(), 100.0 * t["heldout_base_rate"].get<double>());
    if (std::filesystem::path(settings.out).has_parent_path())
      std::filesystem::create_directories(std::filesystem::path(settings.out).parent_path());
    std::ofstream(settings.out) << result.dump(2) << "\n";
    fmt::print("wrote {}\n", settings.out);
  } catch (const std::exception& e) {
    std::cerr << "recall_probe_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
