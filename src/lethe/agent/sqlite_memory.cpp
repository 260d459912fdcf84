#include "lethe/agent/sqlite_memory.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "lethe/agent/memory_error.hpp"
#include "lethe/util/sha256.hpp"

namespace lethe::agent {

using util::sha256_hex;
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kApplicationId = 0x4c657468;  // "Leth": marks a database as a Lethe memory store
constexpr int kSchemaVersion = 1;
// Longest prefix of a trajectory target matched in SQL (one self-join per state); the full target is then checked
// on each candidate with matches().
constexpr std::size_t kMaxJoinedStates = 8;

constexpr const char* kSchema = R"sql(
CREATE TABLE entries (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  environment TEXT NOT NULL,
  subject TEXT,
  subject_environment TEXT,
  content_hash TEXT NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX entries_by_environment ON entries(environment);
CREATE INDEX entries_by_subject ON entries(subject);
CREATE INDEX entries_by_subject_environment ON entries(subject_environment);
CREATE TABLE entry_states (
  entry_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  state_id TEXT NOT NULL,
  state_environment TEXT NOT NULL,
  PRIMARY KEY (entry_id, position)
) WITHOUT ROWID;
CREATE INDEX entry_states_by_state ON entry_states(state_id);
CREATE INDEX entry_states_by_environment ON entry_states(state_environment);
)sql";

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

struct ConnectionCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Connection = std::unique_ptr<sqlite3, ConnectionCloser>;

class Database {
 public:
  Database(fs::path file, Connection connection) : file_(std::move(file)), db_(std::move(connection)) {}

  sqlite3* handle() const { return db_.get(); }
  const fs::path& file() const { return file_; }

  [[noreturn]] void fail(const std::string& action) const {
    throw MemoryError("memory database " + quoted(file_) + ": " + action + ": " + sqlite3_errmsg(db_.get()));
  }

  void exec(const std::string& sql, const std::string& action) const {
    char* message = nullptr;
    if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      const std::string text = message != nullptr ? message : "unknown error";
      sqlite3_free(message);
      throw MemoryError("memory database " + quoted(file_) + ": " + action + ": " + text);
    }
  }

 private:
  fs::path file_;
  Connection db_;
};

class Statement {
 public:
  Statement(const Database& db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) db.fail("prepare");
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  Statement& bind(int index, const std::string& text) {
    if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) != SQLITE_OK) {
      db_.fail("bind");
    }
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) db_.fail("bind");
    return *this;
  }
  Statement& bind_null(int index) {
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) db_.fail("bind");
    return *this;
  }

  // True while rows come; false when done. Returns the raw result code through `code` for callers that handle
  // constraint violations themselves.
  bool step(const std::string& action) {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    last_code_ = rc;
    db_.fail(action);
  }
  int try_step() {
    last_code_ = sqlite3_step(stmt_);
    return last_code_;
  }

  std::string text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return data == nullptr ? std::string()
                           : std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  const Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
  int last_code_ = SQLITE_OK;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back when left without commit().
class Transaction {
 public:
  explicit Transaction(const Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE", "begin transaction"); }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    db_.exec("COMMIT", "commit");
    done_ = true;
  }

 private:
  const Database& db_;
  bool done_ = false;
};

// Refuses files SQLite would reject anyway, before SQLite touches them (a non-empty file without the header).
void require_sqlite_header(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return;
  if (!fs::is_regular_file(file, ec)) throw MemoryError("memory database " + quoted(file) + " is not a regular file");
  const auto size = fs::file_size(file, ec);
  if (ec) throw MemoryError("memory database " + quoted(file) + ": " + ec.message());
  if (size == 0) return;
  static constexpr std::array<char, 16> kHeader = {'S', 'Q', 'L', 'i', 't', 'e', ' ', 'f',
                                                   'o', 'r', 'm', 'a', 't', ' ', '3', '\0'};
  std::array<char, 16> header{};
  std::ifstream in(file, std::ios::binary);
  in.read(header.data(), header.size());
  if (!in || header != kHeader) {
    throw MemoryError("memory database " + quoted(file) +
                      " is not a SQLite database (bad header); the file was left untouched");
  }
}

std::string scalar_text(const Database& db, const std::string& sql, const std::string& action) {
  Statement statement(db, sql);
  if (!statement.step(action)) return {};
  return statement.text(0);
}

std::int64_t scalar_integer(const Database& db, const std::string& sql, const std::string& action) {
  Statement statement(db, sql);
  if (!statement.step(action)) return 0;
  return statement.integer(0);
}

