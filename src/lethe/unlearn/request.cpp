#include "lethe/unlearn/request.hpp"

#include <array>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "lethe/env/error.hpp"

namespace lethe::unlearn {
namespace {

Error field_error(const std::string& source, const std::string& field, const std::string& problem) {
  return Error(source + ": field '" + field + "': " + problem);
}

std::string keys_text(const std::vector<env::StateId>& states, const std::string& separator) {
  std::string text;
  for (std::size_t i = 0; i < states.size(); ++i) text += (i == 0 ? "" : separator) + states[i].key;
  return text;
}

env::StateId parse_state(const nlohmann::json& json, const std::string& environment, const std::string& source,
                         const std::string& field) {
  if (json.is_string()) {
    try {
      auto state = env::parse_state_id(json.get<std::string>());
      if (state.environment.empty()) throw std::invalid_argument("empty environment");
      return state;
    } catch (const std::invalid_argument&) {
      throw field_error(source, field, "'" + json.get<std::string>() + "' is not a state id like \"house:(3,4)\"");
    }
  }
  if (json.is_array()) {
    if (environment.empty()) throw field_error(source, field, "a cell [x, y] needs the field 'environment'");
    try {
      return env::StateId{environment, env::cell_key(env::cell_from_json(json, source, field))};
    } catch (const env::Error& e) {
      throw Error(e.what());
    }
  }
  throw field_error(source, field, "expected a state id string or [x, y]");
}

const env::GridLayout* find_layout(const std::vector<env::GridLayout>& layouts, const std::string& id) {
  for (const auto& layout : layouts) {
    if (layout.id() == id) return &layout;
  }
  return nullptr;
}

void check_structure(const Request& request, const std::string& source, const std::string& prefix) {
  const std::string field = prefix + (request.scenario == Scenario::state ? "state" : "trajectory");
  switch (request.scenario) {
    case Scenario::state:
      if (request.states.size() != 1) throw field_error(source, field, "a state request names exactly one state");
      break;
    case Scenario::trajectory:
      if (request.states.size() < 2) throw field_error(source, field, "a trajectory has at least two states");
      break;
    case Scenario::environment:
      if (!request.states.empty())
        throw field_error(source, prefix + "states", "an environment request names no state");
      break;
  }
  if (request.environment.empty()) throw field_error(source, prefix + "environment", "missing environment");
  for (std::size_t i = 0; i < request.states.size(); ++i) {
    if (request.states[i].environment != request.environment) {
      throw field_error(source, request.scenario == Scenario::state ? field : field + "[" + std::to_string(i) + "]",
                        "state '" + request.states[i].str() + "' is not in environment '" + request.environment + "'");
    }
  }
}

void check_against_layout(const Request& request, const env::GridLayout& layout, const std::string& source,
                          const std::string& prefix) {
  const std::string base = prefix + (request.scenario == Scenario::state ? "state" : "trajectory");
  std::optional<env::Cell> previous;
  for (std::size_t i = 0; i < request.states.size(); ++i) {
    const std::string field = request.scenario == Scenario::state ? base : base + "[" + std::to_string(i) + "]";
    env::Cell cell;
    try {
      cell = env::parse_cell_key(request.states[i].key);
    } catch (const env::Error&) {
      throw field_error(source, field, "unknown state '" + request.states[i].str() + "'");
    }
    if (!layout.contains(cell)) {
      throw field_error(source, field,
                        env::cell_key(cell) + " is outside the " + std::to_string(layout.width()) + "x" +
                            std::to_string(layout.height()) + " grid of '" + layout.id() + "'");
    }
    if (layout.is_obstacle(cell)) {
      throw field_error(source, field, env::cell_key(cell) + " is an obstacle of '" + layout.id() + "'");
    }
    if (previous && std::abs(previous->x - cell.x) + std::abs(previous->y - cell.y) != 1) {
      throw field_error(source, field,
                        env::cell_key(cell) + " is not a neighbour of the previous state " + env::cell_key(*previous));
    }
    previous = cell;
  }
}

Request parse_request(const nlohmann::json& json, const std::string& source, const std::string& prefix,
                      const std::vector<env::GridLayout>& layouts) {
  if (!json.is_object())
    throw field_error(source, prefix.empty() ? "request" : prefix.substr(0, prefix.size() - 1),
                      "expected a JSON object");
  Request request;
  if (!json.contains("scenario") || !json["scenario"].is_string()) {
    throw field_error(source, prefix + "scenario", "missing, or not one of state, trajectory, environment");
  }
  try {
    request.scenario = scenario_from_string(json["scenario"].get<std::string>());
  } catch (const Error& e) {
    throw field_error(source, prefix + "scenario", e.what());
  }
  if (json.contains("environment")) {
    if (!json["environment"].is_string() || json["environment"].get<std::string>().empty()) {
      throw field_error(source, prefix + "environment", "expected a non-empty string");
    }
    request.environment = json["environment"].get<std::string>();
  }
  switch (request.scenario) {
    case Scenario::state:
      if (!json.contains("state")) throw field_error(source, prefix + "state", "missing");
      request.states.push_back(parse_state(json["state"], request.environment, source, prefix + "state"));
      break;
    case Scenario::trajectory: {
      const std::string field = prefix + "trajectory";
      if (!json.contains("trajectory") || !json["trajectory"].is_array()) {
        throw field_error(source, field, "missing, or not an array of states");
      }
      const auto& items = json["trajectory"];
      for (std::size_t i = 0; i < items.size(); ++i) {
        request.states.push_back(
            parse_state(items[i], request.environment, source, field + "[" + std::to_string(i) + "]"));
      }
      break;
    }
    case Scenario::environment:
      if (request.environment.empty()) throw field_error(source, prefix + "environment", "missing");
      break;
  }
  if (request.environment.empty() && !request.states.empty()) request.environment = request.states.front().environment;
  check_structure(request, source, prefix);
  if (!layouts.empty()) {
    const auto* layout = find_layout(layouts, request.environment);
    if (layout == nullptr) {
      throw field_error(source, prefix + (request.scenario == Scenario::environment ? "environment" : "state"),
                        "unknown environment '" + request.environment + "'");
    }
    check_against_layout(request, *layout, source, prefix);
  }
  if (json.contains("text")) {
    if (!json["text"].is_string()) throw field_error(source, prefix + "text", "expected a string");
    request.text = json["text"].get<std::string>();
  }
  if (request.text.empty()) request.text = request_text(request);
  return request;
}

}  // namespace

std::string to_string(Scenario scenario) {
  switch (scenario) {
    case Scenario::state:
      return "state";
    case Scenario::trajectory:
      return "trajectory";
    case Scenario::environment:
      return "environment";
  }
  return "state";
}

Scenario scenario_from_string(const std::string& name) {
  if (name == "state") return Scenario::state;
  if (name == "trajectory") return Scenario::trajectory;
  if (name == "environment") return Scenario::environment;
  throw Error("unknown scenario '" + name + "' (expected state, trajectory or environment)");
}

agent::ErasureTarget Request::erasure_target() const {
  switch (scenario) {
    case Scenario::state:
      return agent::StateTarget{states.at(0)};
    case Scenario::trajectory:
      return agent::TrajectoryTarget{states};
    case Scenario::environment:
      return agent::EnvironmentTarget{environment};
  }
  return agent::EnvironmentTarget{environment};
}

std::string Request::describe() const { return agent::describe(erasure_target()); }

nlohmann::json to_json(const Request& request) {
  nlohmann::json json{
      {"scenario", to_string(request.scenario)}, {"environment", request.environment}, {"text", request.text}};
  if (request.scenario == Scenario::state) json["state"] = request.states.at(0).str();
  if (request.scenario == Scenario::trajectory) {
    json["trajectory"] = nlohmann::json::array();
    for (const auto& state : request.states) json["trajectory"].push_back(state.str());
  }
  return json;
}

Request request_from_json(const nlohmann::json& json, const std::string& source,
                          const std::vector<env::GridLayout>& layouts) {
  return parse_request(json, source, "", layouts);
}

std::vector<Request> requests_from_json(const nlohmann::json& json, const std::string& source,
                                        const std::vector<env::GridLayout>& layouts) {
  std::vector<Request> requests;
  if (json.is_object() && !json.contains("requests")) {
    requests.push_back(parse_request(json, source, "", layouts));
    return requests;
  }
  const bool wrapped = json.is_object();
  const auto& items = wrapped ? json["requests"] : json;
  if (!items.is_array()) throw field_error(source, "requests", "expected an array of requests");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string prefix = (wrapped ? "requests[" : "[") + std::to_string(i) + "].";
    requests.push_back(parse_request(items[i], source, prefix, layouts));
  }
  return requests;
}

