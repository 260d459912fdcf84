#include "lethe/env/grid_layout.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "env_test_support.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::env {
namespace {

using nlohmann::json;
using test::expect_error;

// S . # .
// . T # .
// . . . T
GridLayout sample() {
  return GridLayout("sample", 4, 3, Cell{0, 0}, {Cell{3, 2}, Cell{1, 1}}, {Cell{2, 0}, Cell{2, 1}}, "a sample");
}

json canonical_json() {
  return json::parse(R"({"id": "sample", "width": 4, "height": 3, "start": [0, 0],
                         "treasures": [[1, 1], [3, 2]], "obstacles": [[2, 0], [2, 1]]})");
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

TEST(GridLayout, ExposesItsCells) {
  const auto layout = sample();
  EXPECT_EQ(layout.id(), "sample");
  EXPECT_EQ(layout.description(), "a sample");
  EXPECT_EQ(layout.width(), 4);
  EXPECT_EQ(layout.height(), 3);
  EXPECT_EQ(layout.cell_count(), 12);
  EXPECT_EQ(layout.start(), (Cell{0, 0}));
  EXPECT_EQ(layout.treasures(), (std::vector<Cell>{{1, 1}, {3, 2}}));  // row-major order
  EXPECT_EQ(layout.obstacles(), (std::vector<Cell>{{2, 0}, {2, 1}}));
  EXPECT_TRUE(layout.is_obstacle(Cell{2, 1}));
  EXPECT_FALSE(layout.is_obstacle(Cell{1, 1}));
  EXPECT_FALSE(layout.is_obstacle(Cell{-1, 0}));
  EXPECT_TRUE(layout.is_free(Cell{3, 0}));
  EXPECT_FALSE(layout.is_free(Cell{4, 0}));
  EXPECT_FALSE(layout.is_free(Cell{2, 0}));
  EXPECT_EQ(layout.treasure_index(Cell{3, 2}), 1);
  EXPECT_EQ(layout.treasure_index(Cell{0, 2}), -1);
  EXPECT_FALSE(layout.contains(Cell{0, 3}));
  EXPECT_TRUE(layout.contains(Cell{3, 2}));
  for (int i = 0; i < layout.cell_count(); ++i) EXPECT_EQ(layout.index_of(layout.cell_at(i)), i);
}

TEST(GridLayout, RenderAscii) { EXPECT_EQ(render_ascii(sample()), "S.#.\n.T#.\n...T\n"); }

TEST(GridLayoutJson, CanonicalFormRoundTrips) {
  const auto layout = sample();
  const json written = to_json(layout);
  EXPECT_EQ(written["start"], json::array({0, 0}));
  EXPECT_EQ(written["treasures"], json::parse("[[1,1],[3,2]]"));
  EXPECT_EQ(written["description"], "a sample");
  EXPECT_EQ(layout_from_json(written, "test"), layout);
  EXPECT_EQ(layout_from_json(json::parse(written.dump()), "test"), layout);
}

TEST(GridLayoutJson, ObstaclesAndDescriptionAreOptional) {
  json input = canonical_json();
  input.erase("obstacles");
  const auto layout = layout_from_json(input, "test");
  EXPECT_TRUE(layout.obstacles().empty());
  EXPECT_EQ(layout.description(), "");
  EXPECT_FALSE(to_json(layout).contains("description"));
}

TEST(GridLayoutJson, RowsFormMatchesCanonicalForm) {
  const json rows = json::parse(R"({"id": "sample", "description": "a sample", "rows": ["S.#.", ".T#.", "...T"]})");
  EXPECT_EQ(layout_from_json(rows, "test"), sample());
}

TEST(GridLayoutJson, SeveralLayoutsAsArrayOrObject) {
  json second = canonical_json();
  second["id"] = "second";
  const json array = json::array({to_json(sample()), second});
  for (const json& input : {array, json{{"layouts", array}}}) {
    const auto layouts = layouts_from_json(input, "test");
    ASSERT_EQ(layouts.size(), 2u);
    EXPECT_EQ(layouts[0], sample());
    EXPECT_EQ(layouts[1].id(), "second");
  }
  EXPECT_EQ(layouts_from_json(layouts_to_json({sample()}), "test"), std::vector<GridLayout>{sample()});
  EXPECT_EQ(layouts_from_json(to_json(sample()), "test"), std::vector<GridLayout>{sample()});
}

// Every bad input gives one Error naming the input and the field.
struct BadLayout {
  const char* name;
  std::function<void(json&)> edit;
  std::vector<std::string> fragments;
};

TEST(GridLayoutJson, EveryBadFieldIsNamed) {
  const std::vector<BadLayout> cases{
      {"missing id", [](json& j) { j.erase("id"); }, {"field 'id'", "missing field"}},
      {"id not a string", [](json& j) { j["id"] = 7; }, {"field 'id'", "must be a string"}},
      {"id with colon", [](json& j) { j["id"] = "a:b"; }, {"field 'id'", "'a:b'"}},
      {"empty id", [](json& j) { j["id"] = ""; }, {"field 'id'", "non-empty"}},
      {"missing width", [](json& j) { j.erase("width"); }, {"field 'width'", "missing field"}},
      {"width not integer", [](json& j) { j["width"] = 4.5; }, {"field 'width'", "integer"}},
      {"width as string", [](json& j) { j["width"] = "4"; }, {"field 'width'", "integer"}},
      {"width zero", [](json& j) { j["width"] = 0; }, {"field 'width'", "outside 1..64"}},
      {"width too big", [](json& j) { j["width"] = 65; }, {"field 'width'", "outside 1..64"}},
      {"width huge", [](json& j) { j["width"] = 1ULL << 40; }, {"field 'width'", "out of range"}},
      {"height negative", [](json& j) { j["height"] = -3; }, {"field 'height'", "outside 1..64"}},
      {"missing start", [](json& j) { j.erase("start"); }, {"field 'start'", "missing field"}},
      {"start not a pair", [](json& j) { j["start"] = json::array({1}); }, {"field 'start'", "[x, y]"}},
      {"start coordinate not int", [](json& j) { j["start"] = json::parse(R"([1, "a"])"); }, {"field 'start[1]'"}},
      {"start outside",
       [](json& j) {
         j["start"] = json::array({4, 0});
       },
       {"field 'start'", "outside the 4x3 grid"}},
      {"start on obstacle",
       [](json& j) {
         j["start"] = json::array({2, 1});
       },
       {"field 'start'", "on an obstacle"}},
      {"missing treasures", [](json& j) { j.erase("treasures"); }, {"field 'treasures'", "missing field"}},
      {"treasures not array", [](json& j) { j["treasures"] = 3; }, {"field 'treasures'", "array"}},
      {"treasure outside",
       [](json& j) {
         j["treasures"][1] = json::array({3, 3});
       },
       {"field 'treasures[1]'", "(3,3)", "outside the 4x3 grid"}},
      {"treasure negative",
       [](json& j) {
         j["treasures"][0] = json::array({-1, 0});
       },
       {"field 'treasures[0]'", "outside"}},
      {"treasure on obstacle",
       [](json& j) {
         j["treasures"][0] = json::array({2, 0});
       },
       {"field 'treasures[0]'", "(2,0)", "on an obstacle"}},
      {"treasure on start",
       [](json& j) {
         j["treasures"][0] = json::array({0, 0});
       },
       {"field 'treasures[0]'", "start"}},
      {"duplicate treasure",
       [](json& j) {
         j["treasures"][1] = json::array({1, 1});
       },
       {"field 'treasures[1]'", "duplicate", "treasures[0]"}},
      {"unreachable treasure",
       [](json& j) {
         j["obstacles"] = json::parse("[[2,0],[2,1],[2,2]]");
         j["treasures"] = json::parse("[[1,1],[3,2]]");
       },
       {"field 'treasures[1]'", "(3,2)", "unreachable from start (0,0)"}},
      {"obstacle outside",
       [](json& j) {
         j["obstacles"].push_back(json::array({0, 3}));
       },
       {"field 'obstacles[2]'", "outside"}},
      {"obstacles not array", [](json& j) { j["obstacles"] = json::object(); }, {"field 'obstacles'", "array"}},
      {"unknown field", [](json& j) { j["treasure"] = json::array(); }, {"field 'treasure'", "unknown field"}},
      {"description not string", [](json& j) { j["description"] = 1; }, {"field 'description'", "string"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    json input = canonical_json();
    c.edit(input);
    std::vector<std::string> fragments = c.fragments;
    fragments.push_back("input.json: ");
    expect_error([&] { layout_from_json(input, "input.json"); }, fragments);
  }
}

TEST(GridLayoutJson, EveryBadRowIsNamed) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases{
      {R"({"id": "r", "rows": []})", {"field 'rows'", "non-empty"}},
      {R"({"id": "r", "rows": "S..."})", {"field 'rows'", "non-empty"}},
      {R"({"id": "r", "rows": ["S..", 5]})", {"field 'rows[1]'", "string"}},
      {R"({"id": "r", "rows": ["S..", ".."]})", {"field 'rows[1]'", "has 2 cells; rows[0] has 3"}},
      {R"({"id": "r", "rows": [""]})", {"field 'rows[0]'", "width 0"}},
      {R"({"id": "r", "rows": ["S.x"]})", {"field 'rows[0]'", "unknown character 'x' at (2,0)"}},
      {R"({"id": "r", "rows": ["...", ".T."]})", {"field 'rows'", "no start"}},
      {R"({"id": "r", "rows": ["S..", "..S"]})", {"field 'rows[1]'", "second start", "(2,1)", "(0,0)"}},
      {R"({"id": "r", "rows": ["S#.", "##T"]})", {"field 'rows[1]'", "(2,1)", "unreachable"}},
      {R"({"id": "r", "width": 3, "rows": ["S.."]})", {"field 'width'", "not allowed together with 'rows'"}},
      {R"({"rows": ["S.."]})", {"field 'id'", "missing"}},
  };
  for (const auto& [text, fragments] : cases) {
    SCOPED_TRACE(text);
    std::vector<std::string> all = fragments;
    all.push_back("rows.json: ");
    expect_error([&] { layout_from_json(json::parse(text), "rows.json"); }, all);
  }
  const std::string wide(65, '.');
  expect_error(
      [&] {
        layout_from_json(json{{"id", "r"}, {"rows", json::array({"S" + wide})}}, "w");
      },
      {"field 'rows[0]'", "width 66"});
  expect_error(
      [&] {
        layout_from_json(json{{"id", "r"}, {"rows", std::vector<std::string>(65, "S")}}, "h");
      },
      {"field 'rows'", "height 65"});
}

TEST(GridLayoutJson, ErrorsInsideListsNameTheLayout) {
  json bad = canonical_json();
  bad["treasures"][0] = json::array({9, 9});
  expect_error(
      [&] {
        layouts_from_json(json{{"layouts", json::array({canonical_json(), bad})}}, "f");
      },
      {"f: field 'layouts[1].treasures[0]'", "outside"});
  expect_error([&] { layouts_from_json(json::array({bad}), "f"); }, {"field '[0].treasures[0]'"});
  expect_error(
      [&] {
        layouts_from_json(json::array({canonical_json(), canonical_json()}), "f");
      },
      {"field '[1].id'", "duplicate layout id 'sample'"});
  expect_error([&] { layouts_from_json(json{{"layouts", json::array()}}, "f"); }, {"field 'layouts'", "no layouts"});
  expect_error([&] { layouts_from_json(json{{"layouts", 1}}, "f"); }, {"field 'layouts'", "array"});
  expect_error([&] { layouts_from_json(json{{"layouts", json::array()}, {"x", 1}}, "f"); }, {"field 'x'"});
  expect_error([&] { layouts_from_json(json::array({1}), "f"); }, {"field '[0]'", "JSON object"});
  expect_error([&] { layouts_from_json(json(5), "f"); }, {"f: ", "expected a layout"});
}

TEST(GridLayoutFile, SaveThenLoadRoundTrips) {
  const auto dir = lethe::test::scratch_dir("env_layout_save");
  const auto path = dir / "sample.json";
  save_layout_file(path, sample());
  EXPECT_EQ(load_layout_file(path), sample());
  EXPECT_FALSE(std::filesystem::exists(dir / "sample.json.tmp"));
  save_layout_file(path, GridLayout("other", 2, 2, Cell{0, 0}, {}, {}));  // replaces
  EXPECT_EQ(load_layout_file(path).id(), "other");
}

TEST(GridLayoutFile, FileErrorsNameTheFile) {
  const auto dir = lethe::test::scratch_dir("env_layout_errors");
  const std::string missing = (dir / "missing.json").string();
  expect_error([&] { load_layout_file(dir / "missing.json"); }, {"layout file '" + missing + "'", "cannot open"});

  write_file(dir / "malformed.json", "{\"id\": \"x\", \"rows\": [\"S.\"");
  expect_error([&] { load_layout_file(dir / "malformed.json"); },
               {"layout file '" + (dir / "malformed.json").string() + "'", "malformed JSON"});

  write_file(dir / "bad.json", R"({"id": "x", "rows": ["S.", "#T"], "width": 2})");
  expect_error([&] { load_layout_file(dir / "bad.json"); }, {"bad.json'", "field 'width'"});

  write_file(dir / "two.json", R"([{"id": "a", "rows": ["S."]}, {"id": "b", "rows": [".S"]}])");
  expect_error([&] { load_layout_file(dir / "two.json"); }, {"two.json'", "holds 2 layouts (a, b)"});
  EXPECT_EQ(load_layout_file(dir / "two.json", "b").start(), (Cell{1, 0}));
  expect_error([&] { load_layout_file(dir / "two.json", "c"); }, {"two.json'", "no layout with id 'c'", "a, b"});
  EXPECT_EQ(load_layouts_file(dir / "two.json").size(), 2u);

  expect_error([&] { save_layout_file(dir / "no-such-dir" / "x.json", sample()); }, {"x.json'", "cannot write"});
}

TEST(GridLayout, ConstructorValidatesToo) {
  expect_error([] { GridLayout("bad id", 2, 2, Cell{0, 0}, {}, {}); }, {"layout 'bad id'", "field 'id'"});
  expect_error(
      [] {
        GridLayout("g", 2, 2, Cell{0, 0}, {Cell{1, 1}}, {Cell{1, 0}, Cell{0, 1}});
      },
      {"layout 'g'", "field 'treasures[0]'", "unreachable"});
  expect_error([] { GridLayout("g", 0, 2, Cell{0, 0}, {}, {}, "", "my source"); }, {"my source: field 'width'"});
  EXPECT_NO_THROW(GridLayout("g", 2, 2, Cell{0, 0}, {}, {}, "", "my source"));
}

TEST(GridLayout, SingleCellGridIsValid) {
  const GridLayout tiny("tiny", 1, 1, Cell{0, 0}, {}, {});
  EXPECT_EQ(render_ascii(tiny), "S\n");
}

TEST(GridLayout, HashIsStableAndSensitive) {
  const auto layout = sample();
  EXPECT_EQ(layout_hash(layout), layout_hash(layout_from_json(to_json(layout), "t")));
  const GridLayout moved("sample", 4, 3, Cell{0, 1}, {Cell{3, 2}, Cell{1, 1}}, {Cell{2, 0}, Cell{2, 1}}, "a sample");
  EXPECT_NE(layout_hash(layout), layout_hash(moved));
  // FNV-1a 64 of the canonical dump, pinned so that a change of the JSON form or of the hash is noticed.
  EXPECT_EQ(to_json(layout).dump(),
            R"({"description":"a sample","height":3,"id":"sample","obstacles":[[2,0],[2,1]],"start":[0,0],)"
            R"("treasures":[[1,1],[3,2]],"width":4})");
}

}  // namespace
}  // namespace lethe::env