// Checks that an existing database is intact and ours before anything writes to it.
// Returns true when the database is empty (needs the schema).
bool inspect_existing(const Database& db) {
  const std::string untouched = "; the file was left untouched";
  Statement check(db, "PRAGMA quick_check");
  std::string verdict;
  try {
    if (check.step("integrity check")) verdict = check.text(0);
  } catch (const MemoryError& e) {
    throw MemoryError(std::string(e.what()) + untouched);
  }
  if (verdict != "ok") {
    throw MemoryError("memory database " + quoted(db.file()) + " is corrupt (integrity check: " + verdict + ")" +
                      untouched);
  }
  const auto application_id = scalar_integer(db, "PRAGMA application_id", "read application id");
  const auto objects = scalar_integer(db, "SELECT count(*) FROM sqlite_master", "read schema");
  if (application_id == 0 && objects == 0) return true;
  if (application_id != kApplicationId) {
    throw MemoryError("memory database " + quoted(db.file()) +
                      " is a SQLite database of something else (not a Lethe memory store)" + untouched);
  }
  const auto version = scalar_integer(db, "PRAGMA user_version", "read schema version");
  if (version != kSchemaVersion) {
    throw MemoryError("memory database " + quoted(db.file()) + " has schema version " + std::to_string(version) +
                      ", this build reads version " + std::to_string(kSchemaVersion) + untouched);
  }
  return false;
}

MemoryEntry entry_from_row(const Database& db, const std::string& id, const std::string& text) {
  try {
    return MemoryEntry::from_json(json::parse(text));
  } catch (const json::exception& e) {
    throw MemoryError("memory database " + quoted(db.file()) + ": entry '" + id + "' is not valid JSON: " + e.what());
  } catch (const MemoryError& e) {
    throw MemoryError("memory database " + quoted(db.file()) + ": " + e.what());
  }
}

std::string candidates_sql(const ErasureTarget& target) {
  constexpr const char* kSelect = "SELECT seq, id, json FROM entries WHERE id IN (";
  constexpr const char* kOrder = ") ORDER BY seq";
  if (std::holds_alternative<StateTarget>(target)) {
    return std::string(kSelect) +
           "SELECT entry_id FROM entry_states WHERE state_id = ?1 UNION SELECT id FROM entries WHERE subject = ?1" +
           kOrder;
  }
  if (std::holds_alternative<EnvironmentTarget>(target)) {
    return std::string(kSelect) +
           "SELECT id FROM entries WHERE environment = ?1 "
           "UNION SELECT id FROM entries WHERE subject_environment = ?1 "
           "UNION SELECT entry_id FROM entry_states WHERE state_environment = ?1" +
           kOrder;
  }
  const auto& states = std::get<TrajectoryTarget>(target).states;
  const std::size_t joined = std::min(states.size(), kMaxJoinedStates);
  std::string sql = std::string(kSelect) + "SELECT s0.entry_id FROM entry_states s0";
  for (std::size_t i = 1; i < joined; ++i) {
    const std::string alias = "s" + std::to_string(i);
    sql += " JOIN entry_states " + alias + " ON " + alias + ".entry_id = s0.entry_id AND " + alias +
           ".position = s0.position + " + std::to_string(i) + " AND " + alias + ".state_id = ?" + std::to_string(i + 1);
  }
  sql += " WHERE s0.state_id = ?1";
  return sql + kOrder;
}

void bind_target(Statement& statement, const ErasureTarget& target) {
  if (const auto* state = std::get_if<StateTarget>(&target)) {
    statement.bind(1, state->state.str());
  } else if (const auto* environment = std::get_if<EnvironmentTarget>(&target)) {
    statement.bind(1, environment->environment);
  } else {
    const auto& states = std::get<TrajectoryTarget>(target).states;
    const std::size_t joined = std::min(states.size(), kMaxJoinedStates);
    for (std::size_t i = 0; i < joined; ++i) statement.bind(static_cast<int>(i + 1), states[i].str());
  }
}

}  // namespace

struct SqliteMemory::State {
  std::unique_ptr<Database> db;
  mutable std::mutex mutex;

  // Copies the WAL into the database and truncates it to zero bytes, so no page image written before an erasure
  // (holding the erased bytes) survives in the -wal file.
  void checkpoint_truncate() const {
    int log_frames = 0;
    int checkpointed = 0;
    const int rc =
        sqlite3_wal_checkpoint_v2(db->handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log_frames, &checkpointed);
    if (rc != SQLITE_OK) {
      db->fail(
          "checkpoint of the write-ahead log (erased bytes may remain in the -wal file until the next "
          "checkpoint; close other connections to this database)");
    }
  }
};

