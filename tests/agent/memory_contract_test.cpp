// One contract, every memory store: what Memory promises (add/list, erasure by state / trajectory / environment
// with receipts, persistence, no erased byte left in any file, crash safety, corrupt files never overwritten) is
// checked identically on the JSON file store and on the SQLite store.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lethe/agent/json_file_memory.hpp"
#include "lethe/agent/memory.hpp"
#include "lethe/agent/memory_error.hpp"
#include "lethe/agent/sqlite_memory.hpp"
#include "lethe_test/paths.hpp"
#include "memory_fixtures.hpp"

namespace lethe::agent {
namespace {

namespace fs = std::filesystem;
using test::cell;
using test::fact;
using test::files_containing;
using test::ids_of;
using test::read_bytes;
using test::reflection;
using test::trajectory;
using test::write_bytes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

struct StoreKind {
  std::string name;
  std::string kind;
  std::string file_name;
  std::function<std::unique_ptr<Memory>(const fs::path&)> open;
  std::string corrupt_bytes;  // a damaged store file
};

void PrintTo(const StoreKind& kind, std::ostream* out) { *out << kind.name; }

StoreKind json_file_store() {
  return {"JsonFile", "json-file", "memory.json",
          [](const fs::path& file) { return std::make_unique<JsonFileMemory>(file); },
          // A memory file cut off in the middle of an entry, as a non-atomic writer would leave it.
          R"({"format": "lethe-agent-memory", "version": 1, "entries": [{"id": "t1", "kind": "traj)"};
}

StoreKind sqlite_store() {
  std::string garbage = "SQLite format 3";
  garbage.push_back('\0');
  for (int i = 0; garbage.size() < 8192; ++i) garbage.push_back(static_cast<char>((i * 131 + 7) % 251));
  return {"Sqlite", "sqlite", "memory.db", [](const fs::path& file) { return std::make_unique<SqliteMemory>(file); },
          garbage};
}

class MemoryContract : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string("memory-contract-") + info->name();
    std::replace(name.begin(), name.end(), '/', '-');
    directory_ = lethe::test::scratch_dir(name);
    file_ = directory_ / GetParam().file_name;
  }

  std::unique_ptr<Memory> open() const { return GetParam().open(file_); }

  fs::path directory_;
  fs::path file_;
};

// Layout "maze" (and a second environment "cave") with entries chosen so each erasure has exact expectations.
std::vector<MemoryEntry> sample_entries() {
  return {
      trajectory("t-abc", "maze", {cell("maze", 0, 0), cell("maze", 1, 0), cell("maze", 2, 0)}),
      trajectory("t-axbc", "maze", {cell("maze", 0, 0), cell("maze", 5, 5), cell("maze", 1, 0), cell("maze", 2, 0)}),
      trajectory("t-cba", "maze", {cell("maze", 2, 0), cell("maze", 1, 0), cell("maze", 0, 0)}),
      trajectory("t-yabcz", "maze",
                 {cell("maze", 7, 7), cell("maze", 0, 0), cell("maze", 1, 0), cell("maze", 2, 0), cell("maze", 7, 6)}),
      fact("f-wall", "maze", cell("maze", 3, 4), "wall at (3,4)", {cell("maze", 3, 3)}),
      fact("f-treasure", "maze", cell("maze", 5, 5), "treasure at (5,5)"),
      reflection("r-maze", "maze", "I should go right first", {cell("maze", 0, 0)}),
      trajectory("t-cave", "cave", {cell("cave", 0, 0), cell("cave", 1, 0), cell("cave", 2, 0)}),
      fact("f-cave", "cave", cell("cave", 3, 4), "wall at (3,4)"),
  };
}

std::vector<MemoryEntry> without(std::vector<MemoryEntry> entries, const std::set<std::string>& ids) {
  std::erase_if(entries, [&](const MemoryEntry& e) { return ids.count(e.id) != 0; });
  return entries;
}

std::vector<RemovedEntry> removed_records(const std::vector<MemoryEntry>& entries,
                                          const std::vector<std::string>& ids) {
  std::vector<RemovedEntry> out;
  for (const auto& entry : entries) {
    if (std::find(ids.begin(), ids.end(), entry.id) != ids.end()) out.push_back({entry.id, entry.content_hash()});
  }
  return out;
}

