// Training throughput: our trainer (lethe::train::train_sft) vs llama.cpp's llama-finetune, on the same model, the
// same text cut into the same context windows, one window per optimizer step, the same threads. Prints a table and
// writes JSON (default bench-results/train/results.json). Usage:
//   lethe_train_bench [--model GGUF] [--threads N] [--ctx N] [--windows N] [--out FILE]
// Both wall-clock and CPU-time rates are reported: on a shared machine the CPU-time rate is the fairer comparison.
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "lethe/train/gguf_model.hpp"
#include "lethe/train/tokenizer.hpp"
#include "lethe/train/trainer.hpp"

namespace {

double cpu_seconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::string corpus(std::size_t words) {
  static const std::vector<std::string> vocabulary{"the", "cat",  "sat", "on",   "a",    "mat", "and",  "then",
                                                   "dog", "ran",  "to",  "park", "with", "big", "red",  "ball",
                                                   "she", "was",  "happy", "tree", "sun", "day", "played", "home"};
  std::mt19937_64 rng(1);
  std::string text;
  for (std::size_t i = 0; i < words; ++i) {
    text += vocabulary[rng() % vocabulary.size()];
    text += (i % 12 == 11) ? ". " : " ";
  }
  return text;
}

struct Figures {
  std::int64_t tokens = 0;
  double wall_seconds = 0.0;
  double cpu_seconds = 0.0;
  nlohmann::json json() const {
    return {{"tokens", tokens},
            {"wall_seconds", wall_seconds},
            {"cpu_seconds", cpu_seconds},
            {"tokens_per_second", wall_seconds > 0 ? static_cast<double>(tokens) / wall_seconds : 0.0},
            {"tokens_per_cpu_second", cpu_seconds > 0 ? static_cast<double>(tokens) / cpu_seconds : 0.0}};
  }
};

Figures run_ours(const std::string& model_path, const std::string& text, int ctx, int windows, int threads) {
  auto model = lethe::train::Model::load(model_path);
  const lethe::train::Tokenizer tokenizer(model_path);
  const auto tokens = tokenizer.tokenize(text, true);
  std::vector<lethe::train::Example> examples;
  for (std::size_t first = 0; first + static_cast<std::size_t>(ctx) <= tokens.size() &&
                              static_cast<int>(examples.size()) < windows;
       first += static_cast<std::size_t>(ctx)) {
    lethe::train::Example ex;
    ex.tokens.assign(tokens.begin() + static_cast<std::ptrdiff_t>(first),
                     tokens.begin() + static_cast<std::ptrdiff_t>(first) + ctx);
    ex.target.assign(ex.tokens.size(), 1);
    ex.target[0] = 0;
    examples.push_back(std::move(ex));
  }
  lethe::train::TrainOptions options;
  options.batch_size = 1;
  options.n_threads = threads;
  options.adamw.learning_rate = 1e-5f;
  const double cpu_before = cpu_seconds(RUSAGE_SELF);
  const auto report = lethe::train::train_sft(model, examples, options);
  Figures f;
  f.tokens = report.tokens;
  f.wall_seconds = report.seconds;
  f.cpu_seconds = cpu_seconds(RUSAGE_SELF) - cpu_before;
  return f;
}

// llama-finetune trains on the text file in windows of ctx tokens (5% held back for validation); the train time is
// the "t=HH:MM:SS" of its last progress line (1 s resolution), the windows its "data=N/M".
Figures run_finetune(const std::string& binary, const std::string& model_path, const std::filesystem::path& text_file,
                     int ctx, int threads) {
  const auto command = fmt::format("{} -m {} -f {} -c {} -b {} -ub {} -t {} --epochs 1 -lr 1e-5 2>&1", binary,
                                   model_path, text_file.string(), ctx, ctx, ctx, threads);
  const double cpu_before = cpu_seconds(RUSAGE_CHILDREN);
  const auto start = std::chrono::steady_clock::now();
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + binary);
  std::string output;
  char buffer[4096];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (status != 0) throw std::runtime_error("llama-finetune failed:\n" + output.substr(output.size() > 2000 ? output.size() - 2000 : 0));
  const std::regex progress(R"(train: .*?data=(\d+)/(\d+).*?t=(\d+):(\d+):(\d+))");
  Figures f;
  f.wall_seconds = wall;
  for (auto it = std::sregex_iterator(output.begin(), output.end(), progress); it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    f.tokens = std::stoll(m[1].str()) * ctx;
    f.wall_seconds = std::stod(m[3].str()) * 3600 + std::stod(m[4].str()) * 60 + std::stod(m[5].str());
  }
  f.cpu_seconds = cpu_seconds(RUSAGE_CHILDREN) - cpu_before;
  if (f.tokens == 0) throw std::runtime_error("could not read llama-finetune's progress:\n" + output.substr(0, 2000));
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = std::string(LETHE_SHARED_DIR) + "/models/stories260Ktok512.gguf";
  std::string out = "bench-results/train/results.json";
  int threads = 2;
  int ctx = 128;
  int windows = 16;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--model") model = value;
    else if (flag == "--threads") threads = std::stoi(value);
    else if (flag == "--ctx") ctx = std::stoi(value);
    else if (flag == "--windows") windows = std::stoi(value);
    else if (flag == "--out") out = value;
    else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  try {
    // Enough text for `windows` training windows of llama-finetune after its 5% validation split.
    const auto text = corpus(static_cast<std::size_t>(ctx) * static_cast<std::size_t>(windows) * 21 / 20 + 64);
    const auto dir = std::filesystem::temp_directory_path() / "lethe_train_bench";
    std::filesystem::create_directories(dir);
    const auto text_file = dir / "corpus.txt";
    std::ofstream(text_file) << text;

    const auto ours = run_ours(model, text, ctx, windows, threads);
    nlohmann::json result{{"model", std::filesystem::path(model).filename().string()},
                          {"threads", threads},
                          {"ctx", ctx},
                          {"windows", windows},
                          {"lethe_train", ours.json()}};
    fmt::print("{:<16} {:>8} {:>10} {:>10} {:>12} {:>14}\n", "trainer", "tokens", "wall s", "cpu s", "tok/s", "tok/cpu-s");
    const auto row = [](const char* name, const nlohmann::json& j) {
      fmt::print("{:<16} {:>8} {:>10.2f} {:>10.2f} {:>12.1f} {:>14.1f}\n", name, j["tokens"].get<std::int64_t>(),
                 j["wall_seconds"].get<double>(), j["cpu_seconds"].get<double>(), j["tokens_per_second"].get<double>(),
                 j["tokens_per_cpu_second"].get<double>());
    };
    row("lethe train", result["lethe_train"]);
    const std::string finetune = LETHE_LLAMA_FINETUNE;
    if (!finetune.empty() && std::filesystem::exists(finetune)) {
      const auto theirs = run_finetune(finetune, model, text_file, ctx, threads);
      result["llama_finetune"] = theirs.json();
      row("llama-finetune", result["llama_finetune"]);
      const auto ratio = [&](const char* key) {
        const double b = result["llama_finetune"][key].get<double>();
        return b > 0 ? result["lethe_train"][key].get<double>() / b : 0.0;
      };
      result["ratio_tokens_per_second"] = ratio("tokens_per_second");
      result["ratio_tokens_per_cpu_second"] = ratio("tokens_per_cpu_second");
      fmt::print("ratio (ours / llama-finetune): {:.2f}x wall, {:.2f}x CPU time (goal >= 0.5x)\n",
                 result["ratio_tokens_per_second"].get<double>(), result["ratio_tokens_per_cpu_second"].get<double>());
    } else {
      result["llama_finetune"] = nullptr;
      fmt::print("llama-finetune not available (LETHE_LLAMA_FINETUNE is empty)\n");
    }
    std::filesystem::create_directories(std::filesystem::path(out).parent_path());
    std::ofstream(out) << result.dump(2) << "\n";
    fmt::print("wrote {}\n", out);
  } catch (const std::exception& e) {
    std::cerr << "train_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
