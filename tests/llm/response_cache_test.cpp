#include "lethe/llm/response_cache.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "lethe/llm/factory.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::llm {
namespace {

namespace fs = std::filesystem;

constexpr double kBackendLatencyMs = 987654.0;

std::string readable(const ChatRequest& request) {
  return to_json(request).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// What the scripted backend answers: a pure function of its identity and the request.
ChatResponse scripted_answer(const std::string& identity, const ChatRequest& request) {
  ChatResponse r;
  r.text = "answer of " + identity + " to " + readable(request);
  r.finish = request.choices.empty() ? FinishReason::Stop : FinishReason::Choice;
  r.prompt_tokens = static_cast<std::int64_t>(request.messages.size() * 10);
  r.prompt_tokens_evaluated = r.prompt_tokens / 2;
  r.completion_tokens = 7;
  r.latency_ms = kBackendLatencyMs;
  for (std::size_t i = 0; i < request.choices.size(); ++i) {
    r.choice_probs.push_back(1.0 / static_cast<double>(request.choices.size()));
  }
  return r;
}

// A backend that records what reaches it.
class ScriptedLlm : public Llm {
 public:
  explicit ScriptedLlm(std::string identity = "scripted:model-a") : identity_(std::move(identity)) {}

  std::string describe() const override { return "scripted backend " + identity_; }
  std::string identity() const override { return identity_; }

  int calls() const { return calls_.load(); }
  std::vector<std::vector<ChatRequest>> batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  void fail_next_call() { fail_next_ = true; }
  void answer_with(std::string text) { fixed_text_ = std::move(text); }

 protected:
  ChatResponse do_complete(const ChatRequest& request) override {
    if (fail_next_.exchange(false)) throw Error("scripted backend failure");
    ++calls_;
    ChatResponse r = scripted_answer(identity_, request);
    if (fixed_text_) r.text = *fixed_text_;
    return r;
  }
  std::vector<ChatResponse> do_complete_batch(const std::vector<ChatRequest>& requests) override {
    {
      std::lock_guard lock(mutex_);
      batches_.push_back(requests);
    }
    return Llm::do_complete_batch(requests);
  }

 private:
  std::string identity_;
  std::atomic<int> calls_{0};
  std::atomic<bool> fail_next_{false};
  std::optional<std::string> fixed_text_;
  mutable std::mutex mutex_;
  std::vector<std::vector<ChatRequest>> batches_;
};

// A cache over a fresh scripted backend, with the backend still reachable for inspection.
struct Fixture {
  ScriptedLlm* backend;
  std::unique_ptr<CachedLlm> cache;
};

Fixture open_cache(const fs::path& path, const std::string& identity = "scripted:model-a") {
  auto backend = std::make_unique<ScriptedLlm>(identity);
  ScriptedLlm* raw = backend.get();
  return {raw, std::make_unique<CachedLlm>(std::move(backend), path.string())};
}

ChatRequest base_request() {
  ChatRequest r;
  r.messages = {{Role::System, "You are terse."}, {Role::User, "Name a colour."}};
  r.sampling.max_tokens = 32;
  return r;
}

ChatRequest numbered_request(const std::string& tag, int i) {
  ChatRequest r = base_request();
  r.messages.back().content = tag + " question " + std::to_string(i);
  return r;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// Direct read access to a cache file, independent of the code under test.
class RawDb {
 public:
  explicit RawDb(const fs::path& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      throw std::runtime_error("cannot open " + path.string());
    }
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  std::string text(const std::string& sql, const std::string& param = {}) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(sqlite3_errmsg(db_));
    if (!param.empty()) sqlite3_bind_text(s, 1, param.c_str(), -1, SQLITE_TRANSIENT);
    std::string out;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
    return out;
  }
  void exec(const std::string& sql) {
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sqlite3_errmsg(db_));
    }
  }

 private:
  sqlite3* db_ = nullptr;
};

