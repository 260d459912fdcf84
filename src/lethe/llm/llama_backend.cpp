#include "lethe/llm/llama_backend.hpp"

#include <llama.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "lethe/llm/chat_template.hpp"
#include "lethe/llm/choice_scorer.hpp"
#include "lethe/llm/llama_runtime.hpp"
#include "lethe/llm/sampler_chain.hpp"

namespace lethe::llm {

namespace {

using Token = llama_token;
using Clock = std::chrono::steady_clock;

struct ModelDeleter {
  void operator()(llama_model* m) const { llama_model_free(m); }
};
struct ContextDeleter {
  void operator()(llama_context* c) const { llama_free(c); }
};

// A cheap, content-based identity for the response cache: FNV-1a over the size and the file's first and last
// 4 MiB (all of it for small files). Not a security measure; it keeps cache keys stable across paths and
// machines and changes when the weights do.
std::string file_fingerprint(const std::filesystem::path& path) {
  constexpr std::uint64_t kPrime = 1099511628211ULL;
  constexpr std::streamsize kWindow = 4 << 20;
  std::uint64_t hash = 1469598103934665603ULL;
  const auto size = static_cast<std::streamsize>(std::filesystem::file_size(path));
  auto mix = [&](const char* data, std::streamsize n) {
    for (std::streamsize i = 0; i < n; ++i) hash = (hash ^ static_cast<unsigned char>(data[i])) * kPrime;
  };
  mix(reinterpret_cast<const char*>(&size), sizeof size);
  std::ifstream in(path, std::ios::binary);
  std::vector<char> buffer(static_cast<std::size_t>(std::min(size, kWindow)));
  in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  mix(buffer.data(), in.gcount());
  if (size > kWindow) {
    in.seekg(std::max(kWindow, size - kWindow));
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    mix(buffer.data(), in.gcount());
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

void check_model_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error("model file not found: " + path);
  if (!std::filesystem::is_regular_file(path, ec)) throw Error("model path is not a file: " + path);
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  if (!in || std::string(magic, 4) != "GGUF") throw Error("not a GGUF file (bad magic): " + path);
}

// For a tiny model one token's arithmetic is cheaper than waking and joining worker threads, and on a busy
// machine a preempted worker stalls every barrier; such models run on one thread.
int automatic_threads(const llama_model& model) {
  constexpr std::uint64_t kTinyModelParameters = 20'000'000;
  if (llama_model_n_params(&model) < kTinyModelParameters) return 1;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

std::size_t common_prefix(const std::vector<Token>& a, const std::vector<Token>& b) {
  std::size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

// A portable uniform draw in [0, 1) (std::generate_canonical differs between standard libraries).
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

std::size_t pick_choice(const std::vector<double>& probs, const Sampling& sampling) {
  if (sampling.temperature <= 0.0) {
    return static_cast<std::size_t>(std::max_element(probs.begin(), probs.end()) - probs.begin());
  }
  std::vector<double> weights(probs.size());
  double total = 0.0;
  for (std::size_t i = 0; i < probs.size(); ++i) {
    weights[i] = std::pow(probs[i], 1.0 / sampling.temperature);
    total += weights[i];
  }
  std::mt19937_64 rng(sampling.seed);
  double r = uniform01(rng) * total;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (r < weights[i]) return i;
    r -= weights[i];
  }
  return weights.size() - 1;
}

// One request on its way through a batch.
struct Job {
  const ChatRequest* request = nullptr;
  ChatResponse response;
  std::vector<Token> prompt;
  int slot = -1;
  std::size_t reused = 0;
  // generation
  SamplerPtr sampler;
  std::vector<Token> generated;  // sampled tokens; all but possibly the last are in the KV cache
  bool finished = false;
  // single choice
  std::optional<ChoiceScorer> scorer;
  std::map<std::pair<std::size_t, std::size_t>, std::vector<float>> choice_logits;  // (option, depth) → row
  Clock::time_point started;
};

}  // namespace

class LlamaBackend::Impl {
 public:
  Impl(const std::string& model_path, const Options& options) : path_(model_path), options_(options) {
    ensure_llama_initialised();
    check_model_file(model_path);
    take_llama_log();
    auto model_params = llama_model_default_params();
    model_params.n_gpu_layers = 0;
    model_.reset(llama_model_load_from_file(model_path.c_str(), model_params));
    if (!model_) {
      const std::string why = take_llama_log();
      throw Error("cannot load GGUF model " + model_path + (why.empty() ? "" : ": " + why));
    }
    vocab_ = llama_model_get_vocab(model_.get());
    chat_template_.emplace(
        ChatTemplate::resolve(options.chat_template, llama_model_chat_template(model_.get(), nullptr)));

    slots_ = std::max(1, options.parallel);
    const int trained = llama_model_n_ctx_train(model_.get());
    per_sequence_ = options.context > 0 ? options.context : std::clamp(trained, 512, 4096);
    const int threads = options.threads > 0 ? options.threads : automatic_threads(*model_);

    auto context_params = llama_context_default_params();
    context_params.n_ctx = static_cast<std::uint32_t>(per_sequence_ * slots_);
    context_params.n_batch = static_cast<std::uint32_t>(std::max(512, per_sequence_));
    context_params.n_ubatch = 512;
    context_params.n_seq_max = static_cast<std::uint32_t>(slots_);
    // One KV stream per sequence: a token attends over its own sequence's cells only, not over every slot's.
    context_params.kv_unified = false;
    context_params.n_threads = threads;
    context_params.n_threads_batch = threads;
    context_params.no_perf = true;
    context_.reset(llama_init_from_model(model_.get(), context_params));
    if (!context_) {
      const std::string why = take_llama_log();
      throw Error("cannot create a llama.cpp context for " + model_path + (why.empty() ? "" : ": " + why));
    }
    batch_capacity_ = static_cast<int>(llama_n_batch(context_.get()));
    batch_ = llama_batch_init(batch_capacity_, 0, 1);
    slot_tokens_.assign(static_cast<std::size_t>(slots_), {});
    identity_ = "gguf|" + file_fingerprint(model_path) + "|template=" + chat_template_->name();
  }

  ~Impl() { llama_batch_free(batch_); }

  std::string describe() const { return "gguf:" + path_ + " (template " + chat_template_->name() + ")"; }
  const std::string& identity() const { return identity_; }
  int context_per_sequence() const { return per_sequence_; }
  int vocabulary_size() const { return llama_vocab_n_tokens(vocab_); }

  std::string format_prompt(const std::vector<Message>& messages) const { return chat_template_->apply(messages); }

  std::vector<Token> tokenize(const std::string& text, bool add_special) const {
    const auto length = static_cast<std::int32_t>(text.size());
    std::vector<Token> tokens(text.size() + 8);
    auto n = llama_tokenize(vocab_, text.data(), length, tokens.data(), static_cast<std::int32_t>(tokens.size()),
                            add_special, false);
    if (n < 0) {
      tokens.resize(static_cast<std::size_t>(-n));
      n = llama_tokenize(vocab_, text.data(), length, tokens.data(), static_cast<std::int32_t>(tokens.size()),
                         add_special, false);
    }
    if (n < 0) throw Error("tokenization failed");
    tokens.resize(static_cast<std::size_t>(n));
    return tokens;
  }

  std::vector<ChatResponse> run(const std::vector<ChatRequest>& requests) {
    std::lock_guard lock(mutex_);
    std::vector<ChatResponse> out;
    out.reserve(requests.size());
    for (std::size_t begin = 0; begin < requests.size(); begin += static_cast<std::size_t>(slots_)) {
      const std::size_t end = std::min(requests.size(), begin + static_cast<std::size_t>(slots_));
      std::vector<Job> jobs(end - begin);
      for (std::size_t i = 0; i < jobs.size(); ++i) prepare(jobs[i], requests[begin + i]);
      try {
        run_chunk(jobs);
      } catch (...) {
        forget_all_slots();  // the cache may hold half a batch: start clean next time
        throw;
      }
      for (auto& job : jobs) out.push_back(std::move(job.response));
    }
    return out;
  }

 private:
  void prepare(Job& job, const ChatRequest& request) {
    job.started = Clock::now();
    job.request = &request;
    if (request.messages.empty()) throw Error("a request needs at least one message");
    job.prompt = tokenize(format_prompt(request.messages), true);
    if (job.prompt.empty()) throw Error("the prompt is empty after tokenization");
    if (static_cast<int>(job.prompt.size()) >= per_sequence_) {
      throw Error("prompt of " + std::to_string(job.prompt.size()) + " tokens does not fit the context of " +
                  std::to_string(per_sequence_) + " tokens per sequence (set --context)");
    }
    if (!request.choices.empty()) {
      std::vector<std::vector<Token>> options;
      for (const auto& choice : request.choices) options.push_back(tokenize(choice, false));
      job.scorer.emplace(std::move(options), end_of_generation_token());
      for (const auto& path : job.scorer->paths()) {
        if (job.prompt.size() + path.size() > static_cast<std::size_t>(per_sequence_)) {
          throw Error("prompt and choices do not fit the context of " + std::to_string(per_sequence_) + " tokens");
        }
      }
    } else {
      if (request.sampling.max_tokens <= 0) throw Error("max_tokens must be positive");
      job.sampler = make_sampler_chain(vocab_, request.sampling, request_grammar(request));
    }
  }

  Token end_of_generation_token() const {
    const Token eot = llama_vocab_eot(vocab_);
    return eot != LLAMA_TOKEN_NULL ? eot : llama_vocab_eos(vocab_);
  }

  // Gives each job the free slot whose cached tokens share the longest prefix with its prompt, then drops what
  // that slot holds beyond the shared prefix. The last prompt token is always evaluated again: its logits are
  // what the answer starts from.
  void assign_slots(std::vector<Job>& jobs) {
    std::vector<bool> taken(static_cast<std::size_t>(slots_), false);
    for (auto& job : jobs) {
      std::size_t best_slot = 0, best_len = 0;
      bool found = false;
      for (std::size_t s = 0; s < taken.size(); ++s) {
        if (taken[s]) continue;
        const std::size_t len = common_prefix(slot_tokens_[s], job.prompt);
        if (!found || len > best_len) best_slot = s, best_len = len, found = true;
      }
      taken[best_slot] = true;
      job.slot = static_cast<int>(best_slot);
      job.reused = std::min(best_len, job.prompt.size() - 1);
      auto& cached = slot_tokens_[best_slot];
      if (!llama_memory_seq_rm(memory(), job.slot, static_cast<llama_pos>(job.reused), -1)) {
        llama_memory_seq_rm(memory(), job.slot, -1, -1);
        job.reused = 0;
      }
      cached.resize(job.reused);
    }
  }

  llama_memory_t memory() const { return llama_get_memory(context_.get()); }

  void forget_all_slots() {
    llama_memory_clear(memory(), true);
    for (auto& tokens : slot_tokens_) tokens.clear();
  }

  // Appends one token to the pending batch; the slot's cache list grows with it.
  void push(Job& job, Token token, bool want_logits) {
    auto& cached = slot_tokens_[static_cast<std::size_t>(job.slot)];
    const int i = batch_.n_tokens++;
    batch_.token[i] = token;
    batch_.pos[i] = static_cast<llama_pos>(cached.size());
    batch_.n_seq_id[i] = 1;
    batch_.seq_id[i][0] = job.slot;
    batch_.logits[i] = want_logits;
    cached.push_back(token);
  }

  void decode() {
    if (batch_.n_tokens == 0) return;
    const int rc = llama_decode(context_.get(), batch_);
    batch_.n_tokens = 0;
    if (rc != 0) {
      const std::string why = take_llama_log();
      throw Error("llama_decode failed (code " + std::to_string(rc) + ")" + (why.empty() ? "" : ": " + why));
    }
  }

  void run_chunk(std::vector<Job>& jobs) {
    assign_slots(jobs);
    evaluate_prompts(jobs);
    generate(jobs);
    score_choices(jobs);
    for (auto& job : jobs) finish(job);
  }

  // Prompts are packed into as few decodes as the batch size allows; the logits of each prompt's last token
  // are consumed right after the decode that produced them (the next decode overwrites them).
  void evaluate_prompts(std::vector<Job>& jobs) {
    struct Pending {
      Job* job;
      int index;
    };
    std::vector<Pending> ready;
    auto flush = [&] {
      decode();
      for (auto& p : ready) on_prompt_logits(*p.job, p.index);
      ready.clear();
    };
    for (auto& job : jobs) {
      for (std::size_t i = job.reused; i < job.prompt.size(); ++i) {
        if (batch_.n_tokens == batch_capacity_) flush();
        const bool last = i + 1 == job.prompt.size();
        if (last) ready.push_back({&job, batch_.n_tokens});
        push(job, job.prompt[i], last);
      }
      job.response.prompt_tokens = static_cast<std::int64_t>(job.prompt.size());
      job.response.prompt_tokens_evaluated = static_cast<std::int64_t>(job.prompt.size() - job.reused);
    }
    flush();
  }

  void on_prompt_logits(Job& job, int index) {
    if (job.scorer) {
      const float* row = llama_get_logits_ith(context_.get(), index);
      job.choice_logits[{0, 0}].assign(row, row + vocabulary_size());
    } else {
      accept_sample(job, llama_sampler_sample(job.sampler.get(), context_.get(), index));
    }
  }

  // Records a sampled token and decides whether generation goes on.
  void accept_sample(Job& job, Token token) {
    const ChatRequest& request = *job.request;
    if (llama_vocab_is_eog(vocab_, token)) {
      job.finished = true;
      job.response.finish = FinishReason::Stop;
      return;
    }
    job.generated.push_back(token);
    const std::size_t before = job.response.text.size();
    job.response.text += piece(token);
    for (const auto& stop : request.stop) {
      if (stop.empty()) continue;
      const std::size_t from = before >= stop.size() ? before - stop.size() + 1 : 0;
      const auto at = job.response.text.find(stop, from);
      if (at != std::string::npos) {
        job.response.text.resize(at);
        job.finished = true;
        job.response.finish = FinishReason::Stop;
        return;
      }
    }
    const bool context_full = job.prompt.size() + job.generated.size() >= static_cast<std::size_t>(per_sequence_);
    if (static_cast<int>(job.generated.size()) >= request.sampling.max_tokens || context_full) {
      job.finished = true;
      job.response.finish = FinishReason::Length;
    }
  }

  std::string piece(Token token) const {
    char buffer[256];
    const int n = llama_token_to_piece(vocab_, token, buffer, sizeof buffer, 0, false);
    if (n < 0) {
      std::string big(static_cast<std::size_t>(-n), '\0');
      const int m = llama_token_to_piece(vocab_, token, big.data(), -n, 0, false);
      big.resize(static_cast<std::size_t>(std::max(m, 0)));
      return big;
    }
    return std::string(buffer, static_cast<std::size_t>(n));
  }

  void generate(std::vector<Job>& jobs) {
    for (;;) {
      std::vector<std::pair<Job*, int>> active;
      for (auto& job : jobs) {
        if (job.scorer || job.finished) continue;
        active.emplace_back(&job, batch_.n_tokens);
        push(job, job.generated.back(), true);
      }
      if (active.empty()) return;
      decode();
      for (auto& [job, index] : active)
        accept_sample(*job, llama_sampler_sample(job->sampler.get(), context_.get(), index));
    }
  }

  // For each option, its tokens but the last are appended after the prompt, their logits kept, and then removed
  // again so the slot holds just the prompt. Option k of every choice job shares one decode.
  void score_choices(std::vector<Job>& jobs) {
    std::size_t max_options = 0;
    for (const auto& job : jobs) {
      if (job.scorer) max_options = std::max(max_options, job.scorer->paths().size());
    }
    for (std::size_t option = 0; option < max_options; ++option) {
      std::vector<std::tuple<Job*, std::size_t, int>> wanted;  // job, depth, batch index
      for (auto& job : jobs) {
        if (!job.scorer || option >= job.scorer->paths().size()) continue;
        const auto& path = job.scorer->paths()[option];
        for (std::size_t depth = 1; depth < path.size(); ++depth) {
          wanted.emplace_back(&job, depth, batch_.n_tokens);
          push(job, path[depth - 1], true);
        }
      }
      if (wanted.empty()) continue;
      decode();
      for (auto& [job, depth, index] : wanted) {
        const float* row = llama_get_logits_ith(context_.get(), index);
        job->choice_logits[{option, depth}].assign(row, row + vocabulary_size());
      }
      for (auto& job : jobs) {
        if (!job.scorer) continue;
        llama_memory_seq_rm(memory(), job.slot, static_cast<llama_pos>(job.prompt.size()), -1);
        slot_tokens_[static_cast<std::size_t>(job.slot)].resize(job.prompt.size());
      }
    }
  }

  void finish(Job& job) {
    auto& response = job.response;
    if (job.scorer) {
      response.choice_probs = job.scorer->probabilities([&](std::size_t option, std::size_t depth) {
        const auto key = depth == 0 ? std::pair<std::size_t, std::size_t>{0, 0} : std::pair{option, depth};
        return job.choice_logits.at(key).data();
      });
      response.text = job.request->choices[pick_choice(response.choice_probs, job.request->sampling)];
      response.finish = FinishReason::Choice;
      response.completion_tokens = 0;
    } else {
      response.completion_tokens = static_cast<std::int64_t>(job.generated.size());
    }
    response.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - job.started).count();
  }

  std::string path_;
  Options options_;
  std::unique_ptr<llama_model, ModelDeleter> model_;
  std::unique_ptr<llama_context, ContextDeleter> context_;
  const llama_vocab* vocab_ = nullptr;
  std::optional<ChatTemplate> chat_template_;
  int slots_ = 1;
  int per_sequence_ = 512;
  int batch_capacity_ = 512;
  llama_batch batch_{};
  std::vector<std::vector<Token>> slot_tokens_;
  std::string identity_;
  std::mutex mutex_;
};

LlamaBackend::LlamaBackend(const std::string& model_path, const Options& options)
    : impl_(std::make_unique<Impl>(model_path, options)) {}

LlamaBackend::~LlamaBackend() = default;

std::string LlamaBackend::describe() const { return impl_->describe(); }
std::string LlamaBackend::identity() const { return impl_->identity(); }
std::string LlamaBackend::format_prompt(const std::vector<Message>& messages) const {
  return impl_->format_prompt(messages);
}
std::vector<std::int32_t> LlamaBackend::tokenize(const std::string& text, bool add_special) const {
  return impl_->tokenize(text, add_special);
}
int LlamaBackend::context_per_sequence() const { return impl_->context_per_sequence(); }
int LlamaBackend::vocabulary_size() const { return impl_->vocabulary_size(); }

ChatResponse LlamaBackend::do_complete(const ChatRequest& request) { return impl_->run({request}).front(); }

std::vector<ChatResponse> LlamaBackend::do_complete_batch(const std::vector<ChatRequest>& requests) {
  return impl_->run(requests);
}

}  // namespace lethe::llm
