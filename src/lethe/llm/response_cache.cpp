#include "lethe/llm/response_cache.hpp"

#include <pwd.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>

#include "lethe/llm/factory.hpp"
#include "lethe/util/sha256.hpp"

namespace lethe::llm {

using util::Sha256;
using util::to_hex;

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// 'LETH': marks the file as ours, so a path that points at another application's database is refused.
constexpr int kApplicationId = 0x4C455448;
constexpr int kSchemaVersion = 1;
constexpr int kBusyTimeoutMs = 30'000;

double elapsed_ms(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string hex_encode(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0x0f]);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<std::string> hex_decode(const std::string& hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int high = hex_value(hex[i]);
    const int low = hex_value(hex[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>((high << 4) | low));
  }
  return out;
}

// JSON text can only hold valid UTF-8, but a prompt may carry a model's earlier output cut mid-character. Such a
// request is keyed on its CBOR form instead (exact bytes), so two requests differing only there stay distinct.
std::string canonical_request_bytes(const ChatRequest& request) {
  const json canonical = to_json(request);
  try {
    return canonical.dump();
  } catch (const json::type_error&) {
    const std::vector<std::uint8_t> cbor = json::to_cbor(canonical);
    return "cbor:" + std::string(cbor.begin(), cbor.end());
  }
}

// For people reading the file (and for finding what a cache holds about a subject); never used for lookup.
std::string readable_request(const ChatRequest& request) {
  return to_json(request).dump(-1, ' ', false, json::error_handler_t::replace);
}

// A response text that is not valid UTF-8 is stored as "text_hex" so a hit returns exactly the bytes a miss did.
std::string encode_response(const ChatResponse& response) {
  json stored = to_json(response);
  try {
    return stored.dump();
  } catch (const json::type_error&) {
    stored.erase("text");
    stored["text_hex"] = hex_encode(response.text);
    return stored.dump();
  }
}

ChatResponse decode_response(const std::string& stored_text) {
  json stored = json::parse(stored_text, nullptr, /*allow_exceptions=*/false);
  if (stored.is_discarded() || !stored.is_object()) throw Error("malformed stored response: not a JSON object");
  if (stored.contains("text_hex")) {
    const auto* hex = stored["text_hex"].get_ptr<const std::string*>();
    std::optional<std::string> text = hex ? hex_decode(*hex) : std::nullopt;
    if (!text) throw Error("malformed stored response: bad text_hex");
    stored["text"] = std::move(*text);
  }
  return response_from_json(stored);
}

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

std::string home_directory() {
  if (std::string home = environment("HOME"); !home.empty()) return home;
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  if (getpwuid_r(getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found && found->pw_dir) {
    return found->pw_dir;
  }
  return {};
}

}  // namespace

std::string default_cache_path() {
  const std::string file = "responses.sqlite";
  if (std::string dir = environment("LETHE_CACHE_DIR"); !dir.empty())
    return (std::filesystem::path(dir) / file).string();
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  if (std::string xdg = environment("XDG_CACHE_HOME"); !xdg.empty() && std::filesystem::path(xdg).is_absolute()) {
    return (std::filesystem::path(xdg) / "lethe" / file).string();
  }
  const std::string home = home_directory();
  if (home.empty()) throw Error("cannot place the response cache: set LETHE_CACHE_DIR (no home directory found)");
  return (std::filesystem::path(home) / ".cache" / "lethe" / file).string();
}

std::string cache_key(const std::string& identity, const ChatRequest& request) {
  // The identity's length goes first so that no identity/request pair can be spelled like another.
  Sha256 hasher;
  hasher.update(std::to_string(identity.size())).update(":").update(identity).update(canonical_request_bytes(request));
  return to_hex(hasher.digest());
}

// One SQLite connection, used under a mutex; other threads and processes use their own.
class CachedLlm::Store {
 public:
  struct Entry {
    std::string key;
    std::string request;
    std::string response;
  };