TEST(ResponseCache, IdenticalRequestIsAnsweredFromTheFile) {
  auto fx = open_cache(test::scratch_dir("cache_hit") / "responses.sqlite");
  ChatRequest request = base_request();
  request.choices = {"red", "green"};

  ChatResponse first = fx.cache->complete(request);
  EXPECT_FALSE(first.from_cache);
  EXPECT_EQ(fx.backend->calls(), 1);

  ChatResponse second = fx.cache->complete(request);
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(fx.backend->calls(), 1);
  EXPECT_EQ(second.text, first.text);
  EXPECT_EQ(second.finish, first.finish);
  EXPECT_EQ(second.prompt_tokens, first.prompt_tokens);
  EXPECT_EQ(second.prompt_tokens_evaluated, first.prompt_tokens_evaluated);
  EXPECT_EQ(second.completion_tokens, first.completion_tokens);
  EXPECT_EQ(second.choice_probs, first.choice_probs);
  // The latency of a hit is the lookup's, not the stored call's.
  EXPECT_NE(second.latency_ms, kBackendLatencyMs);
  EXPECT_GE(second.latency_ms, 0.0);
  EXPECT_EQ(fx.cache->hits(), 1);
  EXPECT_EQ(fx.cache->misses(), 1);
}

struct Change {
  std::string name;
  std::function<void(ChatRequest&)> apply;
  bool changes_answer;
};

std::vector<Change> changes() {
  return {
      {"message content", [](ChatRequest& r) { r.messages.back().content += "!"; }, true},
      {"message role", [](ChatRequest& r) { r.messages.back().role = Role::Assistant; }, true},
      {"extra message",
       [](ChatRequest& r) {
         r.messages.push_back({Role::User, "And another?"});
       },
       true},
      {"system prompt", [](ChatRequest& r) { r.messages.front().content = "You are verbose."; }, true},
      {"temperature", [](ChatRequest& r) { r.sampling.temperature = 0.7; }, true},
      {"top_p", [](ChatRequest& r) { r.sampling.top_p = 0.9; }, true},
      {"top_k", [](ChatRequest& r) { r.sampling.top_k = 40; }, true},
      {"max_tokens", [](ChatRequest& r) { r.sampling.max_tokens = 33; }, true},
      {"stop", [](ChatRequest& r) { r.stop = {"\n"}; }, true},
      {"grammar", [](ChatRequest& r) { r.grammar = "root ::= \"red\" | \"green\""; }, true},
      {"json_schema",
       [](ChatRequest& r) {
         r.json_schema = nlohmann::json{{"type", "string"}};
       },
       true},
      {"choices",
       [](ChatRequest& r) {
         r.choices = {"red", "green"};
       },
       true},
      {"seed at temperature 0", [](ChatRequest& r) { r.sampling.seed = 42; }, false},
  };
}

TEST(ResponseCache, AnyChangeToTheRequestIsAMissExceptTheSeedWhenGreedy) {
  for (const Change& change : changes()) {
    SCOPED_TRACE(change.name);
    auto fx = open_cache(test::scratch_dir("cache_change") / "responses.sqlite");
    fx.cache->complete(base_request());
    ChatRequest changed = base_request();
    change.apply(changed);
    ChatResponse response = fx.cache->complete(changed);
    EXPECT_EQ(response.from_cache, !change.changes_answer);
    EXPECT_EQ(fx.backend->calls(), change.changes_answer ? 2 : 1);
    if (change.changes_answer) {
      EXPECT_NE(cache_key("scripted:model-a", changed), cache_key("scripted:model-a", base_request()));
    }
  }
}

TEST(ResponseCache, SeedCountsWhenSampling) {
  auto fx = open_cache(test::scratch_dir("cache_seed") / "responses.sqlite");
  ChatRequest sampled = base_request();
  sampled.sampling.temperature = 0.8;
  sampled.sampling.seed = 1;
  fx.cache->complete(sampled);
  EXPECT_TRUE(fx.cache->complete(sampled).from_cache);
  sampled.sampling.seed = 2;
  EXPECT_FALSE(fx.cache->complete(sampled).from_cache);
  EXPECT_EQ(fx.backend->calls(), 2);
}

TEST(ResponseCache, AnotherBackendIdentityIsAMiss) {
  const fs::path path = test::scratch_dir("cache_identity") / "responses.sqlite";
  {
    auto fx = open_cache(path, "scripted:model-a");
    fx.cache->complete(base_request());
  }
  auto other = open_cache(path, "scripted:model-b");
  ChatResponse response = other.cache->complete(base_request());
  EXPECT_FALSE(response.from_cache);
  EXPECT_EQ(other.backend->calls(), 1);
  EXPECT_EQ(response.text, scripted_answer("scripted:model-b", base_request()).text);
  EXPECT_NE(cache_key("scripted:model-a", base_request()), cache_key("scripted:model-b", base_request()));
}

