#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "lethe/alu/error.hpp"
#include "lethe/alu/target.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::alu {
namespace {

using ::testing::HasSubstr;

std::filesystem::path write_file(const std::string& test, const std::string& name, const std::string& content) {
  auto path = lethe::test::scratch_dir("alu_target_file_" + test) / name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// The error message of loading `content`, or "" when it loads.
std::string load_error(const std::string& test, const std::string& name, const std::string& content) {
  try {
    load_targets_file(write_file(test, name, content));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(TargetFile, PlainTextOneNamePerLine) {
  auto path = write_file("plain", "targets.txt",
                         "# forget set\n"
                         "Basil Mahfouz Al-Kuwaiti\r\n"
                         "\n"
                         "  Nikolai Abilov | N. Abilov | Николай Абилов  \n"
                         "Carmen Montenegro");
  auto targets = load_targets_file(path);
  ASSERT_EQ(targets.size(), 3U);
  EXPECT_EQ(targets[0], (Target{"Basil Mahfouz Al-Kuwaiti", "Basil Mahfouz Al-Kuwaiti", {}, std::nullopt}));
  EXPECT_EQ(targets[1].name, "Nikolai Abilov");
  EXPECT_EQ(targets[1].id, "Nikolai Abilov");
  EXPECT_EQ(targets[1].aliases, (std::vector<std::string>{"N. Abilov", "Николай Абилов"}));
  EXPECT_EQ(targets[2].name, "Carmen Montenegro");
}

TEST(TargetFile, JsonArrayOfStringsAndObjects) {
  auto path = write_file("json", "targets.json", R"([
    "Basil Mahfouz Al-Kuwaiti",
    {"id": "nikolai", "name": "Nikolai Abilov", "aliases": ["N. Abilov"], "description": "Kazakh author"},
    {"name": "Carmen Montenegro"}
  ])");
  auto targets = load_targets_file(path);
  ASSERT_EQ(targets.size(), 3U);
  EXPECT_EQ(targets[0].id, "Basil Mahfouz Al-Kuwaiti");
  EXPECT_EQ(targets[1], (Target{"nikolai", "Nikolai Abilov", {"N. Abilov"}, "Kazakh author"}));
  EXPECT_EQ(targets[2].id, "Carmen Montenegro");
}

TEST(TargetFile, JsonObjectWithTargetsArray) {
  auto path = write_file("json_object", "targets.json", R"({"targets": ["Nikolai Abilov"]})");
  EXPECT_EQ(load_targets_file(path).size(), 1U);
}

TEST(TargetFile, MissingFileNamesThePath) {
  try {
    load_targets_file("/nonexistent/dir/targets.txt");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/dir/targets.txt"));
  }
  EXPECT_THROW(load_targets_file(lethe::test::scratch_dir("alu_target_file_dir")), Error);
}

TEST(TargetFile, EmptyFilesAreErrors) {
  EXPECT_THAT(load_error("empty", "t.txt", ""), HasSubstr("no targets"));
  EXPECT_THAT(load_error("comments", "t.txt", "# nothing\n\n   \n"), HasSubstr("no targets"));
  EXPECT_THAT(load_error("empty_json", "t.json", "[]"), HasSubstr("no targets"));
}

TEST(TargetFile, TextErrorsNameTheLine) {
  auto error = load_error("punct", "t.txt", "Nikolai Abilov\n\n!!! ???\n");
  EXPECT_THAT(error, HasSubstr("t.txt:3"));
  EXPECT_THAT(error, HasSubstr("no letter or digit"));

  EXPECT_THAT(load_error("empty_alias", "t.txt", "Nikolai Abilov | \n"), HasSubstr("t.txt:1: alias 1"));
  EXPECT_THAT(load_error("utf8", "t.txt", "ok name\nBad \xFF name\n"),
              HasSubstr("t.txt:2: target name is not valid UTF-8"));

  auto duplicate = load_error("dup", "t.txt", "Nikolai Abilov\nCarmen Montenegro\nNikolai Abilov\n");
  EXPECT_THAT(duplicate, HasSubstr("t.txt:3: duplicate target \"Nikolai Abilov\""));
  EXPECT_THAT(duplicate, HasSubstr("first at"));
  EXPECT_THAT(duplicate, HasSubstr("t.txt:1"));
}

TEST(TargetFile, JsonErrorsNameTheElementAndField) {
  EXPECT_THAT(load_error("malformed", "t.json", "[\"a\", "), HasSubstr("malformed JSON"));
  EXPECT_THAT(load_error("not_array", "t.json", "{\"name\": \"x\"}"), HasSubstr("\"targets\" array"));
  EXPECT_THAT(load_error("targets_not_array", "t.json", "{\"targets\": 3}"), HasSubstr("expected a JSON array"));
  EXPECT_THAT(load_error("number", "t.json", "[\"ok\", 42]"), HasSubstr("element 1: expected a name string"));
  EXPECT_THAT(load_error("no_name", "t.json", "[{\"id\": \"x\"}]"), HasSubstr("element 0: missing field \"name\""));
  EXPECT_THAT(load_error("name_type", "t.json", "[{\"name\": 5}]"),
              HasSubstr("element 0: field \"name\" must be a string"));
  EXPECT_THAT(load_error("alias_type", "t.json", "[{\"name\": \"A B\", \"aliases\": [\"ok\", 1]}]"),
              HasSubstr("field \"aliases\"[1] must be a string"));
  EXPECT_THAT(load_error("aliases_type", "t.json", "[{\"name\": \"A B\", \"aliases\": \"x\"}]"),
              HasSubstr("field \"aliases\" must be an array"));
  EXPECT_THAT(load_error("unknown", "t.json", "[{\"name\": \"A B\", \"alias\": [\"x\"]}]"),
              HasSubstr("unknown field \"alias\""));
  EXPECT_THAT(load_error("empty_name", "t.json", "[{\"name\": \"\"}]"), HasSubstr("element 0: target name is empty"));
  EXPECT_THAT(load_error("empty_id", "t.json", "[{\"id\": \"\", \"name\": \"A B\"}]"),
              HasSubstr("element 0: target id is empty"));
  EXPECT_THAT(
      load_error("dup_id", "t.json", "[{\"id\": \"x\", \"name\": \"A B\"}, {\"id\": \"x\", \"name\": \"C D\"}]"),
      HasSubstr("element 1: duplicate target id \"x\""));
}

TEST(TargetFile, ErrorsNameTheFile) {
  EXPECT_THAT(load_error("file_name", "my-targets.json", "[1]"), HasSubstr("my-targets.json"));
}

}  // namespace
}  // namespace lethe::alu
