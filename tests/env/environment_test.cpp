#include "lethe/env/environment.hpp"

#include <gtest/gtest.h>

#include "env_test_support.hpp"

namespace lethe::env {
namespace {

using nlohmann::json;
using test::expect_error;

TEST(Task, JsonRoundTrip) {
  const Task task{"house/goto/(1,1)->(2,2)", "house", "goto", "Go somewhere.",
                  json::parse(R"({"from": [1, 1], "to": [2, 2]})")};
  const json written = to_json(task);
  EXPECT_EQ(written["kind"], "goto");
  EXPECT_EQ(task_from_json(written, "t"), task);
  EXPECT_EQ(task_from_json(json::parse(written.dump()), "t"), task);
}

TEST(Task, OptionalFieldsDefault) {
  const Task task = task_from_json(json::parse(R"({"id": "x", "kind": "collect"})"), "t");
  EXPECT_EQ(task.environment, "");
  EXPECT_EQ(task.description, "");
  EXPECT_EQ(task.params, json::object());
}

TEST(Task, BadJsonNamesTheField) {
  expect_error([] { task_from_json(json::array(), "req.json"); }, {"req.json", "JSON object"});
  expect_error([] { task_from_json(json::parse(R"({"kind": "collect"})"), "req.json"); },
               {"req.json", "field 'id'", "missing"});
  expect_error([] { task_from_json(json::parse(R"({"id": "x"})"), "req.json"); }, {"field 'kind'"});
  expect_error([] { task_from_json(json::parse(R"({"id": 3, "kind": "k"})"), "req.json"); }, {"field 'id'", "string"});
  expect_error([] { task_from_json(json::parse(R"({"id": "x", "kind": "k", "environment": 1})"), "r"); },
               {"field 'environment'"});
  expect_error([] { task_from_json(json::parse(R"({"id": "x", "kind": "k", "params": [1]})"), "r"); },
               {"field 'params'", "object"});
}

TEST(InvalidActionError, ListsTheAdmissibleActions) {
  EXPECT_STREQ(invalid_action_error("jump", {"up", "down"}).what(),
               "invalid action 'jump'; admissible actions: up, down");
  EXPECT_STREQ(invalid_action_error("x", {}).what(), "invalid action 'x'; admissible actions: (none)");
}

TEST(Error, IsARuntimeError) {
  const Error error("boom");
  const std::runtime_error& base = error;
  EXPECT_STREQ(base.what(), "boom");
}

}  // namespace
}  // namespace lethe::env