TEST(ResponseCache, KeyIsAStableSha256Digest) {
  const std::string key = cache_key("scripted:model-a", base_request());
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(key, cache_key("scripted:model-a", base_request()));
  // Identity and request cannot trade characters to produce the same key.
  ChatRequest r = base_request();
  EXPECT_NE(cache_key("a", r), cache_key("", r));
}

TEST(ResponseCache, SurvivesRestart) {
  const fs::path path = test::scratch_dir("cache_restart") / "responses.sqlite";
  std::string first_text;
  {
    auto fx = open_cache(path);
    first_text = fx.cache->complete(base_request()).text;
    fx.cache->complete(numbered_request("restart", 1));
  }
  auto fx = open_cache(path);
  ChatResponse again = fx.cache->complete(base_request());
  EXPECT_TRUE(again.from_cache);
  EXPECT_EQ(again.text, first_text);
  EXPECT_TRUE(fx.cache->complete(numbered_request("restart", 1)).from_cache);
  EXPECT_EQ(fx.backend->calls(), 0);
}

TEST(ResponseCache, CreatesParentDirectoriesAndTheDocumentedSchema) {
  const fs::path path = test::scratch_dir("cache_dirs") / "a" / "b" / "responses.sqlite";
  {
    auto fx = open_cache(path);
    fx.cache->complete(base_request());
  }
  ASSERT_TRUE(fs::exists(path));
  RawDb db(path);
  EXPECT_EQ(db.text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(db.text("PRAGMA user_version"), "1");
  EXPECT_EQ(db.text("SELECT identity FROM responses WHERE key = ?1", cache_key("scripted:model-a", base_request())),
            "scripted:model-a");
  EXPECT_EQ(db.text("SELECT request FROM responses"), to_json(base_request()).dump());
  EXPECT_NE(db.text("SELECT created_at FROM responses"), "");
}

TEST(ResponseCache, DescribeAndIdentity) {
  const fs::path path = test::scratch_dir("cache_describe") / "responses.sqlite";
  auto fx = open_cache(path);
  EXPECT_EQ(fx.cache->describe(), "scripted backend scripted:model-a (cached: " + path.string() + ")");
  EXPECT_EQ(fx.cache->identity(), "scripted:model-a");
  EXPECT_EQ(fx.cache->path(), path.string());
}

TEST(ResponseCache, HitsAreCountedInUsage) {
  auto fx = open_cache(test::scratch_dir("cache_usage") / "responses.sqlite");
  fx.cache->complete(base_request());
  fx.cache->complete(base_request());
  fx.cache->complete(base_request());
  fx.cache->complete_batch({base_request(), numbered_request("usage", 1)});
  const Usage usage = fx.cache->usage().snapshot();
  EXPECT_EQ(usage.calls, 5);
  EXPECT_EQ(usage.cache_hits, 3);
  EXPECT_EQ(usage.to_json().at("cache_misses"), 2);
  EXPECT_EQ(fx.cache->hits(), 3);
  EXPECT_EQ(fx.cache->misses(), 2);
}

TEST(ResponseCache, BatchSendsOnlyMissesInOneCallAndKeepsOrder) {
  auto fx = open_cache(test::scratch_dir("cache_batch") / "responses.sqlite");
  fx.cache->complete(numbered_request("batch", 1));
  fx.cache->complete(numbered_request("batch", 3));
  ASSERT_EQ(fx.backend->calls(), 2);

  const std::vector<ChatRequest> requests = {numbered_request("batch", 0), numbered_request("batch", 1),
                                             numbered_request("batch", 2), numbered_request("batch", 3),
                                             numbered_request("batch", 4), numbered_request("batch", 2)};
  const std::vector<ChatResponse> responses = fx.cache->complete_batch(requests);

  ASSERT_EQ(responses.size(), requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(responses[i].text, scripted_answer("scripted:model-a", requests[i]).text) << i;
  }
  const std::vector<bool> expected_hit = {false, true, false, true, false, true};
  for (std::size_t i = 0; i < requests.size(); ++i) EXPECT_EQ(responses[i].from_cache, expected_hit[i]) << i;

  const auto batches = fx.backend->batches();
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].size(), 3u);  // 0, 2, 4: the repeat of 2 is sent once
  EXPECT_EQ(batches[0][0].messages.back().content, "batch question 0");
  EXPECT_EQ(batches[0][1].messages.back().content, "batch question 2");
  EXPECT_EQ(batches[0][2].messages.back().content, "batch question 4");
  EXPECT_EQ(fx.cache->hits(), 3);
  EXPECT_EQ(fx.cache->misses(), 5);

  // Everything is stored now: a second batch never reaches the backend.
  const std::vector<ChatResponse> again = fx.cache->complete_batch(requests);
  EXPECT_EQ(fx.backend->batches().size(), 1u);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_TRUE(again[i].from_cache);
    EXPECT_EQ(again[i].text, responses[i].text);
  }
  EXPECT_TRUE(fx.cache->complete_batch({}).empty());
  EXPECT_EQ(fx.backend->batches().size(), 1u);
}

