// An unlearning request: what to forget (a state, a trajectory, an environment) and the free text a person would
// write. JSON form, one request:
//   {"scenario": "state", "state": "house:(3,4)", "text": "..."}
//   {"scenario": "trajectory", "trajectory": ["house:(1,1)", "house:(1,2)", "house:(1,3)"]}
//   {"scenario": "environment", "environment": "house"}
// A state may also be written as [x, y] when "environment" is given. "text" is optional (a generated one is used
// when absent). A file holds one request, an array of them, or {"requests": [...]}. Every error names the input
// and the field, e.g. "request file 'r.json': field 'requests[1].state': (9,2) is outside the 8x8 grid of 'house'".
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "lethe/agent/erasure.hpp"
#include "lethe/env/grid_layout.hpp"
#include "lethe/env/state_id.hpp"

namespace lethe::unlearn {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Scenario { state, trajectory, environment };

std::string to_string(Scenario scenario);
// Throws Error for a name other than "state", "trajectory", "environment".
Scenario scenario_from_string(const std::string& name);

struct Request {
  Scenario scenario = Scenario::state;
  // state: exactly one; trajectory: at least two, each a neighbour of the previous; environment: none.
  std::vector<env::StateId> states;
  std::string environment;  // always set: the states' environment, or the environment to forget
  std::string text;         // what the person asked, in their words

  // The memory erasure this request calls for.
  agent::ErasureTarget erasure_target() const;
  // "state house:(3,4)", "trajectory house:(1,1) -> house:(1,2)", "environment house".
  std::string describe() const;

  bool operator==(const Request&) const = default;
};

nlohmann::json to_json(const Request& request);

// Throws Error "<source>: field '<field>': <problem>" for a malformed request. With layouts given, the request's
// environment must be one of them and its states free cells of that layout.
Request request_from_json(const nlohmann::json& json, const std::string& source,
                          const std::vector<env::GridLayout>& layouts = {});
std::vector<Request> requests_from_json(const nlohmann::json& json, const std::string& source,
                                        const std::vector<env::GridLayout>& layouts = {});
// Errors name the file: "request file '<path>': ...".
std::vector<Request> load_requests_file(const std::filesystem::path& path,
                                        const std::vector<env::GridLayout>& layouts = {});

// Throws Error "<source>: field '<field>': ..." unless the request is well formed and, when it names `layout`'s
// environment, its states are free cells of that layout.
void validate(const Request& request, const env::GridLayout& layout, const std::string& source = "request");

// Requests with generated free text; `variant` picks one of several phrasings (any value is valid).
// Throws Error for cells that are not free, or trajectory cells that are not neighbours.
Request state_request(const env::GridLayout& layout, env::Cell cell, std::uint64_t variant = 0);
Request trajectory_request(const env::GridLayout& layout, const std::vector<env::Cell>& cells,
                           std::uint64_t variant = 0);
Request environment_request(const env::GridLayout& layout, std::uint64_t variant = 0);

// The generated free text for a request (uses its scenario, states and environment, not its text).
std::string request_text(const Request& request, std::uint64_t variant = 0);

}  // namespace lethe::unlearn
