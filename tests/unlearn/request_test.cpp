#include "lethe/unlearn/request.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "lethe_test/paths.hpp"

namespace lethe::unlearn {
namespace {

env::GridLayout house() { return env::layout_from_json({{"id", "house"}, {"rows", {"S...", ".#T.", "...."}}}, "test"); }

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Request, ParsesEachScenarioAndRoundTrips) {
  const auto state = request_from_json(
      nlohmann::json::parse(R"j({"scenario": "state", "state": "house:(3,2)", "text": "forget (3,2)"})j"), "r",
      {house()});
  EXPECT_EQ(state.scenario, Scenario::state);
  EXPECT_EQ(state.states, (std::vector<env::StateId>{{"house", "(3,2)"}}));
  EXPECT_EQ(state.environment, "house");
  EXPECT_EQ(state.text, "forget (3,2)");
  EXPECT_TRUE(std::holds_alternative<agent::StateTarget>(state.erasure_target()));
  EXPECT_EQ(request_from_json(to_json(state), "again"), state);

  const auto route = request_from_json(
      nlohmann::json::parse(
          R"j({"scenario": "trajectory", "environment": "house", "trajectory": [[0,0], [1,0], [2,0]]})j"),
      "r", {house()});
  EXPECT_EQ(route.states.size(), 3u);
  EXPECT_EQ(route.describe(), "trajectory house:(0,0) -> house:(1,0) -> house:(2,0)");
  EXPECT_NE(route.text.find("(0,0) -> (1,0) -> (2,0)"), std::string::npos) << route.text;
  EXPECT_EQ(std::get<agent::TrajectoryTarget>(route.erasure_target()).states, route.states);

  const auto environment =
      request_from_json(nlohmann::json::parse(R"j({"scenario": "environment", "environment": "house"})j"), "r");
  EXPECT_EQ(std::get<agent::EnvironmentTarget>(environment.erasure_target()).environment, "house");
  EXPECT_NE(environment.text.find("house"), std::string::npos);
}

TEST(Request, ErrorsNameTheSourceAndTheField) {
  const auto parse = [](const std::string& text) {
    return error_of([&] { requests_from_json(nlohmann::json::parse(text), "request file 'r.json'", {house()}); });
  };
  EXPECT_EQ(
      parse(
          R"j({"requests": [{"scenario": "state", "state": "house:(0,1)"}, {"scenario": "state", "state": "house:(9,2)"}]})j"),
      "request file 'r.json': field 'requests[1].state': (9,2) is outside the 4x3 grid of 'house'");
  EXPECT_EQ(parse(R"j([{"scenario": "state", "state": "house:(1,1)"}])j"),
            "request file 'r.json': field '[0].state': (1,1) is an obstacle of 'house'");
  EXPECT_EQ(parse(R"j({"scenario": "state", "state": "house:kitchen"})j"),
            "request file 'r.json': field 'state': unknown state 'house:kitchen'");
  EXPECT_EQ(parse(R"j({"scenario": "state", "state": "garden:(0,1)"})j"),
            "request file 'r.json': field 'state': unknown environment 'garden'");
  EXPECT_EQ(parse(R"j({"scenario": "state", "state": "nocolon"})j"),
            "request file 'r.json': field 'state': 'nocolon' is not a state id like \"house:(3,4)\"");
  EXPECT_EQ(
      parse(R"j({"scenario": "forget"})j"),
      "request file 'r.json': field 'scenario': unknown scenario 'forget' (expected state, trajectory or environment)");
  EXPECT_EQ(parse(R"j({"scenario": "trajectory", "trajectory": ["house:(0,0)", "house:(2,0)"]})j"),
            "request file 'r.json': field 'trajectory[1]': (2,0) is not a neighbour of the previous state (0,0)");
  EXPECT_EQ(parse(R"j({"scenario": "trajectory", "trajectory": ["house:(0,0)"]})j"),
            "request file 'r.json': field 'trajectory': a trajectory has at least two states");
  EXPECT_EQ(parse(R"j({"scenario": "environment"})j"), "request file 'r.json': field 'environment': missing");
  EXPECT_EQ(parse(R"j({"scenario": "state", "state": [1, 0]})j"),
            "request file 'r.json': field 'state': a cell [x, y] needs the field 'environment'");
}

TEST(Request, LoadsFilesAndReportsBadJson) {
  const auto dir = lethe::test::scratch_dir("unlearn_request_files");
  {
    std::ofstream(dir / "ok.json") << R"j({"requests": [{"scenario": "state", "state": "house:(0,1)"}]})j";
    std::ofstream(dir / "bad.json") << R"j({"requests": [)j";
  }
  EXPECT_EQ(load_requests_file(dir / "ok.json", {house()}).size(), 1u);
  const auto bad = error_of([&] { load_requests_file(dir / "bad.json"); });
  EXPECT_NE(bad.find("request file '" + (dir / "bad.json").string() + "': not valid JSON"), std::string::npos) << bad;
  const auto missing = error_of([&] { load_requests_file(dir / "none.json"); });
  EXPECT_NE(missing.find("cannot be read"), std::string::npos);
}

TEST(Request, GeneratorsWriteFreeTextNamingTheTarget) {
  const auto request = state_request(house(), {3, 2});
  EXPECT_EQ(request.text,
            "The owner of the house at (3,2) in house invoked their right to erasure: forget that place and never go "
            "there again.");
  EXPECT_NE(state_request(house(), {3, 2}, 1).text, request.text);
  EXPECT_EQ(state_request(house(), {3, 2}, 3).text, request.text);
  EXPECT_THROW(state_request(house(), {1, 1}), Error);
  EXPECT_THROW(state_request(house(), {7, 1}), Error);
  EXPECT_THROW(trajectory_request(house(), {{0, 0}, {0, 2}}), Error);
  EXPECT_NE(trajectory_request(house(), {{0, 0}, {0, 1}}).text.find("(0,0) -> (0,1)"), std::string::npos);
  EXPECT_NE(environment_request(house()).text.find("'house'"), std::string::npos);
}

}  // namespace
}  // namespace lethe::unlearn
