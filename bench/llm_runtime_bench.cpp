// LLM runtime benchmark (issue 2). On the fixture model, same threads, in one run:
//   (a) in-process decode tokens/s divided by llama-bench's tokens/s         (target >= 0.95)
//   (b) prompt tokens evaluated over a 10-turn growing conversation, cold / with prefix reuse (target >= 5x)
//   (c) aggregate generated tokens/s at 1, 4 and 8 parallel sequences         (target >= 2x at 8 vs 1)
//   (d) added latency per call of the HTTP backend vs a raw request to the same llama-server (target < 1 ms)
// Prints a table and writes JSON (default bench-results/llm_runtime.json). Usage:
//   lethe_llm_runtime_bench [--model GGUF] [--threads N] [--out FILE]
#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "lethe/llm/factory.hpp"
#include "lethe/llm/llama_backend.hpp"
#include "lethe_test/llama_server.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using lethe::llm::ChatRequest;
using lethe::llm::Role;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0.0 : values[values.size() / 2];
}

std::string run_command(const std::string& command) {
  std::array<char, 4096> buffer{};
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot run " + command);
  while (fgets(buffer.data(), buffer.size(), pipe.get()) != nullptr) out += buffer.data();
  return out;
}

ChatRequest request_for(const std::string& text, int max_tokens) {
  ChatRequest r;
  r.messages = {{Role::User, text}};
  r.sampling.max_tokens = max_tokens;
  return r;
}

lethe::llm::Options options(int threads, int parallel) {
  lethe::llm::Options o;
  o.threads = threads;
  o.parallel = parallel;
  o.use_cache = false;
  return o;
}

constexpr int kDecodeTokens = 128;

// (a) llama-bench's text-generation test against our greedy decode of the same number of tokens. The two are
// interleaved over several rounds and the medians compared, so that a burst of load on the machine does not
// land on one side only.
nlohmann::json decode_speed(const std::string& model, int threads) {
  const std::string command = fmt::format("{} -m {} -p 0 -n {} -t {} -r 3 -o json 2>/dev/null", LETHE_LLAMA_BENCH,
                                          model, kDecodeTokens, threads);
  // The same context size as llama-bench's tg test (prompt + generated tokens): attention cost follows it.
  auto same_context = options(threads, 1);
  same_context.context = kDecodeTokens + 32;
  lethe::llm::LlamaBackend llm(model, same_context);
  llm.complete(request_for("Once", kDecodeTokens));  // warm-up
  // Our figure is decode only: a 1-token answer and a kDecodeTokens answer to two fresh prompts of equal length;
  // the difference in latency is (kDecodeTokens - 1) decode steps.
  std::vector<double> ours, reference;
  for (int round = 0; round < 5; ++round) {
    reference.push_back(nlohmann::json::parse(run_command(command)).at(0).at("avg_ts").get<double>());
    auto one = request_for(fmt::format("Once upon a time {}", 2 * round + 11), 1);
    auto many = request_for(fmt::format("Once upon a time {}", 2 * round + 12), kDecodeTokens);
    const auto short_answer = llm.complete(one);
    const auto long_answer = llm.complete(many);
    const double decode_ms = long_answer.latency_ms - short_answer.latency_ms;
    ours.push_back(static_cast<double>(long_answer.completion_tokens - 1) / (decode_ms / 1000.0));
  }
  const double lethe_rate = median(ours), llama_rate = median(reference);
  return {{"llama_bench_tokens_per_s", llama_rate},
          {"lethe_tokens_per_s", lethe_rate},
          {"ratio", lethe_rate / llama_rate},
          {"target", 0.95},
          {"tokens", kDecodeTokens},
          {"note", "decode steps only, measured as the latency difference of a 128-token and a 1-token answer"}};
}

// (b) A 10-turn conversation that grows each turn, with and without prefix reuse.
nlohmann::json prefix_reuse(const std::string& model, int threads) {
  lethe::llm::LlamaBackend llm(model, options(threads, 1));
  std::vector<lethe::llm::Message> conversation;
  std::int64_t total = 0, evaluated = 0;
  for (int turn = 0; turn < 10; ++turn) {
    conversation.push_back({Role::User, fmt::format("Turn {}: the dog ran.", turn)});
    ChatRequest request;
    request.messages = conversation;
    request.sampling.max_tokens = 8;
    const auto r = llm.complete(request);
    total += r.prompt_tokens;
    evaluated += r.prompt_tokens_evaluated;
    conversation.push_back({Role::Assistant, r.text});
  }
  return {{"prompt_tokens_cold", total},
          {"prompt_tokens_with_reuse", evaluated},
          {"reduction", static_cast<double>(total) / static_cast<double>(evaluated)},
          {"target", 5.0}};
}

// (c) The same number of generated tokens per sequence, N sequences decoded together.
nlohmann::json parallel_throughput(const std::string& model, int threads) {
  nlohmann::json out = nlohmann::json::object();
  double base = 0.0;
  for (int n : {1, 4, 8}) {
    lethe::llm::LlamaBackend llm(model, options(threads, n));
    std::vector<ChatRequest> batch;
    for (int i = 0; i < n; ++i) batch.push_back(request_for(fmt::format("Story number {} begins", i), 64));
    llm.complete_batch(batch);  // warm-up
    for (auto& r : batch) r.messages[0].content += " again";
    const auto start = Clock::now();
    const auto responses = llm.complete_batch(batch);
    const double wall = seconds_since(start);
    std::int64_t tokens = 0;
    for (const auto& r : responses) tokens += r.completion_tokens;
    const double rate = static_cast<double>(tokens) / wall;
    if (n == 1) base = rate;
    out[std::to_string(n)] = {{"tokens_per_s", rate}, {"speedup", rate / base}};
  }
  out["target_speedup_at_8"] = 2.0;
  return out;
}

