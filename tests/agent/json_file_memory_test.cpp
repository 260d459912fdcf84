// What is particular to the JSON file store (the shared contract is in memory_contract_test.cpp).
#include "lethe/agent/json_file_memory.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

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
using test::write_bytes;
using ::testing::HasSubstr;

class JsonFileMemoryTest : public test::StoreFileTest<JsonFileMemory> {
 protected:
  JsonFileMemoryTest() : StoreFileTest("json-file-memory-", "memory.json") {}
};

TEST_F(JsonFileMemoryTest, CreatesAReadableMemoryFile) {
  {
    JsonFileMemory memory(file_);
    ASSERT_TRUE(fs::exists(file_)) << "an empty memory file exists from the start";
    memory.add(reflection("r1", "maze", "go right"));
  }
  const auto document = nlohmann::json::parse(read_bytes(file_));
  EXPECT_EQ(document["format"], "lethe-agent-memory");
  EXPECT_EQ(document["version"], 1);
  ASSERT_EQ(document["entries"].size(), 1u);
  EXPECT_EQ(document["entries"][0], reflection("r1", "maze", "go right").to_json());
  EXPECT_THAT(read_bytes(file_), HasSubstr("\n  \"entries\""));  // indented for people
}

TEST_F(JsonFileMemoryTest, ParseErrorNamesTheFileAndTheBytePosition) {
  const std::string text = R"({"format": "lethe-agent-memory", "version": 1, "entries": [}])";
  write_bytes(file_, text);
  const std::string message = open_error();
  EXPECT_THAT(message, HasSubstr(file_.string()));
  EXPECT_THAT(message, HasSubstr("at byte " + std::to_string(text.find('}') + 1)));
  EXPECT_EQ(read_bytes(file_), text);
}

TEST_F(JsonFileMemoryTest, EmptyFileIsCorruptNotEmptyMemory) {
  write_bytes(file_, "");
  EXPECT_THAT(open_error(), HasSubstr("corrupt"));
  EXPECT_EQ(fs::file_size(file_), 0u);
}

TEST_F(JsonFileMemoryTest, InvalidEntryNamesItsIndexAndField) {
  auto bad = reflection("r2", "maze", "x").to_json();
  bad["provenance"]["visited"] = {"maze:(0,0)", "broken"};
  const nlohmann::json document = {
      {"format", "lethe-agent-memory"}, {"version", 1}, {"entries", {reflection("r1", "maze", "fine").to_json(), bad}}};
  write_bytes(file_, document.dump());
  const std::string message = open_error();
  EXPECT_THAT(message, HasSubstr("entries[1]"));
  EXPECT_THAT(message, HasSubstr("provenance.visited[1]"));
  EXPECT_EQ(read_bytes(file_), document.dump());
}

TEST_F(JsonFileMemoryTest, DuplicateIdsInTheFileAreRejected) {
  const auto entry = reflection("r1", "maze", "twice").to_json();
  write_bytes(file_,
              nlohmann::json{{"format", "lethe-agent-memory"}, {"version", 1}, {"entries", {entry, entry}}}.dump());
  EXPECT_THAT(open_error(), HasSubstr("'r1' appears twice"));
}

TEST_F(JsonFileMemoryTest, OtherJsonDocumentsAreNotMemoryFiles) {
  // The shape of a Reflexion log: it must be imported, not opened.
  write_bytes(file_, R"([{"name": "env_0", "memory": [], "is_success": true}])");
  EXPECT_THAT(open_error(), HasSubstr("import_reflexion_memory"));
  write_bytes(file_, R"({"format": "lethe-agent-memory", "version": 2, "entries": []})");
  EXPECT_THAT(open_error(), HasSubstr("version 2"));
  write_bytes(file_, R"({"format": "something-else", "entries": []})");
  EXPECT_THAT(open_error(), HasSubstr("'format'"));
}

TEST_F(JsonFileMemoryTest, OneHolderAtATime) {
  auto first = std::make_unique<JsonFileMemory>(file_);
  EXPECT_THAT(open_error(), HasSubstr("in use"));
  first.reset();
  EXPECT_EQ(open_error(), "no error");
}

TEST_F(JsonFileMemoryTest, MissingDirectoryIsAClearError) {
  file_ = directory_ / "no-such-dir" / "memory.json";
  EXPECT_THAT(open_error(), HasSubstr("no-such-dir"));
}

TEST_F(JsonFileMemoryTest, TemporariesLeftByAKilledWriterAreRemovedAtOpen) {
  const std::string secret = "stale-temporary-secret";
  write_bytes(directory_ / "memory.json.tmp.4242.7", secret);
  write_bytes(directory_ / "notes.json.tmp.1.0", "not ours");
  JsonFileMemory memory(file_);
  EXPECT_FALSE(fs::exists(directory_ / "memory.json.tmp.4242.7"));
  EXPECT_TRUE(fs::exists(directory_ / "notes.json.tmp.1.0"));
  memory.add(reflection("r1", "maze", "x"));
  for (const auto& item : fs::directory_iterator(directory_)) {
    EXPECT_THAT(item.path().filename().string(), ::testing::Not(HasSubstr("memory.json.tmp"))) << "left behind";
  }
}

TEST_F(JsonFileMemoryTest, ErasureZeroesTheReplacedFileForAnyoneStillHoldingIt) {
  const std::string secret = "held-open-secret-5531";
  JsonFileMemory memory(file_);
  memory.add(reflection("r1", "maze", secret, {cell("maze", 1, 1)}));
  memory.add(reflection("r2", "maze", "kept"));
  // A reader that opened the file before the erasure keeps the old inode alive.
  const int reader = ::open(file_.c_str(), O_RDONLY);
  ASSERT_GE(reader, 0);
  memory.erase(StateTarget{cell("maze", 1, 1)});
  std::string old_bytes(4096, 'x');
  const auto got = ::pread(reader, old_bytes.data(), old_bytes.size(), 0);
  ::close(reader);
  ASSERT_GT(got, 0);
  old_bytes.resize(static_cast<std::size_t>(got));
  EXPECT_EQ(old_bytes.find(secret), std::string::npos);
  EXPECT_EQ(old_bytes, std::string(old_bytes.size(), '\0'));
}

TEST_F(JsonFileMemoryTest, ErasureNeverDestroysAnotherNameOfTheFile) {
  const std::string secret = "hard-linked-backup-8812";
  {
    JsonFileMemory memory(file_);
    memory.add(reflection("r1", "maze", secret, {cell("maze", 1, 1)}));
  }
  // A backup the owner made by hard link is their copy; erasure replaces the memory file, not the backup.
  fs::create_hard_link(file_, directory_ / "backup.json");
  JsonFileMemory memory(file_);
  memory.erase(StateTarget{cell("maze", 1, 1)});
  EXPECT_THAT(read_bytes(directory_ / "backup.json"), HasSubstr(secret));
  EXPECT_THAT(read_bytes(file_), ::testing::Not(HasSubstr(secret)));
}

}  // namespace
}  // namespace lethe::agent