  Store(std::string path, std::string identity) : path_(std::move(path)), identity_(std::move(identity)) {
    try {
      open();
    } catch (...) {
      close();
      throw;
    }
  }
  ~Store() { close(); }
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  std::vector<std::optional<ChatResponse>> find(const std::vector<std::string>& keys) {
    std::vector<std::optional<ChatResponse>> found;
    found.reserve(keys.size());
    std::lock_guard lock(mutex_);
    for (const auto& key : keys) found.push_back(find_locked(key));
    return found;
  }

  // All entries in one transaction; a key already present keeps its first answer.
  void insert(const std::vector<Entry>& entries) {
    if (entries.empty()) return;
    std::lock_guard lock(mutex_);
    exec("BEGIN IMMEDIATE");
    try {
      const std::int64_t now = unix_seconds();
      for (const auto& e : entries) {
        Statement& s = insert_;
        sqlite3_reset(s.get());
        bind_text(s, 1, e.key);
        bind_text(s, 2, identity_);
        bind_text(s, 3, e.request);
        bind_text(s, 4, e.response);
        sqlite3_bind_int64(s.get(), 5, now);
        const int rc = sqlite3_step(s.get());
        sqlite3_reset(s.get());
        if (rc != SQLITE_DONE) fail("cannot store a response", rc);
      }
      commit();
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  std::size_t erase_containing(const std::vector<std::vector<std::string>>& groups) {
    std::lock_guard lock(mutex_);
    std::size_t removed = 0;
    exec("BEGIN IMMEDIATE");
    try {
      for (const auto& group : groups) {
        if (group.empty()) continue;
        std::string sql = "DELETE FROM responses WHERE 1";
        for (std::size_t i = 0; i < group.size(); ++i) {
          const auto a = std::to_string(2 * i + 1);
          const auto b = std::to_string(2 * i + 2);
          sql += " AND (instr(request, ?" + a + ") > 0 OR instr(response, ?" + a + ") > 0 OR instr(request, ?" + b +
                 ") > 0 OR instr(response, ?" + b + ") > 0)";
        }
        Statement s = prepare(sql);
        for (std::size_t i = 0; i < group.size(); ++i) {
          bind_text(s, static_cast<int>(2 * i + 1), group[i]);
          bind_text(s, static_cast<int>(2 * i + 2), json_escaped(group[i]));
        }
        const int rc = sqlite3_step(s.get());
        if (rc != SQLITE_DONE) fail("cannot erase responses", rc);
        removed += static_cast<std::size_t>(sqlite3_changes(db_));
      }
      commit();
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    // Pages freed by the delete were zeroed (secure_delete); the old page images still in the WAL go with it.
    const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      fail("erased, but cannot checkpoint the write-ahead log (erased bytes may remain in the -wal file until other "
           "processes close the cache)",
           rc);
    }
    return removed;
  }

 private:
  static std::string json_escaped(const std::string& text) {
    const std::string quoted = json(text).dump(-1, ' ', false, json::error_handler_t::replace);
    return quoted.substr(1, quoted.size() - 2);
  }

  struct StatementDeleter {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

  [[noreturn]] void fail(const std::string& what, int rc) const {
    std::string detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    std::string message = "response cache " + path_ + ": " + what + ": " + detail;
    if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) {
      message += " (not a usable SQLite database; it was left untouched: move it away or choose another cache path)";
    } else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      message += " (still locked by another process after " + std::to_string(kBusyTimeoutMs / 1000) + " s)";
    }
    throw Error(message);
  }

  void open() {
    const std::filesystem::path file(path_);
    std::error_code ec;
    if (file.has_parent_path()) {
      std::filesystem::create_directories(file.parent_path(), ec);
      if (ec) throw Error("response cache " + path_ + ": cannot create its directory: " + ec.message());
    }
    if (std::filesystem::is_directory(file, ec)) throw Error("response cache " + path_ + ": is a directory");

    const int rc = sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) fail("cannot open", rc);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);

    // Check what is there before changing anything, so a foreign or damaged file is never written to.
    const bool ready = check_schema();
    exec("PRAGMA journal_mode=WAL");
    if (!ready) create_schema();
    // A cache may lose its last answers on power loss without harm; it must never be corrupted, which WAL ensures.
    exec("PRAGMA synchronous=NORMAL");
    // Erasure requests (erase_containing) must not leave the removed text in freed pages.
    exec("PRAGMA secure_delete=ON");