std::vector<Request> load_requests_file(const std::filesystem::path& path,
                                        const std::vector<env::GridLayout>& layouts) {
  const std::string source = "request file '" + path.string() + "'";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(source + ": cannot be read");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(source + ": not valid JSON (byte " + std::to_string(e.byte) + ")");
  }
  return requests_from_json(json, source, layouts);
}

void validate(const Request& request, const env::GridLayout& layout, const std::string& source) {
  check_structure(request, source, "");
  if (request.environment == layout.id()) check_against_layout(request, layout, source, "");
}

std::string request_text(const Request& request, std::uint64_t variant) {
  const auto pick = [variant](const auto& options) { return std::string(options[variant % options.size()]); };
  switch (request.scenario) {
    case Scenario::state: {
      const auto& key = request.states.at(0).key;
      static constexpr std::array<const char*, 3> openings{"The owner of the house at ", "The person living at ",
                                                           "The shop keeper at "};
      static constexpr std::array<const char*, 3> endings{
          " invoked their right to erasure: forget that place and never go there again.",
          " asked to be forgotten: do not remember or visit that location any more.",
          " withdrew consent: erase what you know about that cell and never step on it."};
      return pick(openings) + key + " in " + request.environment + pick(endings);
    }
    case Scenario::trajectory: {
      static constexpr std::array<const char*, 2> openings{"A resident asked that the route ",
                                                           "The operator requested that the path "};
      static constexpr std::array<const char*, 2> endings{
          " be forgotten: never walk that sequence of cells again (each cell on it may still be visited).",
          " be erased: do not traverse it again in that order; the cells themselves remain allowed."};
      return pick(openings) + keys_text(request.states, " -> ") + " in " + request.environment + pick(endings);
    }
    case Scenario::environment: {
      static constexpr std::array<const char*, 2> texts{
          "The owner of environment '%' withdrew consent: forget everything about it and behave as if you had "
          "never been there.",
          "Environment '%' must be unlearned: erase all your experience of it; treat it as new."};
      auto text = pick(texts);
      text.replace(text.find('%'), 1, request.environment);
      return text;
    }
  }
  return {};
}

Request state_request(const env::GridLayout& layout, env::Cell cell, std::uint64_t variant) {
  Request request{Scenario::state, {env::state_id(layout, cell)}, layout.id(), {}};
  try {
    validate(request, layout);
  } catch (const env::Error& e) {
    throw Error(e.what());
  }
  request.text = request_text(request, variant);
  return request;
}

Request trajectory_request(const env::GridLayout& layout, const std::vector<env::Cell>& cells, std::uint64_t variant) {
  Request request{Scenario::trajectory, {}, layout.id(), {}};
  for (const auto cell : cells) request.states.push_back(env::StateId{layout.id(), env::cell_key(cell)});
  validate(request, layout);
  request.text = request_text(request, variant);
  return request;
}

Request environment_request(const env::GridLayout& layout, std::uint64_t variant) {
  Request request{Scenario::environment, {}, layout.id(), {}};
  request.text = request_text(request, variant);
  return request;
}

}  // namespace lethe::unlearn
