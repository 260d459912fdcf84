#include "lethe/env/state_id.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <unordered_set>

#include "env_test_support.hpp"
#include "lethe/env/grid_geometry.hpp"
#include "lethe/env/grid_layout.hpp"

namespace lethe::env {
namespace {

using test::expect_error;

GridLayout small_layout() { return GridLayout("maze-3", 5, 6, Cell{0, 0}, {Cell{4, 5}}, {Cell{2, 2}}); }

TEST(StateId, StrIsEnvironmentColonKey) { EXPECT_EQ((StateId{"maze-3", "(3,4)"}.str()), "maze-3:(3,4)"); }

TEST(StateId, ParseRoundTripsStr) {
  for (const StateId& id :
       {StateId{"maze-3", "(3,4)"}, StateId{"house", "(0,0)"}, StateId{"alfworld-7", "kitchen:2"}}) {
    EXPECT_EQ(parse_state_id(id.str()), id);
  }
}

TEST(StateId, ParseSplitsAtTheFirstColon) { EXPECT_EQ(parse_state_id("a:b:c"), (StateId{"a", "b:c"})); }

TEST(StateId, ParseRejectsMalformedIds) {
  for (const char* bad : {"", "no-colon", ":(1,2)", "env:"}) {
    EXPECT_THROW(parse_state_id(bad), std::invalid_argument) << bad;
  }
}

TEST(StateId, HashAndOrderingDistinguishParts) {
  std::unordered_set<StateId> ids{{"a", "(1,2)"}, {"a", "(2,1)"}, {"b", "(1,2)"}};
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_TRUE(ids.contains(StateId{"a", "(2,1)"}));
  EXPECT_LT((StateId{"a", "(9,9)"}), (StateId{"b", "(0,0)"}));
}

TEST(CellKey, FormatIsParenthesisedPairWithoutSpaces) {
  EXPECT_EQ(cell_key(Cell{3, 4}), "(3,4)");
  EXPECT_EQ(cell_key(Cell{0, 63}), "(0,63)");
}

TEST(CellKey, ParseRoundTrips) {
  for (int x = 0; x < 70; x += 7) {
    for (int y = 0; y < 70; y += 9) EXPECT_EQ(parse_cell_key(cell_key(Cell{x, y})), (Cell{x, y}));
  }
}

TEST(CellKey, ParseRejectsAnythingElse) {
  for (const char* bad : {"", "(3,4", "3,4)", "(3 ,4)", "( 3,4)", "(3,4) ", "(-1,2)", "(a,2)", "(3;4)", "(,4)", "(3,)",
                          "(1234567890,1)", "(3,4)x"}) {
    expect_error([&] { parse_cell_key(bad); }, {"malformed cell", bad});
  }
}

TEST(GridStateId, IsLayoutIdAndCellKey) {
  const auto layout = small_layout();
  EXPECT_EQ(state_id(layout, Cell{3, 4}).str(), "maze-3:(3,4)");
  EXPECT_EQ(cell_from_state_id(layout, parse_state_id("maze-3:(3,4)")), (Cell{3, 4}));
}

TEST(GridStateId, RoundTripsThroughTextForEveryCell) {
  const auto layout = small_layout();
  for (int i = 0; i < layout.cell_count(); ++i) {
    const Cell cell = layout.cell_at(i);
    EXPECT_EQ(cell_from_state_id(layout, parse_state_id(state_id(layout, cell).str())), cell);
  }
}

TEST(GridStateId, RejectsOtherEnvironmentsMalformedKeysAndCellsOutside) {
  const auto layout = small_layout();
  expect_error([&] { cell_from_state_id(layout, StateId{"house", "(1,1)"}); }, {"house:(1,1)", "not 'maze-3'"});
  expect_error([&] { cell_from_state_id(layout, StateId{"maze-3", "1,1"}); }, {"maze-3:1,1", "malformed cell"});
  expect_error([&] { cell_from_state_id(layout, StateId{"maze-3", "(5,0)"}); }, {"(5,0)", "outside the 5x6 grid"});
  expect_error([&] { cell_from_state_id(layout, StateId{"maze-3", "(0,6)"}); }, {"(0,6)", "outside"});
}

}  // namespace
}  // namespace lethe::env