    select_ = prepare("SELECT response FROM responses WHERE key = ?1");
    insert_ = prepare(
        "INSERT OR IGNORE INTO responses (key, identity, request, response, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
  }

  void create_schema() {
    exec("BEGIN IMMEDIATE");
    try {
      // Another process may have created it since this one looked.
      if (!check_schema()) {
        exec(
            "CREATE TABLE responses (key TEXT PRIMARY KEY, identity TEXT NOT NULL, request TEXT NOT NULL, "
            "response TEXT NOT NULL, created_at INTEGER NOT NULL)");
        exec("PRAGMA application_id=" + std::to_string(kApplicationId));
        exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
      }
      commit();
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  // True when the file holds our schema; false when it is empty; throws for anything else. One statement, so
  // every figure comes from the same snapshot even while another process is creating the schema.
  bool check_schema() {
    Statement s = prepare(
        "SELECT (SELECT application_id FROM pragma_application_id), (SELECT user_version FROM pragma_user_version), "
        "(SELECT count(*) FROM sqlite_master), "
        "(SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'responses')");
    const int rc = retry_while_busy([&] {
      sqlite3_reset(s.get());
      return sqlite3_step(s.get());
    });
    if (rc != SQLITE_ROW) fail("cannot read the schema", rc);
    const std::int64_t application_id = sqlite3_column_int64(s.get(), 0);
    const std::int64_t version = sqlite3_column_int64(s.get(), 1);
    const std::int64_t objects = sqlite3_column_int64(s.get(), 2);
    const std::int64_t responses_tables = sqlite3_column_int64(s.get(), 3);
    if (application_id == 0 && version == 0 && objects == 0) return false;
    if (application_id != kApplicationId) {
      throw Error("response cache " + path_ +
                  ": this SQLite file belongs to another application (it was left untouched; pass another cache "
                  "path)");
    }
    if (version > kSchemaVersion) {
      throw Error("response cache " + path_ + ": written by a newer Lethe (schema " + std::to_string(version) +
                  ", this one reads " + std::to_string(kSchemaVersion) + ")");
    }
    if (version != kSchemaVersion || responses_tables != 1) {
      throw Error("response cache " + path_ + ": unexpected schema (version " + std::to_string(version) +
                  "); the file was left untouched");
    }
    return true;
  }

  void close() {
    select_.reset();
    insert_.reset();
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
  }

  Statement prepare(const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &raw, nullptr);
    if (rc != SQLITE_OK) fail("cannot read it", rc);
    return Statement(raw);
  }

  // The busy timeout does not cover every lock: a journal-mode change or a commit can answer SQLITE_BUSY at once
  // while another process switches the file to WAL or runs a checkpoint. Those are retried up to the same limit.
  template <typename Attempt>
  int retry_while_busy(Attempt attempt) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
    int pause_ms = 1;
    while (true) {
      const int rc = attempt();
      if (rc != SQLITE_BUSY || Clock::now() >= deadline) return rc;
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
      pause_ms = std::min(pause_ms * 2, 50);
    }
  }

  void exec(const std::string& sql) {
    const int rc = retry_while_busy([&] { return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr); });
    if (rc != SQLITE_OK) fail("'" + sql + "' failed", rc);
  }

  void commit() { exec("COMMIT"); }

  void bind_text(Statement& s, int index, const std::string& text) {
    const int rc = sqlite3_bind_text64(s.get(), index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) fail("cannot bind a value", rc);
  }

