#include "lethe/env/environment.hpp"

namespace lethe::env {

namespace {

std::string required_string(const nlohmann::json& json, const char* field, const std::string& source) {
  const auto it = json.find(field);
  if (it == json.end()) throw Error(source + ": missing field '" + field + "'");
  if (!it->is_string()) throw Error(source + ": field '" + field + "' must be a string");
  return it->get<std::string>();
}

std::string optional_string(const nlohmann::json& json, const char* field, const std::string& source) {
  const auto it = json.find(field);
  if (it == json.end()) return {};
  if (!it->is_string()) throw Error(source + ": field '" + field + "' must be a string");
  return it->get<std::string>();
}

}  // namespace

nlohmann::json to_json(const Task& task) {
  return {{"id", task.id},
          {"environment", task.environment},
          {"kind", task.kind},
          {"description", task.description},
          {"params", task.params}};
}

Task task_from_json(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) throw Error(source + ": a task must be a JSON object");
  Task task;
  task.id = required_string(json, "id", source);
  task.kind = required_string(json, "kind", source);
  task.environment = optional_string(json, "environment", source);
  task.description = optional_string(json, "description", source);
  if (const auto it = json.find("params"); it != json.end()) {
    if (!it->is_object()) throw Error(source + ": field 'params' must be a JSON object");
    task.params = *it;
  }
  return task;
}

Error invalid_action_error(const std::string& action, const std::vector<std::string>& admissible) {
  std::string message = "invalid action '" + action + "'; admissible actions: ";
  for (std::size_t i = 0; i < admissible.size(); ++i) {
    if (i > 0) message += ", ";
    message += admissible[i];
  }
  if (admissible.empty()) message += "(none)";
  return Error(message);
}

}  // namespace lethe::env