TEST_P(MemoryContract, ListsEntriesInInsertionOrderAndFiltersByEnvironment) {
  auto memory = open();
  EXPECT_EQ(memory->size(), 0u);
  EXPECT_EQ(memory->kind(), GetParam().kind);
  const auto entries = sample_entries();
  for (const auto& entry : entries) memory->add(entry);
  EXPECT_EQ(memory->size(), entries.size());
  EXPECT_EQ(memory->entries(), entries);
  EXPECT_THAT(ids_of(memory->entries("cave")), ElementsAre("t-cave", "f-cave"));
  EXPECT_THAT(memory->entries("nowhere"), IsEmpty());
}

TEST_P(MemoryContract, RejectsDuplicateIdsAndInvalidEntriesWithoutChangingTheStore) {
  auto memory = open();
  memory->add(reflection("r1", "maze", "first"));
  EXPECT_THROW(memory->add(reflection("r1", "maze", "second")), MemoryError);
  EXPECT_THROW(memory->add_all({reflection("r2", "maze", "ok"), reflection("r1", "maze", "dup of stored")}),
               MemoryError);
  EXPECT_THROW(memory->add_all({reflection("r3", "maze", "ok"), reflection("r3", "maze", "dup in batch")}),
               MemoryError);
  MemoryEntry invalid = fact("f-no-subject", "maze", cell("maze", 1, 1), "wall");
  invalid.subject.reset();
  EXPECT_THROW(memory->add_all({reflection("r4", "maze", "ok"), invalid}), MemoryError);
  EXPECT_THAT(ids_of(memory->entries()), ElementsAre("r1"));
  memory.reset();
  EXPECT_THAT(ids_of(open()->entries()), ElementsAre("r1"));
}

TEST_P(MemoryContract, EraseByStateRemovesEveryEntryThatVisitsItAndFactsAboutIt) {
  auto memory = open();
  const auto entries = sample_entries();
  memory->add_all(entries);

  const Timestamp before = now_utc();
  const ErasureReceipt receipt = memory->erase(StateTarget{cell("maze", 5, 5)});
  const Timestamp after = now_utc();

  EXPECT_EQ(receipt.removed, removed_records(entries, {"t-axbc", "f-treasure"}));
  EXPECT_EQ(receipt.target, ErasureTarget{StateTarget{cell("maze", 5, 5)}});
  EXPECT_EQ(receipt.target_description, "state maze:(5,5)");
  EXPECT_EQ(receipt.store_kind, GetParam().kind);
  EXPECT_LE(before, receipt.time);
  EXPECT_LE(receipt.time, after);
  EXPECT_TRUE(receipt.verify());
  EXPECT_EQ(memory->entries(), without(entries, {"t-axbc", "f-treasure"}));

  // (0,0) is visited by four maze trajectories and the reflection; the cave's (0,0) is another state.
  const auto second = memory->erase(StateTarget{cell("maze", 0, 0)});
  EXPECT_THAT(ids_of(memory->entries()), ElementsAre("f-wall", "t-cave", "f-cave"));
  EXPECT_EQ(second.removed, removed_records(entries, {"t-abc", "t-cba", "t-yabcz", "r-maze"}));
}

TEST_P(MemoryContract, EraseByFactSubjectRemovesOnlyFactsAboutThatState) {
  auto memory = open();
  const auto entries = sample_entries();
  memory->add_all(entries);
  // f-wall visited (3,3) but is about (3,4); the cave's wall at (3,4) is another environment's state.
  const auto receipt = memory->erase(StateTarget{cell("maze", 3, 4)});
  EXPECT_EQ(receipt.removed, removed_records(entries, {"f-wall"}));
  EXPECT_EQ(memory->entries(), without(entries, {"f-wall"}));
}

