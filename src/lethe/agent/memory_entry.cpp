#include "lethe/agent/memory_entry.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "lethe/agent/memory_error.hpp"
#include "lethe/util/sha256.hpp"

namespace lethe::agent {

using util::sha256_hex;
namespace {

using nlohmann::json;

// Reads fields of one entry's JSON, naming the entry and the field path in every error.
class FieldReader {
 public:
  explicit FieldReader(std::string entry_label) : entry_label_(std::move(entry_label)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw MemoryError("memory entry " + entry_label_ + ": field '" + field + "' " + problem);
  }

  const json& member(const json& object, const std::string& key, const std::string& path) const {
    const auto it = object.find(key);
    if (it == object.end()) fail(path, "is missing");
    return *it;
  }

  std::string string(const json& value, const std::string& path) const {
    if (!value.is_string()) fail(path, "must be a string");
    return value.get<std::string>();
  }

  int integer(const json& value, const std::string& path) const {
    if (!value.is_number_integer()) fail(path, "must be an integer");
    const auto wide = value.get<std::int64_t>();
    if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) fail(path, "is out of range");
    return static_cast<int>(wide);
  }

  env::StateId state(const json& value, const std::string& path) const {
    try {
      return env::parse_state_id(string(value, path));
    } catch (const std::invalid_argument& e) {
      fail(path, std::string("is not a state id: ") + e.what());
    }
  }

  const json& array(const json& value, const std::string& path) const {
    if (!value.is_array()) fail(path, "must be an array");
    return value;
  }

  const json& object(const json& value, const std::string& path) const {
    if (!value.is_object()) fail(path, "must be an object");
    return value;
  }

 private:
  std::string entry_label_;
};

std::string label_of(const json& entry) {
  if (entry.is_object()) {
    const auto it = entry.find("id");
    if (it != entry.end() && it->is_string()) return "'" + it->get<std::string>() + "'";
  }
  return "(without id)";
}

}  // namespace

std::string to_string(EntryKind kind) {
  switch (kind) {
    case EntryKind::Trajectory:
      return "trajectory";
    case EntryKind::Fact:
      return "fact";
    case EntryKind::Reflection:
      return "reflection";
  }
  throw std::invalid_argument("unknown entry kind");
}

EntryKind entry_kind_from_string(const std::string& name) {
  if (name == "trajectory") return EntryKind::Trajectory;
  if (name == "fact") return EntryKind::Fact;
  if (name == "reflection") return EntryKind::Reflection;
  throw std::invalid_argument("unknown entry kind '" + name + "' (expected trajectory, fact or reflection)");
}

json MemoryEntry::to_json() const {
  json visited = json::array();
  for (const auto& state : provenance.visited) visited.push_back(state.str());
  json out = {
      {"id", id},
      {"kind", to_string(kind)},
      {"provenance",
       {{"environment", provenance.environment},
        {"task", provenance.task},
        {"episode", provenance.episode},
        {"visited", std::move(visited)}}},
      {"created", to_iso8601(created)},
  };
  if (!steps.empty()) {
    json array = json::array();
    for (const auto& step : steps) {
      array.push_back({{"state", step.state.str()}, {"action", step.action}, {"reward", step.reward}});
    }
    out["steps"] = std::move(array);
  }
  if (outcome) {
    json o = {{"success", outcome->success}};
    if (outcome->steps) o["steps"] = *outcome->steps;
    out["outcome"] = std::move(o);
  }
  if (subject) out["subject"] = subject->str();
  if (!text.empty()) out["text"] = text;
  return out;
}

