// Memory entries: canonical JSON, round trips, validation, content hashes; and the SHA-256 and time helpers they
// rest on.
#include "lethe/agent/memory_entry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "lethe/agent/memory_error.hpp"
#include "lethe/agent/timestamp.hpp"
#include "lethe/util/sha256.hpp"
#include "memory_fixtures.hpp"

namespace lethe::agent {
namespace {

using nlohmann::json;
using test::cell;
using test::fact;
using test::reflection;
using test::trajectory;
using ::testing::HasSubstr;

TEST(TimestampTest, Iso8601RoundTripAtMillisecondPrecision) {
  const Timestamp time = parse_iso8601("2025-03-14T15:09:26.535Z");
  EXPECT_EQ(to_iso8601(time), "2025-03-14T15:09:26.535Z");
  EXPECT_EQ(time.time_since_epoch().count(), 1741964966535);
  EXPECT_EQ(to_iso8601(Timestamp{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(parse_iso8601("2024-02-29T23:59:59Z"), parse_iso8601("2024-02-29T23:59:59.000Z"));
  EXPECT_EQ(to_iso8601(parse_iso8601("2024-02-29T23:59:59.123456Z")), "2024-02-29T23:59:59.123Z");
  const Timestamp now = now_utc();
  EXPECT_EQ(parse_iso8601(to_iso8601(now)), now);
}

TEST(TimestampTest, RejectsMalformedTimes) {
  for (const char* text :
       {"", "2025-03-14", "2025-03-14T15:09:26", "2025-03-14T15:09:26+01:00", "2025-02-30T00:00:00Z",
        "2025-03-14T24:00:00Z", "2025-03-14T15:09:26.Z", "2025-03-14T15:09:26.5Zjunk", "20x5-03-14T15:09:26Z"}) {
    EXPECT_THROW(parse_iso8601(text), std::invalid_argument) << text;
  }
}

TEST(EntryKindTest, NamesRoundTrip) {
  for (const auto kind : {EntryKind::Trajectory, EntryKind::Fact, EntryKind::Reflection}) {
    EXPECT_EQ(entry_kind_from_string(to_string(kind)), kind);
  }
  EXPECT_THROW(entry_kind_from_string("memory"), std::invalid_argument);
}

MemoryEntry rich_trajectory() {
  auto entry = trajectory("t1", "maze", {cell("maze", 0, 0), cell("maze", 1, 0), cell("maze", 1, 1)}, "note");
  entry.steps[0].reward = 0.1;  // not exactly representable: must still round trip
  entry.steps[1].reward = -1e-300;
  entry.outcome = Outcome{false, std::nullopt};
  return entry;
}

TEST(MemoryEntryTest, JsonRoundTripOfEveryKind) {
  for (const auto& entry : {rich_trajectory(), fact("f1", "maze", cell("maze", 3, 4), "wall at (3,4)"),
                            reflection("r1", "maze", "Ünïcode ✓ \"quoted\"\nnew line", {cell("maze", 0, 0)})}) {
    const auto back = MemoryEntry::from_json(json::parse(entry.to_json().dump()));
    EXPECT_EQ(back, entry) << entry.to_json().dump();
    EXPECT_EQ(back.content_hash(), entry.content_hash());
  }
}

TEST(MemoryEntryTest, CanonicalJsonHasSortedKeysAndOmitsAbsentParts) {
  const auto entry = fact("f1", "maze", cell("maze", 3, 4), "wall at (3,4)");
  EXPECT_EQ(entry.to_json().dump(),
            R"j({"created":"2025-03-14T15:09:26.535Z","id":"f1","kind":"fact",)j"
            R"j("provenance":{"environment":"maze","episode":2,"task":"collect-treasures","visited":[]},)j"
            R"j("subject":"maze:(3,4)","text":"wall at (3,4)"})j");
  EXPECT_EQ(entry.content_hash(), util::sha256_hex(entry.to_json().dump()));
}

TEST(MemoryEntryTest, ContentHashChangesWithAnyField) {
  const auto base = rich_trajectory();
  auto changed_text = base;
  changed_text.text += "!";
  auto changed_reward = base;
  changed_reward.steps[2 - 1].reward = 0.5;
  auto changed_time = base;
  changed_time.created += std::chrono::milliseconds(1);
  auto changed_visit = base;
  changed_visit.provenance.visited.back() = cell("maze", 2, 0);
  for (const auto* other : {&changed_text, &changed_reward, &changed_time, &changed_visit}) {
    EXPECT_NE(other->content_hash(), base.content_hash());
  }
}

std::string from_json_error(const json& document) {
  try {
    MemoryEntry::from_json(document);
  } catch (const MemoryError& e) {
    return e.what();
  }
  return "no error";
}

TEST(MemoryEntryTest, MalformedJsonNamesTheEntryAndTheField) {
  const json good = rich_trajectory().to_json();
  auto missing_visited = good;
  missing_visited["provenance"].erase("visited");
  EXPECT_THAT(from_json_error(missing_visited), HasSubstr("'t1': field 'provenance.visited' is missing"));
  auto bad_state = good;
  bad_state["provenance"]["visited"][1] = "no-colon";
  EXPECT_THAT(from_json_error(bad_state), HasSubstr("'provenance.visited[1]' is not a state id"));
  auto bad_kind = good;
  bad_kind["kind"] = "dream";
  EXPECT_THAT(from_json_error(bad_kind), HasSubstr("'kind'"));
  auto bad_time = good;
  bad_time["created"] = "yesterday";
  EXPECT_THAT(from_json_error(bad_time), HasSubstr("'created'"));
  auto bad_reward = good;
  bad_reward["steps"][0]["reward"] = "high";
  EXPECT_THAT(from_json_error(bad_reward), HasSubstr("'steps[0].reward' must be a number"));
  auto bad_episode = good;
  bad_episode["provenance"]["episode"] = 1e12;
  EXPECT_THAT(from_json_error(bad_episode), HasSubstr("'provenance.episode'"));
  EXPECT_THAT(from_json_error(json::array()), HasSubstr("must be an object"));
}

std::string validation_error(const MemoryEntry& entry) {
  try {
    validate(entry);
  } catch (const MemoryError& e) {
    return e.what();
  }
  return "no error";
}

TEST(MemoryEntryTest, ValidationKeepsStepsCoveredByVisitedStates) {
  EXPECT_EQ(validation_error(rich_trajectory()), "no error");
  auto no_final_state = rich_trajectory();
  no_final_state.provenance.visited.pop_back();  // visited == step states: allowed
  EXPECT_EQ(validation_error(no_final_state), "no error");
  auto too_few = rich_trajectory();
  too_few.provenance.visited.resize(1);
  EXPECT_THAT(validation_error(too_few), HasSubstr("'provenance.visited'"));
  auto too_many = rich_trajectory();
  too_many.provenance.visited.push_back(cell("maze", 2, 2));
  EXPECT_THAT(validation_error(too_many), HasSubstr("'provenance.visited'"));
  auto diverging = rich_trajectory();
  diverging.steps[1].state = cell("maze", 5, 5);
  EXPECT_THAT(validation_error(diverging), HasSubstr("'steps[1].state'"));
  auto infinite = rich_trajectory();
  infinite.steps[0].reward = std::numeric_limits<double>::infinity();
  EXPECT_THAT(validation_error(infinite), HasSubstr("'steps[0].reward' must be finite"));
}

TEST(MemoryEntryTest, ValidationRequiresWhatEachKindIsAbout) {
  auto no_id = reflection("", "maze", "text");
  EXPECT_THAT(validation_error(no_id), HasSubstr("'id' must not be empty"));
  auto no_environment = reflection("r", "", "text");
  EXPECT_THAT(validation_error(no_environment), HasSubstr("'provenance.environment'"));
  auto fact_without_subject = fact("f", "maze", cell("maze", 1, 1), "wall");
  fact_without_subject.subject.reset();
  EXPECT_THAT(validation_error(fact_without_subject), HasSubstr("'subject' is required"));
  EXPECT_THAT(validation_error(fact("f", "maze", cell("maze", 1, 1), "")), HasSubstr("'text' is required"));
  EXPECT_THAT(validation_error(reflection("r", "maze", "")), HasSubstr("'text' is required"));
  EXPECT_THAT(validation_error(reflection("r", "maze", std::string("bad \xff utf-8"))), HasSubstr("UTF-8"));
}

}  // namespace
}  // namespace lethe::agent