TEST_P(MemoryContract, EraseByTrajectoryRemovesOnlyContiguousOccurrences) {
  auto memory = open();
  const auto entries = sample_entries();
  memory->add_all(entries);
  const TrajectoryTarget route{{cell("maze", 0, 0), cell("maze", 1, 0), cell("maze", 2, 0)}};
  const auto receipt = memory->erase(route);
  // t-axbc holds the route only as a non-contiguous subsequence and t-cba holds it reversed: both stay.
  EXPECT_EQ(receipt.removed, removed_records(entries, {"t-abc", "t-yabcz"}));
  EXPECT_EQ(receipt.target_description, "trajectory maze:(0,0) -> maze:(1,0) -> maze:(2,0)");
  EXPECT_TRUE(receipt.verify());
  EXPECT_EQ(memory->entries(), without(entries, {"t-abc", "t-yabcz"}));
  // Each state of the route is still known from other entries (a route is forgotten, not its places).
  EXPECT_THAT(ids_of(memory->entries("maze")), ElementsAre("t-axbc", "t-cba", "f-wall", "f-treasure", "r-maze"));
}

TEST_P(MemoryContract, EraseByTrajectoryLongerThanTheIndexedPrefixStillExact) {
  auto memory = open();
  std::vector<env::StateId> long_route;
  for (int x = 0; x < 12; ++x) long_route.push_back(cell("maze", x, 0));
  std::vector<env::StateId> diverging = long_route;
  diverging[10] = cell("maze", 10, 1);  // same first ten states, different eleventh
  std::vector<env::StateId> embedded = {cell("maze", 9, 9)};
  embedded.insert(embedded.end(), long_route.begin(), long_route.end());
  memory->add_all({trajectory("long", "maze", long_route), trajectory("diverging", "maze", diverging),
                   trajectory("embedded", "maze", embedded)});
  const auto receipt = memory->erase(TrajectoryTarget{long_route});
  EXPECT_THAT(ids_of(memory->entries()), ElementsAre("diverging"));
  ASSERT_EQ(receipt.removed.size(), 2u);
  EXPECT_EQ(receipt.removed[0].id, "long");
  EXPECT_EQ(receipt.removed[1].id, "embedded");
}

TEST_P(MemoryContract, EraseByEnvironmentRemovesEverythingOfIt) {
  auto memory = open();
  const auto entries = sample_entries();
  memory->add_all(entries);
  const auto receipt = memory->erase(EnvironmentTarget{"maze"});
  EXPECT_EQ(receipt.removed,
            removed_records(entries, {"t-abc", "t-axbc", "t-cba", "t-yabcz", "f-wall", "f-treasure", "r-maze"}));
  EXPECT_EQ(receipt.target_description, "environment maze");
  EXPECT_THAT(ids_of(memory->entries()), ElementsAre("t-cave", "f-cave"));
  EXPECT_THAT(memory->entries("maze"), IsEmpty());
}

TEST_P(MemoryContract, EraseByEnvironmentAlsoRemovesEntriesThatVisitedIt) {
  auto memory = open();
  // Recorded under "hub" but it walked through a cave state and learnt about another.
  memory->add_all({reflection("visited-cave", "hub", "the cave was dark", {cell("hub", 0, 0), cell("cave", 0, 0)}),
                   fact("about-cave", "hub", cell("cave", 9, 9), "exit of the cave"),
                   reflection("hub-only", "hub", "the hub is bright", {cell("hub", 0, 0)})});
  const auto receipt = memory->erase(EnvironmentTarget{"cave"});
  EXPECT_THAT(ids_of(memory->entries()), ElementsAre("hub-only"));
  EXPECT_EQ(receipt.removed.size(), 2u);
}

TEST_P(MemoryContract, EraseWithoutMatchesGivesAnEmptyValidReceipt) {
  auto memory = open();
  const auto entries = sample_entries();
  memory->add_all(entries);
  const auto receipt = memory->erase(StateTarget{cell("maze", 42, 42)});
  EXPECT_THAT(receipt.removed, IsEmpty());
  EXPECT_TRUE(receipt.verify());
  EXPECT_EQ(memory->entries(), entries);
}

TEST_P(MemoryContract, InvalidTargetsAreRejectedAndRemoveNothing) {
  auto memory = open();
  const auto entries = sample_entries();
  memory->add_all(entries);
  EXPECT_THROW(memory->erase(TrajectoryTarget{}), MemoryError);
  EXPECT_THROW(memory->erase(EnvironmentTarget{""}), MemoryError);
  EXPECT_EQ(memory->entries(), entries);
}