SqliteMemory::SqliteMemory(fs::path file) : state_(std::make_unique<State>()) {
  require_sqlite_header(file);
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  Connection connection(raw);
  if (rc != SQLITE_OK) {
    throw MemoryError("memory database " + quoted(file) +
                      ": cannot open: " + (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  state_->db = std::make_unique<Database>(std::move(file), std::move(connection));
  const Database& db = *state_->db;
  sqlite3_busy_timeout(db.handle(), 5000);
  sqlite3_extended_result_codes(db.handle(), 1);

  const bool fresh = inspect_existing(db);
  db.exec("PRAGMA secure_delete = ON; PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY;", "configure");
  if (scalar_integer(db, "PRAGMA secure_delete", "read secure_delete") != 1) {
    throw MemoryError("memory database " + quoted(db.file()) + ": this SQLite build cannot enable secure_delete");
  }
  const std::string mode = scalar_text(db, "PRAGMA journal_mode = WAL", "enable write-ahead logging");
  if (mode != "wal") {
    throw MemoryError("memory database " + quoted(db.file()) + ": cannot enable write-ahead logging (journal mode " +
                      mode + ")");
  }
  if (fresh) {
    Transaction transaction(db);
    db.exec(kSchema, "create schema");
    db.exec("PRAGMA application_id = " + std::to_string(kApplicationId) +
                "; PRAGMA user_version = " + std::to_string(kSchemaVersion) + ";",
            "mark schema");
    transaction.commit();
  }
  // A process killed between an erasure's commit and its checkpoint leaves old page images in the WAL.
  state_->checkpoint_truncate();
}

SqliteMemory::~SqliteMemory() = default;

const fs::path& SqliteMemory::path() const { return state_->db->file(); }

void SqliteMemory::store(const std::vector<MemoryEntry>& entries) {
  std::lock_guard lock(state_->mutex);
  const Database& db = *state_->db;
  Transaction transaction(db);
  Statement insert_entry(db,
                         "INSERT INTO entries (id, kind, environment, subject, subject_environment, content_hash, "
                         "json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  Statement insert_state(
      db, "INSERT INTO entry_states (entry_id, position, state_id, state_environment) VALUES (?1, ?2, ?3, ?4)");
  for (const auto& entry : entries) {
    const std::string text = entry.to_json().dump();
    insert_entry.reset();
    insert_entry.bind(1, entry.id).bind(2, to_string(entry.kind)).bind(3, entry.provenance.environment);
    if (entry.subject) {
      insert_entry.bind(4, entry.subject->str()).bind(5, entry.subject->environment);
    } else {
      insert_entry.bind_null(4).bind_null(5);
    }
    insert_entry.bind(6, sha256_hex(text)).bind(7, text);
    const int rc = insert_entry.try_step();
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      throw MemoryError("memory entry id '" + entry.id + "' already exists in " + quoted(db.file()));
    }
    if (rc != SQLITE_DONE) db.fail("insert entry '" + entry.id + "'");
    const auto& visited = entry.provenance.visited;
    for (std::size_t position = 0; position < visited.size(); ++position) {
      insert_state.reset();
      insert_state.bind(1, entry.id)
          .bind(2, static_cast<std::int64_t>(position))
          .bind(3, visited[position].str())
          .bind(4, visited[position].environment);
      if (insert_state.step("index entry '" + entry.id + "'")) db.fail("index entry '" + entry.id + "'");
    }
  }
  transaction.commit();
}

std::vector<MemoryEntry> SqliteMemory::load(const std::optional<std::string>& environment) const {
  std::lock_guard lock(state_->mutex);
  const Database& db = *state_->db;
  Statement select(db, environment ? "SELECT id, json FROM entries WHERE environment = ?1 ORDER BY seq"
                                   : "SELECT id, json FROM entries ORDER BY seq");
  if (environment) select.bind(1, *environment);
  std::vector<MemoryEntry> out;
  while (select.step("read entries")) out.push_back(entry_from_row(db, select.text(0), select.text(1)));
  return out;
}

std::size_t SqliteMemory::count() const {
  std::lock_guard lock(state_->mutex);
  return static_cast<std::size_t>(scalar_integer(*state_->db, "SELECT count(*) FROM entries", "count entries"));
}

std::vector<RemovedEntry> SqliteMemory::remove_matching(const ErasureTarget& target) {
  std::lock_guard lock(state_->mutex);
  const Database& db = *state_->db;
  std::vector<RemovedEntry> removed;
  {
    Transaction transaction(db);
    std::vector<std::int64_t> doomed;
    {
      Statement candidates(db, candidates_sql(target));
      bind_target(candidates, target);
      while (candidates.step("find entries to erase")) {
        const MemoryEntry entry = entry_from_row(db, candidates.text(1), candidates.text(2));
        if (!matches(target, entry)) continue;
        doomed.push_back(candidates.integer(0));
        removed.push_back({entry.id, entry.content_hash()});
      }
    }
    Statement delete_states(db, "DELETE FROM entry_states WHERE entry_id = ?1");
    Statement delete_entry(db, "DELETE FROM entries WHERE seq = ?1");
    for (std::size_t i = 0; i < doomed.size(); ++i) {
      delete_states.reset();
      delete_states.bind(1, removed[i].id);
      if (delete_states.step("erase index rows of '" + removed[i].id + "'")) db.fail("erase index rows");
      delete_entry.reset();
      delete_entry.bind(1, doomed[i]);
      if (delete_entry.step("erase entry '" + removed[i].id + "'")) db.fail("erase entry");
    }
    transaction.commit();
  }
  state_->checkpoint_truncate();
  return removed;
}

}  // namespace lethe::agent