TEST(ResponseCache, BackendFailureStoresNothing) {
  auto fx = open_cache(test::scratch_dir("cache_failure") / "responses.sqlite");
  fx.backend->fail_next_call();
  EXPECT_THROW(fx.cache->complete(base_request()), Error);
  ChatResponse response = fx.cache->complete(base_request());
  EXPECT_FALSE(response.from_cache);
  EXPECT_EQ(fx.backend->calls(), 1);
}

TEST(ResponseCache, InvalidUtf8IsStoredAndKeyedExactly) {
  auto fx = open_cache(test::scratch_dir("cache_utf8") / "responses.sqlite");
  const std::string cut_text = "caf\xc3";  // a two-byte character cut in half, as at a max_tokens limit
  fx.backend->answer_with(cut_text);
  ChatRequest first = base_request();
  first.messages.push_back({Role::Assistant, "bad \xff"});
  ChatRequest second = base_request();
  second.messages.push_back({Role::Assistant, "bad \xfe"});

  EXPECT_EQ(fx.cache->complete(first).text, cut_text);
  EXPECT_NE(cache_key("scripted:model-a", first), cache_key("scripted:model-a", second));
  ChatResponse hit = fx.cache->complete(first);
  EXPECT_TRUE(hit.from_cache);
  EXPECT_EQ(hit.text, cut_text);
  EXPECT_FALSE(fx.cache->complete(second).from_cache);
  EXPECT_EQ(fx.backend->calls(), 2);
}

TEST(ResponseCache, ThreadsShareOneCache) {
  auto fx = open_cache(test::scratch_dir("cache_threads") / "responses.sqlite");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const ChatRequest r = numbered_request("threads", (i * 7 + t) % 50);
        if (fx.cache->complete(r).text != scripted_answer("scripted:model-a", r).text) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(fx.cache->hits() + fx.cache->misses(), 400);
  EXPECT_EQ(fx.cache->misses(), fx.backend->calls());
  EXPECT_GE(fx.cache->misses(), 50);
  RawDb db(fx.cache->path());
  EXPECT_EQ(db.text("SELECT count(*) FROM responses"), "50");
}

// Used by a child process: answers `tag`'s distinct questions and the shared ones, from two threads (one by single
// calls, one by batches). Returns the process exit status.
int write_from_child(const fs::path& path, const std::string& tag, int distinct, int shared) {
  try {
    auto fx = open_cache(path);
    std::vector<ChatRequest> requests;
    for (int i = 0; i < distinct; ++i) {
      requests.push_back(numbered_request(tag, i));
      if (i < shared) requests.push_back(numbered_request("shared", i));
    }
    std::atomic<int> wrong{0};
    auto singles = std::thread([&] {
      for (std::size_t i = 0; i < requests.size(); i += 2) {
        if (fx.cache->complete(requests[i]).text != scripted_answer("scripted:model-a", requests[i]).text) ++wrong;
      }
    });
    std::vector<ChatRequest> odd;
    for (std::size_t i = 1; i < requests.size(); i += 2) odd.push_back(requests[i]);
    for (std::size_t start = 0; start < odd.size(); start += 10) {
      std::vector<ChatRequest> chunk(odd.begin() + static_cast<std::ptrdiff_t>(start),
                                     odd.begin() + static_cast<std::ptrdiff_t>(std::min(start + 10, odd.size())));
      auto answers = fx.cache->complete_batch(chunk);
      for (std::size_t i = 0; i < chunk.size(); ++i) {
        if (answers[i].text != scripted_answer("scripted:model-a", chunk[i]).text) ++wrong;
      }
    }
    singles.join();
    return wrong.load() == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child %s: %s\n", tag.c_str(), e.what());
    return 3;
  }
}