  std::optional<ChatResponse> find_locked(const std::string& key) {
    Statement& s = select_;
    sqlite3_reset(s.get());
    bind_text(s, 1, key);
    const int rc = retry_while_busy([&] {
      sqlite3_reset(s.get());
      return sqlite3_step(s.get());
    });
    if (rc == SQLITE_DONE) {
      sqlite3_reset(s.get());
      return std::nullopt;
    }
    if (rc != SQLITE_ROW) {
      sqlite3_reset(s.get());
      fail("cannot look a response up", rc);
    }
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
    const std::string stored =
        text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(s.get(), 0))) : std::string();
    sqlite3_reset(s.get());
    try {
      return decode_response(stored);
    } catch (const Error& e) {
      throw Error("response cache " + path_ + ": entry " + key + ": " + e.what());
    }
  }

  std::string path_;
  std::string identity_;
  std::mutex mutex_;
  sqlite3* db_ = nullptr;
  Statement select_;
  Statement insert_;
};

CachedLlm::CachedLlm(std::unique_ptr<Llm> inner, std::string path) : inner_(std::move(inner)), path_(std::move(path)) {
  if (!inner_) throw Error("response cache: no backend to wrap");
  if (path_.empty()) throw Error("response cache: empty path");
  identity_ = inner_->identity();
  store_ = std::make_unique<Store>(path_, identity_);
}

CachedLlm::~CachedLlm() = default;

std::size_t CachedLlm::erase_containing(const std::vector<std::vector<std::string>>& groups) {
  return store_->erase_containing(groups);
}

std::string CachedLlm::describe() const { return inner_->describe() + " (cached: " + path_ + ")"; }

std::string CachedLlm::identity() const { return identity_; }

ChatResponse CachedLlm::do_complete(const ChatRequest& request) {
  const auto start = Clock::now();
  const std::string key = cache_key(identity_, request);
  if (auto found = std::move(store_->find({key}).front())) {
    found->from_cache = true;
    found->latency_ms = elapsed_ms(start);
    ++hits_;
    return std::move(*found);
  }
  ChatResponse response = inner_->complete(request);
  response.from_cache = false;
  store_->insert({{key, readable_request(request), encode_response(response)}});
  ++misses_;
  return response;
}

std::vector<ChatResponse> CachedLlm::do_complete_batch(const std::vector<ChatRequest>& requests) {
  const auto start = Clock::now();
  std::vector<std::string> keys;
  keys.reserve(requests.size());
  for (const auto& r : requests) keys.push_back(cache_key(identity_, r));
  std::vector<std::optional<ChatResponse>> found = store_->find(keys);
  const double lookup_ms = elapsed_ms(start);

  std::vector<ChatResponse> out(requests.size());
  std::vector<ChatRequest> to_send;
  std::vector<std::size_t> sent_slot(requests.size(), 0);  // for a miss: its index in to_send
  std::vector<bool> repeated(requests.size(), false);      // a miss already being sent for an earlier index
  std::unordered_map<std::string, std::size_t> slot_of_key;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (found[i]) {
      out[i] = std::move(*found[i]);
      out[i].from_cache = true;
      out[i].latency_ms = lookup_ms;
      continue;
    }
    auto [it, inserted] = slot_of_key.try_emplace(keys[i], to_send.size());
    if (inserted) to_send.push_back(requests[i]);
    repeated[i] = !inserted;
    sent_slot[i] = it->second;
  }

  if (!to_send.empty()) {
    std::vector<ChatResponse> answers = inner_->complete_batch(to_send);
    if (answers.size() != to_send.size()) throw Error("backend returned a wrong number of responses");
    std::vector<Store::Entry> entries;
    entries.reserve(to_send.size());
    for (const auto& [key, slot] : slot_of_key) {
      answers[slot].from_cache = false;
      entries.push_back({key, readable_request(to_send[slot]), encode_response(answers[slot])});
    }
    store_->insert(entries);
    for (std::size_t i = 0; i < requests.size(); ++i) {
      if (found[i]) continue;
      out[i] = answers[sent_slot[i]];
      if (repeated[i]) {
        out[i].from_cache = true;
        out[i].latency_ms = lookup_ms;
      }
    }
  }

  std::int64_t hit_count = 0;
  for (const auto& r : out) hit_count += r.from_cache ? 1 : 0;
  hits_ += hit_count;
  misses_ += static_cast<std::int64_t>(out.size()) - hit_count;
  return out;
}

}  // namespace lethe::llm
