// Erasure predicates and receipts, without any store.
#include "lethe/agent/erasure.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "lethe/agent/memory_error.hpp"
#include "memory_fixtures.hpp"

namespace lethe::agent {
namespace {

using test::cell;
using test::fact;
using test::reflection;
using test::trajectory;
using ::testing::HasSubstr;

env::StateId m(int x, int y) { return cell("maze", x, y); }

MemoryEntry walk(const std::vector<env::StateId>& visited) { return trajectory("t", "maze", visited); }

TEST(StateTargetTest, MatchesEntriesWhoseVisitedStatesIncludeIt) {
  const StateTarget target{m(1, 0)};
  EXPECT_TRUE(matches(target, walk({m(0, 0), m(1, 0), m(2, 0)})));
  EXPECT_TRUE(matches(target, walk({m(1, 0)})));
  EXPECT_TRUE(matches(target, walk({m(0, 0), m(2, 0), m(1, 0)})));  // the final state, reached by the last action
  EXPECT_FALSE(matches(target, walk({m(0, 0), m(2, 0)})));
  EXPECT_TRUE(matches(target, reflection("r", "maze", "went there", {m(1, 0)})));
  EXPECT_FALSE(matches(target, reflection("r", "maze", "no states recorded")));
}

TEST(StateTargetTest, MatchesFactsAboutTheStateEvenIfNeverVisited) {
  const StateTarget target{m(3, 4)};
  EXPECT_TRUE(matches(target, fact("f", "maze", m(3, 4), "wall at (3,4)", {m(3, 3)})));
  EXPECT_FALSE(matches(target, fact("f", "maze", m(4, 3), "wall at (4,3)", {m(3, 3)})));
}

TEST(StateTargetTest, SameCellInAnotherEnvironmentIsAnotherState) {
  const StateTarget target{m(1, 0)};
  EXPECT_FALSE(matches(target, trajectory("t", "cave", {cell("cave", 1, 0), cell("cave", 2, 0)})));
  EXPECT_FALSE(matches(target, fact("f", "cave", cell("cave", 1, 0), "wall")));
}

TEST(TrajectoryTargetTest, MatchesContiguousRunsAnywhere) {
  const TrajectoryTarget route{{m(0, 0), m(1, 0), m(2, 0)}};
  EXPECT_TRUE(matches(route, walk({m(0, 0), m(1, 0), m(2, 0)})));                    // whole
  EXPECT_TRUE(matches(route, walk({m(0, 0), m(1, 0), m(2, 0), m(3, 0)})));           // prefix
  EXPECT_TRUE(matches(route, walk({m(9, 9), m(0, 0), m(1, 0), m(2, 0)})));           // suffix
  EXPECT_TRUE(matches(route, walk({m(9, 9), m(0, 0), m(1, 0), m(2, 0), m(9, 8)})));  // middle
}

TEST(TrajectoryTargetTest, DoesNotMatchSubsequencesReversalsOrParts) {
  const TrajectoryTarget route{{m(0, 0), m(1, 0), m(2, 0)}};
  EXPECT_FALSE(matches(route, walk({m(0, 0), m(5, 5), m(1, 0), m(2, 0)})));  // subsequence, not contiguous
  EXPECT_FALSE(matches(route, walk({m(2, 0), m(1, 0), m(0, 0)})));           // reversed
  EXPECT_FALSE(matches(route, walk({m(0, 0), m(1, 0)})));                    // only a part
  EXPECT_FALSE(matches(route, walk({m(1, 0), m(2, 0), m(3, 0)})));           // overlaps the tail only
  EXPECT_FALSE(matches(route, walk({m(0, 0)})));
}

TEST(TrajectoryTargetTest, StayingInPlaceIsAVisit) {
  // A bump into a wall repeats the state; that breaks contiguity of a route that did not bump.
  EXPECT_FALSE(matches(TrajectoryTarget{{m(0, 0), m(1, 0), m(2, 0)}}, walk({m(0, 0), m(1, 0), m(1, 0), m(2, 0)})));
  EXPECT_TRUE(matches(TrajectoryTarget{{m(0, 0), m(1, 0)}}, walk({m(0, 0), m(0, 0), m(1, 0)})));
  EXPECT_TRUE(matches(TrajectoryTarget{{m(1, 0), m(1, 0)}}, walk({m(0, 0), m(1, 0), m(1, 0), m(2, 0)})));
  EXPECT_FALSE(matches(TrajectoryTarget{{m(1, 0), m(1, 0)}}, walk({m(0, 0), m(1, 0), m(2, 0), m(1, 0)})));
}

TEST(TrajectoryTargetTest, RestartsAfterAPartialMatch) {
  // a,b,a,b,c holds a,b,c starting at the second a.
  EXPECT_TRUE(
      matches(TrajectoryTarget{{m(0, 0), m(1, 0), m(2, 0)}}, walk({m(0, 0), m(1, 0), m(0, 0), m(1, 0), m(2, 0)})));
}

TEST(TrajectoryTargetTest, SingleStateRouteMatchesVisitsButNotFactsAboutIt) {
  const TrajectoryTarget route{{m(3, 4)}};
  EXPECT_TRUE(matches(route, walk({m(3, 3), m(3, 4)})));
  EXPECT_FALSE(matches(route, fact("f", "maze", m(3, 4), "wall at (3,4)")));
}

TEST(TrajectoryTargetTest, EmptyRouteIsInvalidAndMatchesNothing) {
  const TrajectoryTarget empty{};
  EXPECT_FALSE(matches(empty, walk({m(0, 0), m(1, 0)})));
  EXPECT_THROW(validate(ErasureTarget{empty}), MemoryError);
}

TEST(EnvironmentTargetTest, MatchesEntriesOfTheEnvironmentAndEntriesThatTouchedIt) {
  const EnvironmentTarget target{"maze"};
  EXPECT_TRUE(matches(target, walk({m(0, 0), m(1, 0)})));
  EXPECT_TRUE(matches(target, reflection("r", "maze", "a reflection without states")));
  EXPECT_TRUE(matches(target, fact("f", "maze", m(3, 4), "wall")));
  EXPECT_TRUE(matches(target, reflection("r", "hub", "passed through", {cell("hub", 0, 0), m(0, 0)})));
  EXPECT_TRUE(matches(target, fact("f", "hub", m(7, 7), "the maze's exit")));
  EXPECT_FALSE(matches(target, trajectory("t", "cave", {cell("cave", 0, 0), cell("cave", 1, 0)})));
}

TEST(EnvironmentTargetTest, NamesMatchExactlyNotByPrefix) {
  const EnvironmentTarget target{"maze"};
  EXPECT_FALSE(matches(target, trajectory("t", "maze-2", {cell("maze-2", 0, 0)})));
  EXPECT_FALSE(matches(EnvironmentTarget{"maze-2"}, walk({m(0, 0)})));
  EXPECT_FALSE(matches(EnvironmentTarget{""}, walk({m(0, 0)})));
  EXPECT_THROW(validate(ErasureTarget{EnvironmentTarget{""}}), MemoryError);
}

TEST(ErasureTargetTest, DescribesEachKind) {
  EXPECT_EQ(describe(StateTarget{m(3, 4)}), "state maze:(3,4)");
  EXPECT_EQ(describe(TrajectoryTarget{{m(0, 0), m(0, 1)}}), "trajectory maze:(0,0) -> maze:(0,1)");
  EXPECT_EQ(describe(EnvironmentTarget{"maze"}), "environment maze");
}

TEST(ErasureTargetTest, JsonRoundTrip) {
  for (const ErasureTarget& target :
       {ErasureTarget{StateTarget{m(3, 4)}}, ErasureTarget{TrajectoryTarget{{m(0, 0), m(0, 1), m(0, 0)}}},
        ErasureTarget{EnvironmentTarget{"maze"}}}) {
    EXPECT_EQ(erasure_target_from_json(to_json(target)), target) << to_json(target).dump();
  }
  EXPECT_EQ(to_json(StateTarget{m(3, 4)}), nlohmann::json::parse(R"j({"type":"state","state":"maze:(3,4)"})j"));
}

TEST(ErasureTargetTest, MalformedJsonNamesTheField) {
  const auto message_of = [](const char* text) {
    try {
      erasure_target_from_json(nlohmann::json::parse(text));
    } catch (const MemoryError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(message_of(R"({"type":"place"})"), HasSubstr("'type'"));
  EXPECT_THAT(message_of(R"({"type":"state"})"), HasSubstr("'state' is missing"));
  EXPECT_THAT(message_of(R"({"type":"state","state":"no-colon"})"), HasSubstr("'state'"));
  EXPECT_THAT(message_of(R"j({"type":"trajectory","states":["maze:(0,0)", 7]})j"), HasSubstr("'states[1]'"));
  EXPECT_THAT(message_of(R"({"type":"trajectory","states":[]})"), HasSubstr("no states"));
  EXPECT_THAT(message_of(R"(["state"])"), HasSubstr("must be an object"));
}

ErasureReceipt sample_receipt() {
  return make_receipt(StateTarget{m(3, 4)}, {{"t1", std::string(64, 'a')}, {"f2", std::string(64, 'b')}}, "sqlite",
                      test::fixed_time());
}

TEST(ErasureReceiptTest, CarriesEverythingAndVerifies) {
  const auto receipt = sample_receipt();
  EXPECT_EQ(receipt.target_description, "state maze:(3,4)");
  EXPECT_EQ(receipt.receipt_hash.size(), 64u);
  EXPECT_TRUE(receipt.verify());
  const auto json = receipt.to_json();
  EXPECT_EQ(json["time"], "2025-03-14T15:09:26.535Z");
  EXPECT_EQ(json["store_kind"], "sqlite");
  EXPECT_EQ(json["removed_count"], 2);
  EXPECT_EQ(json["removed"][1]["id"], "f2");
  EXPECT_EQ(json["target"]["type"], "state");
}

TEST(ErasureReceiptTest, JsonRoundTripKeepsTheHashValid) {
  const auto receipt = sample_receipt();
  const auto back = ErasureReceipt::from_json(nlohmann::json::parse(receipt.to_json().dump()));
  EXPECT_EQ(back.to_json(), receipt.to_json());
  EXPECT_TRUE(back.verify());
}

TEST(ErasureReceiptTest, AnyAlterationBreaksVerification) {
  const auto original = sample_receipt();
  std::vector<std::function<void(ErasureReceipt&)>> alterations = {
      [](ErasureReceipt& r) { r.removed.pop_back(); },
      [](ErasureReceipt& r) { r.removed[0].id = "t9"; },
      [](ErasureReceipt& r) { r.removed[0].content_hash[0] = 'c'; },
      [](ErasureReceipt& r) { r.store_kind = "json-file"; },
      [](ErasureReceipt& r) { r.time += std::chrono::milliseconds(1); },
      [](ErasureReceipt& r) { r.target = StateTarget{m(3, 5)}; },
      [](ErasureReceipt& r) { r.target_description = "state maze:(0,0)"; },
  };
  for (std::size_t i = 0; i < alterations.size(); ++i) {
    auto altered = original;
    alterations[i](altered);
    EXPECT_FALSE(altered.verify()) << "alteration " << i;
  }
}

}  // namespace
}  // namespace lethe::agent