TEST(ResponseCache, TwoProcessesWritingConcurrentlyLeaveItConsistent) {
  const fs::path path = test::scratch_dir("cache_processes") / "responses.sqlite";
  constexpr int kDistinct = 200;
  constexpr int kShared = 50;
  int start_gate[2];
  ASSERT_EQ(pipe(start_gate), 0);
  std::vector<pid_t> children;
  for (const std::string tag : {"first", "second"}) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(start_gate[1]);
      char byte = 0;
      // Both children open the (not yet existing) file at the same moment: when the parent closes the gate.
      [[maybe_unused]] const auto got = read(start_gate[0], &byte, 1);
      _exit(write_from_child(path, tag, kDistinct, kShared));
    }
    children.push_back(pid);
  }
  close(start_gate[0]);
  close(start_gate[1]);
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "2: a wrong answer, 3: an exception in the child";
  }

  std::vector<ChatRequest> expected;
  for (const std::string tag : {"first", "second"}) {
    for (int i = 0; i < kDistinct; ++i) expected.push_back(numbered_request(tag, i));
  }
  for (int i = 0; i < kShared; ++i) expected.push_back(numbered_request("shared", i));
  {
    RawDb db(path);
    EXPECT_EQ(db.text("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(db.text("SELECT count(*) FROM responses"), std::to_string(expected.size()));
    for (const auto& r : expected) {
      ASSERT_EQ(db.text("SELECT count(*) FROM responses WHERE key = ?1", cache_key("scripted:model-a", r)), "1")
          << r.messages.back().content;
    }
  }
  auto fx = open_cache(path);
  const auto answers = fx.cache->complete_batch(expected);
  EXPECT_TRUE(fx.backend->batches().empty());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(answers[i].text, scripted_answer("scripted:model-a", expected[i]).text);
  }
}