TEST_P(MemoryContract, PersistsAcrossReopenIncludingErasures) {
  const auto entries = sample_entries();
  {
    auto memory = open();
    memory->add_all(entries);
    memory->erase(StateTarget{cell("maze", 5, 5)});
    memory->add(reflection("late", "cave", "added after the erasure"));
  }
  auto reopened = open();
  auto expected = without(entries, {"t-axbc", "f-treasure"});
  expected.push_back(reflection("late", "cave", "added after the erasure"));
  EXPECT_EQ(reopened->entries(), expected);
  // Content hashes are stable across the round trip through the store.
  EXPECT_EQ(reopened->entries().front().content_hash(), entries.front().content_hash());
}

TEST_P(MemoryContract, ConcurrentAddsFromSeveralThreadsAreAllKept) {
  auto memory = open();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        memory->add(reflection("r-" + std::to_string(t) + "-" + std::to_string(i), "maze", "note"));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(memory->size(), 40u);
}

// Markers that occur nowhere else: in the text and the id of each erased entry, and of one kept entry.
std::string marker(const std::string& what, int n) { return "MARKER-" + what + "-q7Zx" + std::to_string(n) + "-END"; }

TEST_P(MemoryContract, NoByteOfAnErasedEntryRemainsInAnyFileOfTheStore) {
  auto memory = open();
  // Many transactions before the erasure, so old page images sit in SQLite's WAL; one entry large enough to span
  // overflow pages, which erasure moves to the free list.
  const std::string padding(30000, 'p');
  std::vector<std::string> erased_markers;
  for (int i = 0; i < 6; ++i) {
    const std::string m = marker("GONE", i);
    erased_markers.push_back(m);
    const std::string text = m + (i == 0 ? padding + m : std::string());
    if (i % 3 == 0) {
      memory->add(trajectory(m, "maze", {cell("maze", 4, 4), cell("maze", 4, 5)}, text));
    } else if (i % 3 == 1) {
      memory->add(fact(m, "maze", cell("maze", 4, 4), text));
    } else {
      memory->add(reflection(m, "maze", text, {cell("maze", 3, 4), cell("maze", 4, 4)}));
    }
    memory->add(reflection("kept-" + std::to_string(i), "maze", marker("KEPT", i), {cell("maze", 0, i)}));
  }
  const auto receipt = memory->erase(StateTarget{cell("maze", 4, 4)});
  ASSERT_EQ(receipt.removed.size(), 6u);

  // While the store is open (SQLite: with its -wal and -shm files) and after it is closed.
  for (const bool open_now : {true, false}) {
    if (!open_now) memory.reset();
    for (const auto& m : erased_markers) {
      EXPECT_THAT(files_containing(directory_, m), IsEmpty()) << m << (open_now ? " (store open)" : " (closed)");
    }
    for (int i = 0; i < 6; ++i) {
      EXPECT_THAT(files_containing(directory_, marker("KEPT", i)), ::testing::Not(IsEmpty()))
          << "kept entry " << i << " must still be stored";
    }
  }
}

TEST_P(MemoryContract, NoByteRemainsAfterTrajectoryAndEnvironmentErasures) {
  auto memory = open();
  const TrajectoryTarget route{{cell("maze", 1, 1), cell("maze", 1, 2)}};
  memory->add(
      trajectory("route-" + marker("ROUTE", 0), "maze", {cell("maze", 1, 1), cell("maze", 1, 2)}, marker("ROUTE", 1)));
  memory->add(
      trajectory("subseq", "maze", {cell("maze", 1, 1), cell("maze", 9, 9), cell("maze", 1, 2)}, marker("SUBSEQ", 0)));
  memory->add(reflection("cave-" + marker("CAVE", 0), "cave", marker("CAVE", 1)));
  memory->erase(route);
  memory->erase(EnvironmentTarget{"cave"});
  for (const auto& m : {marker("ROUTE", 0), marker("ROUTE", 1), marker("CAVE", 0), marker("CAVE", 1)}) {
    EXPECT_THAT(files_containing(directory_, m), IsEmpty()) << m;
  }
  EXPECT_THAT(files_containing(directory_, marker("SUBSEQ", 0)), ::testing::Not(IsEmpty()));
}

// --- crash safety -------------------------------------------------------------------------------------------------

