// What is particular to the SQLite store (the shared contract is in memory_contract_test.cpp): the schema and its
// indexes, the WAL and free pages after an erasure, and databases that are damaged or not ours.
#include "lethe/agent/sqlite_memory.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "lethe/agent/memory_error.hpp"
#include "lethe_test/paths.hpp"
#include "memory_fixtures.hpp"
#include "store_file_test.hpp"

namespace lethe::agent {
namespace {

namespace fs = std::filesystem;
using test::cell;
using test::read_bytes;
using test::reflection;
using test::trajectory;
using test::write_bytes;
using ::testing::HasSubstr;

// Read-only look into a database with plain SQLite, as an auditor would.
class RawDatabase {
 public:
  explicit RawDatabase(const fs::path& file) {
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << file;
    }
  }
  ~RawDatabase() { sqlite3_close(db_); }
  RawDatabase(const RawDatabase&) = delete;
  RawDatabase& operator=(const RawDatabase&) = delete;

  std::vector<std::string> column(const std::string& sql) const {
    sqlite3_stmt* stmt = nullptr;
    std::vector<std::string> out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return out;
    }
    const int last = sqlite3_column_count(stmt) - 1;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(stmt, last);
      out.emplace_back(text == nullptr ? "" : reinterpret_cast<const char*>(text));
    }
    sqlite3_finalize(stmt);
    return out;
  }
  std::string scalar(const std::string& sql) const {
    const auto values = column(sql);
    return values.empty() ? "" : values.front();
  }
  void exec(const std::string& sql) const {
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteMemoryTest : public test::StoreFileTest<SqliteMemory> {
 protected:
  SqliteMemoryTest() : StoreFileTest("sqlite-memory-", "memory.db") {}
};

TEST_F(SqliteMemoryTest, IndexesServeEveryErasurePredicate) {
  { SqliteMemory memory(file_); }
  const RawDatabase db(file_);
  EXPECT_EQ(db.scalar("PRAGMA journal_mode"), "wal");
  const auto indexes = db.column("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'");
  EXPECT_THAT(indexes,
              ::testing::IsSupersetOf({"entries_by_environment", "entries_by_subject", "entries_by_subject_environment",
                                       "entry_states_by_state", "entry_states_by_environment"}));
  const auto plan = [&](const std::string& sql) {
    std::string joined;
    for (const auto& row : db.column("EXPLAIN QUERY PLAN " + sql)) joined += row + "\n";
    return joined;
  };
  const auto no_scan = ::testing::Not(HasSubstr("SCAN"));
  EXPECT_THAT(plan("SELECT entry_id FROM entry_states WHERE state_id = 'maze:(1,1)'"),
              ::testing::AllOf(HasSubstr("INDEX entry_states_by_state"), no_scan));
  EXPECT_THAT(plan("SELECT entry_id FROM entry_states WHERE state_environment = 'maze'"),
              ::testing::AllOf(HasSubstr("INDEX entry_states_by_environment"), no_scan));
  EXPECT_THAT(plan("SELECT id FROM entries WHERE environment = 'maze'"),
              ::testing::AllOf(HasSubstr("INDEX entries_by_environment"), no_scan));
  EXPECT_THAT(plan("SELECT id FROM entries WHERE subject = 'maze:(1,1)'"),
              ::testing::AllOf(HasSubstr("INDEX entries_by_subject"), no_scan));
  // A route of two states: both sides of the self-join are index searches.
  EXPECT_THAT(plan("SELECT s1.entry_id FROM entry_states s0 JOIN entry_states s1 ON s1.entry_id = s0.entry_id AND "
                   "s1.position = s0.position + 1 AND s1.state_id = 'b' WHERE s0.state_id = 'a'"),
              ::testing::AllOf(HasSubstr("SEARCH s0 USING"), HasSubstr("SEARCH s1 USING"), no_scan));
}

TEST_F(SqliteMemoryTest, IndexRowsFollowVisitedStatesAndGoWithTheirEntry) {
  SqliteMemory memory(file_);
  memory.add(trajectory("t1", "maze", {cell("maze", 0, 0), cell("maze", 1, 0), cell("maze", 0, 0)}));
  memory.add(trajectory("t2", "cave", {cell("cave", 5, 5)}));
  {
    const RawDatabase db(file_);
    EXPECT_THAT(db.column("SELECT entry_id || ' ' || position || ' ' || state_id FROM entry_states ORDER BY 1"),
                ::testing::ElementsAre("t1 0 maze:(0,0)", "t1 1 maze:(1,0)", "t1 2 maze:(0,0)", "t2 0 cave:(5,5)"));
  }
  memory.erase(StateTarget{cell("maze", 0, 0)});
  const RawDatabase db(file_);
  EXPECT_THAT(db.column("SELECT entry_id FROM entry_states"), ::testing::ElementsAre("t2"));
}

TEST_F(SqliteMemoryTest, ErasureEmptiesTheWalAndZeroesFreedPages) {
  const std::string secret = "freed-page-secret-0193";
  SqliteMemory memory(file_);
  for (int i = 0; i < 5; ++i) {
    memory.add(reflection("big-" + std::to_string(i), "maze", secret + std::string(20000, 'z') + secret,
                          {cell("maze", 2, 2)}));
  }
  memory.add(reflection("kept", "maze", "small and kept"));
  ASSERT_GT(fs::file_size(file_.string() + "-wal"), 0u);
  memory.erase(StateTarget{cell("maze", 2, 2)});
  EXPECT_EQ(fs::file_size(file_.string() + "-wal"), 0u) << "the WAL is truncated after an erasure";
  {
    const RawDatabase db(file_);
    EXPECT_GT(std::stoi(db.scalar("PRAGMA freelist_count")), 0) << "the erasure freed pages";
  }
  EXPECT_EQ(read_bytes(file_).find(secret), std::string::npos) << "a freed page still holds erased bytes";
}

TEST_F(SqliteMemoryTest, ForeignDatabaseIsRejectedAndLeftAlone) {
  {
    const RawDatabase db(file_);
    db.exec("CREATE TABLE accounts (name TEXT); INSERT INTO accounts VALUES ('alice');");
  }
  const std::string before = read_bytes(file_);
  EXPECT_THAT(open_error(), HasSubstr("not a Lethe memory store"));
  EXPECT_TRUE(read_bytes(file_) == before) << "the database was modified";
}

TEST_F(SqliteMemoryTest, DamagedPageIsDetectedAndTheFileLeftAlone) {
  {
    SqliteMemory memory(file_);
    for (int i = 0; i < 50; ++i) memory.add(reflection("r" + std::to_string(i), "maze", std::string(500, 'r')));
  }
  std::string bytes = read_bytes(file_);
  const std::size_t page_size = 4096;
  ASSERT_GT(bytes.size(), 4 * page_size);
  // Overwrite the header of the third page: its b-tree page type and cell pointers become garbage.
  for (std::size_t i = 0; i < 16; ++i) bytes[2 * page_size + i] = static_cast<char>(0xA5);
  write_bytes(file_, bytes);
  const std::string message = open_error();
  EXPECT_THAT(message, HasSubstr(file_.string()));
  EXPECT_THAT(message, HasSubstr("left untouched"));
  EXPECT_TRUE(read_bytes(file_) == bytes) << "the damaged database was modified";
}

TEST_F(SqliteMemoryTest, EmptyFileBecomesAnEmptyStore) {
  write_bytes(file_, "");
  SqliteMemory memory(file_);
  EXPECT_EQ(memory.size(), 0u);
  memory.add(reflection("r1", "maze", "x"));
  EXPECT_EQ(memory.size(), 1u);
}

}  // namespace
}  // namespace lethe::agent