void expect_refused_and_untouched(const fs::path& path, const std::string& why) {
  SCOPED_TRACE(why);
  const std::string before = read_bytes(path);
  const auto siblings_before = std::distance(fs::directory_iterator(path.parent_path()), fs::directory_iterator());
  try {
    auto fx = open_cache(path);
    ADD_FAILURE() << "opened " << path;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(std::distance(fs::directory_iterator(path.parent_path()), fs::directory_iterator()), siblings_before)
      << "no journal or WAL file may be left beside it";
}

TEST(ResponseCache, RefusesAFileThatIsNotSqlite) {
  const fs::path dir = test::scratch_dir("cache_corrupt");
  std::string garbage;
  for (int i = 0; i < 3000; ++i) garbage += "not a database " + std::to_string(i) + "\n";
  write_bytes(dir / "big.sqlite", garbage);
  expect_refused_and_untouched(dir / "big.sqlite", "text file");
  write_bytes(dir / "small.sqlite", "hello\n");
  expect_refused_and_untouched(dir / "small.sqlite", "tiny file");
}

TEST(ResponseCache, RefusesAnotherApplicationsDatabase) {
  const fs::path path = test::scratch_dir("cache_foreign") / "notes.sqlite";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  expect_refused_and_untouched(path, "foreign database");
}

TEST(ResponseCache, RefusesANewerSchema) {
  const fs::path path = test::scratch_dir("cache_newer") / "responses.sqlite";
  { open_cache(path); }
  { RawDb(path).exec("PRAGMA user_version = 99"); }
  try {
    open_cache(path);
    ADD_FAILURE() << "opened a newer schema";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

TEST(ResponseCache, ADamagedEntryIsAClearError) {
  const fs::path path = test::scratch_dir("cache_damaged_entry") / "responses.sqlite";
  { open_cache(path).cache->complete(base_request()); }
  { RawDb(path).exec("UPDATE responses SET response = '{\"oops\"'"); }
  auto fx = open_cache(path);
  try {
    fx.cache->complete(base_request());
    ADD_FAILURE() << "returned a damaged entry";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
}

TEST(ResponseCache, RefusesADirectoryPath) {
  const fs::path dir = test::scratch_dir("cache_directory");
  EXPECT_THROW(open_cache(dir), Error);
}

// Sets environment variables for one scope and restores them afterwards.
class ScopedEnv {
 public:
  void set(const char* name, const char* value) {
    const char* old = std::getenv(name);
    saved_.push_back({name, old ? std::optional<std::string>(old) : std::nullopt});
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) {
        setenv(it->first.c_str(), it->second->c_str(), 1);
      } else {
        unsetenv(it->first.c_str());
      }
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(ResponseCache, DefaultPathFollowsTheEnvironment) {
  ScopedEnv env;
  env.set("LETHE_CACHE_DIR", "/tmp/lethe-cache-dir");
  env.set("XDG_CACHE_HOME", "/tmp/xdg-cache");
  env.set("HOME", "/tmp/some-home");
  EXPECT_EQ(default_cache_path(), "/tmp/lethe-cache-dir/responses.sqlite");
  env.set("LETHE_CACHE_DIR", nullptr);
  EXPECT_EQ(default_cache_path(), "/tmp/xdg-cache/lethe/responses.sqlite");
  env.set("XDG_CACHE_HOME", "relative/ignored");
  EXPECT_EQ(default_cache_path(), "/tmp/some-home/.cache/lethe/responses.sqlite");
  env.set("XDG_CACHE_HOME", nullptr);
  EXPECT_EQ(default_cache_path(), "/tmp/some-home/.cache/lethe/responses.sqlite");
}


ChatRequest request_about(const std::string& text) {
  ChatRequest r = base_request();
  r.messages.back().content = text;
  return r;
}

TEST(ResponseCacheErasure, RemovesExactlyTheExchangesMatchingAGroupAndLeavesNoByteInTheFiles) {
  const auto dir = test::scratch_dir("cache_erase");
  const auto path = dir / "responses.sqlite";
  auto fx = open_cache(path);
  const std::string secret = "grid world 'house' pos (3,4) secret-marker-7f3a";
  for (int i = 0; i < 40; ++i) fx.cache->complete(numbered_request("filler", i));
  fx.cache->complete(request_about(secret));
  for (int i = 40; i < 80; ++i) fx.cache->complete(numbered_request("filler", i));
  fx.cache->complete(request_about("grid world 'maze' pos (3,4)"));
  fx.cache->complete(request_about("grid world 'house' pos (1,1) \"quoted\" part"));
  ASSERT_EQ(fx.backend->calls(), 83);

  // Both strings of a group must occur; the quoted needle matches its JSON-escaped stored form.
  EXPECT_EQ(fx.cache->erase_containing({{"grid world 'house'", "(3,4)"}}), 1u);
  EXPECT_EQ(fx.cache->erase_containing({{"\"quoted\""}}), 1u);
  EXPECT_EQ(fx.cache->erase_containing({{}, {"nothing like this"}}), 0u);

  fx.cache->complete(request_about("grid world 'maze' pos (3,4)"));
  EXPECT_EQ(fx.backend->calls(), 83) << "an exchange outside every group must stay cached";
  fx.cache->complete(request_about(secret));
  EXPECT_EQ(fx.backend->calls(), 84) << "an erased exchange must be asked again";
  EXPECT_EQ(fx.cache->erase_containing({{"secret-marker-7f3a"}}), 1u);

  // Checked while the cache is still open: closing would checkpoint the log anyway and hide a missing checkpoint.
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_EQ(read_bytes(entry.path()).find("secret-marker-7f3a"), std::string::npos) << entry.path();
  }
}

TEST(ResponseCacheErasure, ErasureIsSeenByAnotherConnectionToTheSameFile) {
  const auto path = test::scratch_dir("cache_erase_shared") / "responses.sqlite";
  auto writer = open_cache(path);
  auto reader = open_cache(path);
  writer.cache->complete(request_about("about (5,5)"));
  reader.cache->complete(request_about("about (5,5)"));
  EXPECT_EQ(reader.backend->calls(), 0);
  EXPECT_EQ(writer.cache->erase_containing({{"(5,5)"}}), 1u);
  reader.cache->complete(request_about("about (5,5)"));
  EXPECT_EQ(reader.backend->calls(), 1);
}

}  // namespace
}  // namespace lethe::llm