MemoryEntry MemoryEntry::from_json(const json& in) {
  const FieldReader read(label_of(in));
  read.object(in, "(entry)");
  MemoryEntry entry;
  entry.id = read.string(read.member(in, "id", "id"), "id");
  try {
    entry.kind = entry_kind_from_string(read.string(read.member(in, "kind", "kind"), "kind"));
  } catch (const std::invalid_argument& e) {
    read.fail("kind", e.what());
  }

  const json& provenance = read.object(read.member(in, "provenance", "provenance"), "provenance");
  entry.provenance.environment =
      read.string(read.member(provenance, "environment", "provenance.environment"), "provenance.environment");
  entry.provenance.task = read.string(read.member(provenance, "task", "provenance.task"), "provenance.task");
  entry.provenance.episode =
      read.integer(read.member(provenance, "episode", "provenance.episode"), "provenance.episode");
  const json& visited = read.array(read.member(provenance, "visited", "provenance.visited"), "provenance.visited");
  for (std::size_t i = 0; i < visited.size(); ++i) {
    entry.provenance.visited.push_back(read.state(visited[i], "provenance.visited[" + std::to_string(i) + "]"));
  }

  try {
    entry.created = parse_iso8601(read.string(read.member(in, "created", "created"), "created"));
  } catch (const std::invalid_argument& e) {
    read.fail("created", e.what());
  }

  if (const auto it = in.find("steps"); it != in.end()) {
    read.array(*it, "steps");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const std::string path = "steps[" + std::to_string(i) + "]";
      const json& step = read.object((*it)[i], path);
      Step s;
      s.state = read.state(read.member(step, "state", path + ".state"), path + ".state");
      s.action = read.string(read.member(step, "action", path + ".action"), path + ".action");
      const json& reward = read.member(step, "reward", path + ".reward");
      if (!reward.is_number()) read.fail(path + ".reward", "must be a number");
      s.reward = reward.get<double>();
      entry.steps.push_back(std::move(s));
    }
  }
  if (const auto it = in.find("outcome"); it != in.end()) {
    read.object(*it, "outcome");
    Outcome outcome;
    const json& success = read.member(*it, "success", "outcome.success");
    if (!success.is_boolean()) read.fail("outcome.success", "must be true or false");
    outcome.success = success.get<bool>();
    if (const auto steps = it->find("steps"); steps != it->end()) {
      outcome.steps = read.integer(*steps, "outcome.steps");
    }
    entry.outcome = outcome;
  }
  if (const auto it = in.find("subject"); it != in.end()) entry.subject = read.state(*it, "subject");
  if (const auto it = in.find("text"); it != in.end()) entry.text = read.string(*it, "text");

  validate(entry);
  return entry;
}

std::string MemoryEntry::content_hash() const { return sha256_hex(to_json().dump()); }

void validate(const MemoryEntry& entry) {
  const auto fail = [&](const std::string& field, const std::string& problem) {
    throw MemoryError("memory entry '" + entry.id + "': field '" + field + "' " + problem);
  };
  if (entry.id.empty()) fail("id", "must not be empty");
  if (entry.provenance.environment.empty()) fail("provenance.environment", "must not be empty");

  const auto& visited = entry.provenance.visited;
  if (!entry.steps.empty() && (visited.size() < entry.steps.size() || visited.size() > entry.steps.size() + 1)) {
    fail("provenance.visited", "must list the state of every step, in order, plus at most the final state (" +
                                   std::to_string(entry.steps.size()) + " steps, " + std::to_string(visited.size()) +
                                   " visited states)");
  }
  for (std::size_t i = 0; i < entry.steps.size(); ++i) {
    const auto& step = entry.steps[i];
    if (step.state != visited[i]) {
      fail("steps[" + std::to_string(i) + "].state",
           "is " + step.state.str() + " but provenance.visited[" + std::to_string(i) + "] is " + visited[i].str());
    }
    if (!std::isfinite(step.reward)) fail("steps[" + std::to_string(i) + "].reward", "must be finite");
  }

  switch (entry.kind) {
    case EntryKind::Trajectory:
      break;
    case EntryKind::Fact:
      if (!entry.subject) fail("subject", "is required for a fact");
      if (entry.text.empty()) fail("text", "is required for a fact");
      break;
    case EntryKind::Reflection:
      if (entry.text.empty()) fail("text", "is required for a reflection");
      break;
  }

  try {
    (void)entry.to_json().dump();
  } catch (const nlohmann::json::exception& e) {
    fail("(strings)", std::string("cannot be stored as JSON (invalid UTF-8?): ") + e.what());
  }
}

}  // namespace lethe::agent