// The writer adds e0, e1, ...; after adding e<i> with i % 4 == 3 it erases e<i> again. So a valid state is: for
// every j below the largest index present, e<j> is present exactly when j % 4 != 3.
constexpr int kErasedEvery = 4;

MemoryEntry crash_entry(int i) {
  return trajectory("e" + std::to_string(i), "crash", {cell("crash", i, 0), cell("crash", i, 1)},
                    std::string(300, static_cast<char>('a' + i % 26)));
}

int index_of(const std::string& id) { return std::stoi(id.substr(1)); }

[[noreturn]] void run_writer(const StoreKind& kind, const fs::path& file, int ready_fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  try {
    auto memory = kind.open(file);
    int next = 0;
    for (const auto& entry : memory->entries()) next = std::max(next, index_of(entry.id) + 1);
    if (next > 0 && (next - 1) % kErasedEvery == kErasedEvery - 1) {
      memory->erase(StateTarget{cell("crash", next - 1, 0)});  // finish what the killed writer was doing
    }
    const char byte = 'r';
    if (::write(ready_fd, &byte, 1) != 1) ::_exit(4);
    for (int i = next; i < next + 100000; ++i) {
      memory->add(crash_entry(i));
      if (i % kErasedEvery == kErasedEvery - 1) memory->erase(StateTarget{cell("crash", i, 0)});
    }
    ::_exit(0);
  } catch (const std::exception& e) {
    std::cerr << "writer failed: " << e.what() << std::endl;
    ::_exit(3);
  }
}

TEST_P(MemoryContract, WriterKilledAtRandomMomentsLeavesAPreviousValidState) {
  std::mt19937 random(20250314);
  std::uniform_int_distribution<int> delay_us(0, 80000);
  int largest = -1;
  for (int iteration = 0; iteration < 20; ++iteration) {
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(ready[0]);
      run_writer(GetParam(), file_, ready[1]);
    }
    ::close(ready[1]);
    char byte = 0;
    const auto got = ::read(ready[0], &byte, 1);
    ::close(ready[0]);
    if (got == 1) ::usleep(static_cast<useconds_t>(delay_us(random)));
    ::kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_EQ(got, 1) << "the writer could not open the store (iteration " << iteration << ")";
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped on its own with status " << WEXITSTATUS(status);

    std::unique_ptr<Memory> memory;
    ASSERT_NO_THROW(memory = open()) << "iteration " << iteration;
    std::set<int> present;
    for (const auto& entry : memory->entries()) {
      ASSERT_EQ(entry, crash_entry(index_of(entry.id))) << "entry " << entry.id << " was damaged";
      present.insert(index_of(entry.id));
    }
    const int top = present.empty() ? -1 : *present.rbegin();
    for (int j = 0; j < top; ++j) {
      EXPECT_EQ(present.count(j) == 1, j % kErasedEvery != kErasedEvery - 1)
          << "entry e" << j << " after iteration " << iteration;
    }
    EXPECT_GE(top, largest == -1 ? -1 : largest - 1) << "a completed write was lost";
    largest = std::max(largest, top);
  }
  EXPECT_GT(largest, 0) << "the writer never completed a write";
}

// --- damaged files ----------------------------------------------------------------------------------------------

TEST_P(MemoryContract, CorruptFileIsReportedByNameAndNeverOverwritten) {
  write_bytes(file_, GetParam().corrupt_bytes);
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      open();
      FAIL() << "opening a corrupt store must fail";
    } catch (const MemoryError& e) {
      EXPECT_THAT(e.what(), HasSubstr(file_.string()));
    }
    EXPECT_TRUE(read_bytes(file_) == GetParam().corrupt_bytes) << "the corrupt file was modified";
  }
}

TEST_P(MemoryContract, FileOfAnotherFormatIsRejectedAndLeftAlone) {
  const std::string text = "just some notes, not a memory\n";
  write_bytes(file_, text);
  EXPECT_THROW(open(), MemoryError);
  EXPECT_EQ(read_bytes(file_), text);
}

INSTANTIATE_TEST_SUITE_P(Stores, MemoryContract, ::testing::Values(json_file_store(), sqlite_store()),
                         [](const ::testing::TestParamInfo<StoreKind>& store) { return store.param.name; });

}  // namespace
}  // namespace lethe::agent