// (d) One request through OpenAiBackend vs the same JSON posted raw, alternating, against one llama-server.
nlohmann::json http_overhead(const std::string& model) {
  const auto log = std::filesystem::temp_directory_path() / "lethe-bench-llama-server.log";
  lethe::test::LlamaServer server(LETHE_LLAMA_SERVER, model, log.string(), {"-c", "512"});
  auto llm = lethe::llm::open("openai:" + server.base_url() + "/v1#fixture", options(2, 1));
  const auto request = request_for("Once upon a time", 4);
  const nlohmann::json body = {{"model", "fixture"},
                               {"messages", {{{"role", "user"}, {"content", "Once upon a time"}}}},
                               {"max_tokens", 4},
                               {"temperature", 0.0}};
  httplib::Client raw("127.0.0.1", server.port());
  raw.set_keep_alive(true);
  raw.set_tcp_nodelay(true);
  std::vector<double> lethe_ms, raw_ms;
  for (int i = 0; i < 60; ++i) {
    auto start = Clock::now();
    const auto res = raw.Post("/v1/chat/completions", body.dump(), "application/json");
    if (!res || res->status != 200) throw std::runtime_error("raw request to llama-server failed");
    raw_ms.push_back(seconds_since(start) * 1000.0);
    start = Clock::now();
    llm->complete(request);
    lethe_ms.push_back(seconds_since(start) * 1000.0);
  }
  // The first calls warm the server's prompt cache; compare the steady state.
  lethe_ms.erase(lethe_ms.begin(), lethe_ms.begin() + 10);
  raw_ms.erase(raw_ms.begin(), raw_ms.begin() + 10);
  const double added = median(lethe_ms) - median(raw_ms);
  return {{"raw_ms_median", median(raw_ms)},
          {"lethe_ms_median", median(lethe_ms)},
          {"added_ms", added},
          {"target_ms", 1.0}};
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = std::string(LETHE_SHARED_DIR) + "/models/stories260Ktok512.gguf";
  std::string out_path = "bench-results/llm_runtime.json";
  int threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--model")
      model = argv[i + 1];
    else if (flag == "--out")
      out_path = argv[i + 1];
    else if (flag == "--threads")
      threads = std::stoi(argv[i + 1]);
    else {
      std::cerr << "usage: lethe_llm_runtime_bench [--model GGUF] [--threads N] [--out FILE]\n";
      return 2;
    }
  }
  try {
    const auto start = Clock::now();
    nlohmann::json results = {{"benchmark", "llm_runtime"}, {"model", model}, {"threads", threads}};
    std::cerr << "(a) decode speed vs llama-bench...\n";
    results["decode"] = decode_speed(model, threads);
    std::cerr << "(b) prefix reuse...\n";
    results["prefix_reuse"] = prefix_reuse(model, threads);
    std::cerr << "(c) parallel sequences...\n";
    results["parallel"] = parallel_throughput(model, threads);
    std::cerr << "(d) HTTP overhead vs raw llama-server...\n";
    results["http"] = http_overhead(model);
    results["wall_s"] = seconds_since(start);

    const auto& d = results["decode"];
    const auto& p = results["parallel"];
    std::cout << fmt::format(
        "(a) decode: lethe {:.0f} tok/s, llama-bench {:.0f} tok/s, ratio {:.3f} (target >= 0.95)\n",
        d["lethe_tokens_per_s"].get<double>(), d["llama_bench_tokens_per_s"].get<double>(), d["ratio"].get<double>());
    std::cout << fmt::format(
        "(b) 10-turn conversation: {} prompt tokens cold, {} with reuse: {:.1f}x fewer (target >= 5x)\n",
        results["prefix_reuse"]["prompt_tokens_cold"].get<std::int64_t>(),
        results["prefix_reuse"]["prompt_tokens_with_reuse"].get<std::int64_t>(),
        results["prefix_reuse"]["reduction"].get<double>());
    std::cout << fmt::format(
        "(c) parallel: 1 seq {:.0f} tok/s, 4 seq {:.0f} tok/s ({:.2f}x), 8 seq {:.0f} tok/s ({:.2f}x) (target >= 2x)\n",
        p["1"]["tokens_per_s"].get<double>(), p["4"]["tokens_per_s"].get<double>(), p["4"]["speedup"].get<double>(),
        p["8"]["tokens_per_s"].get<double>(), p["8"]["speedup"].get<double>());
    std::cout << fmt::format("(d) HTTP: raw {:.3f} ms, lethe {:.3f} ms, added {:.3f} ms per call (target < 1 ms)\n",
                             results["http"]["raw_ms_median"].get<double>(),
                             results["http"]["lethe_ms_median"].get<double>(),
                             results["http"]["added_ms"].get<double>());
    std::filesystem::create_directories(
        std::filesystem::path(out_path).parent_path().empty() ? "." : std::filesystem::path(out_path).parent_path());
    std::ofstream(out_path) << results.dump(2) << "\n";
    std::cout << "results: " << out_path << "\n";
  } catch (const std::exception& e) {
    std::cerr << "lethe_llm_runtime_bench: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
