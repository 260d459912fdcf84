// Importing Reflexion's real ALFWorld memory logs, and erasing them again from both stores.
#include "lethe/agent/reflexion_import.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "lethe/agent/json_file_memory.hpp"
#include "lethe/agent/memory_error.hpp"
#include "lethe/agent/sqlite_memory.hpp"
#include "lethe_test/paths.hpp"
#include "memory_fixtures.hpp"

namespace lethe::agent {
namespace {

namespace fs = std::filesystem;
using test::files_containing;
using test::fixed_time;
using test::write_bytes;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

fs::path trial_log(int trial) {
  return lethe::test::shared_path("data/reflexion_alfworld_memory/reflexion_env_results_trial_" +
                                  std::to_string(trial) + ".json");
}

// From the log itself: 134 ALFWorld tasks; after trial 14, 50 of them carry 200 reflections in all.
TEST(ReflexionImportTest, ImportsEveryReflectionOfTheFinalTrial) {
  const auto entries = import_reflexion_memory(trial_log(14), fixed_time());
  EXPECT_EQ(entries.size(), 200u);
  std::set<std::string> tasks;
  std::set<std::string> ids;
  for (const auto& entry : entries) {
    EXPECT_EQ(entry.kind, EntryKind::Reflection);
    EXPECT_EQ(entry.provenance.environment, "alfworld");
    EXPECT_THAT(entry.provenance.task, StartsWith("env_"));
    EXPECT_TRUE(entry.provenance.visited.empty());
    EXPECT_FALSE(entry.text.empty());
    EXPECT_EQ(entry.created, fixed_time());
    EXPECT_NO_THROW(validate(entry));
    tasks.insert(entry.provenance.task);
    ids.insert(entry.id);
  }
  EXPECT_EQ(tasks.size(), 50u);
  EXPECT_EQ(ids.size(), entries.size()) << "ids must be unique";
}

TEST(ReflexionImportTest, MapsOneRecordFaithfully) {
  const auto entries = import_reflexion_memory(trial_log(14), fixed_time());
  std::vector<MemoryEntry> env2;
  std::vector<MemoryEntry> env22;
  for (const auto& entry : entries) {
    if (entry.provenance.task == "env_2") env2.push_back(entry);
    if (entry.provenance.task == "env_22") env22.push_back(entry);
  }
  ASSERT_EQ(env2.size(), 1u);
  EXPECT_EQ(env2[0].id, "reflexion:reflexion_env_results_trial_14:env_2:0");
  EXPECT_EQ(env2[0].provenance.episode, 0);
  EXPECT_THAT(env2[0].text,
              StartsWith(" In this environment, my plan was to find a plate then clean it with sinkbasin"));
  ASSERT_TRUE(env2[0].outcome.has_value());
  EXPECT_TRUE(env2[0].outcome->success);
  EXPECT_FALSE(env2[0].outcome->steps.has_value());
  // env_22 failed fourteen trials before succeeding: one reflection per failed trial, in order.
  ASSERT_EQ(env22.size(), 14u);
  for (std::size_t i = 0; i < env22.size(); ++i) EXPECT_EQ(env22[i].provenance.episode, static_cast<int>(i));
  EXPECT_THAT(env22[13].text, HasSubstr("cool it with fridge"));
}

TEST(ReflexionImportTest, FirstTrialHasOneReflectionPerFailedTask) {
  const auto entries = import_reflexion_memory(trial_log(0), fixed_time());
  EXPECT_EQ(entries.size(), 50u);
  for (const auto& entry : entries) {
    EXPECT_EQ(entry.provenance.episode, 0);
    EXPECT_FALSE(entry.outcome->success);
  }
}

TEST(ReflexionImportTest, ImportedMemoryIsStoredAndErasedByEnvironmentInBothStores) {
  const auto entries = import_reflexion_memory(trial_log(14), fixed_time());
  // A phrase from a single reflection, to look for in the files after the erasure.
  const std::string phrase = "I forgot to put the plate in/on countertop after cleaning it";
  const auto directory = lethe::test::scratch_dir("reflexion-import");
  for (const std::string store : {"json", "sqlite"}) {
    const fs::path file = directory / (store == "json" ? "alfworld.json" : "alfworld.db");
    const auto open = [&]() -> std::unique_ptr<Memory> {
      if (store == "json") return std::make_unique<JsonFileMemory>(file);
      return std::make_unique<SqliteMemory>(file);
    };
    auto memory = open();
    memory->add_all(entries);
    memory->add(test::reflection("gridworld-note", "maze", "kept: not from ALFWorld"));
    memory.reset();
    memory = open();
    EXPECT_EQ(memory->entries("alfworld"), entries) << store;
    EXPECT_THAT(files_containing(directory, phrase), ::testing::Not(IsEmpty()));

    const auto receipt = memory->erase(EnvironmentTarget{"alfworld"});
    EXPECT_EQ(receipt.removed.size(), entries.size()) << store;
    EXPECT_EQ(receipt.removed.front().content_hash, entries.front().content_hash());
    EXPECT_TRUE(receipt.verify());
    EXPECT_EQ(memory->size(), 1u);
    EXPECT_THAT(files_containing(directory, phrase), IsEmpty()) << store;
  }
}

std::string import_error(const std::string& content) {
  const auto file = lethe::test::scratch_dir("reflexion-bad") / "log.json";
  write_bytes(file, content);
  try {
    import_reflexion_memory(file);
  } catch (const MemoryError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ReflexionImportTest, MalformedLogsNameTheFileTheRecordAndTheField) {
  EXPECT_THAT(import_error("[{\"name\": \"env_0\""), HasSubstr("log.json' is not valid JSON (at byte"));
  EXPECT_THAT(import_error("{}"), HasSubstr("top level must be an array"));
  EXPECT_THAT(import_error(R"([{"name": "env_0", "memory": [], "is_success": true}, 3])"),
              HasSubstr("record 1 must be an object"));
  EXPECT_THAT(import_error(R"([{"memory": [], "is_success": true}])"), HasSubstr("record 0: field 'name'"));
  EXPECT_THAT(import_error(R"([{"name": "env_0", "memory": "x", "is_success": true}])"),
              HasSubstr("record 0: field 'memory' must be an array"));
  EXPECT_THAT(import_error(R"([{"name": "env_0", "memory": ["ok", 5], "is_success": true}])"),
              HasSubstr("record 0: field 'memory[1]' must be a string"));
  EXPECT_THAT(import_error(R"([{"name": "env_0", "memory": [], "is_success": "yes"}])"),
              HasSubstr("record 0: field 'is_success'"));
  EXPECT_EQ(import_error("[]"), "no error");
  EXPECT_THROW(import_reflexion_memory("/nonexistent/log.json"), MemoryError);
}

}  // namespace
}  // namespace lethe::agent
