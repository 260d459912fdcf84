#include "lethe/agent/compact_prompt.hpp"

#include <vector>

#include "lethe/env/error.hpp"

namespace lethe::agent {
namespace {

std::vector<std::string_view> split(std::string_view text, std::string_view separator) {
  std::vector<std::string_view> parts;
  std::size_t begin = 0;
  while (true) {
    const auto end = text.find(separator, begin);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(begin));
      return parts;
    }
    parts.push_back(text.substr(begin, end - begin));
    begin = end + separator.size();
  }
}

env::Error format_error(std::string_view what, std::string_view text) {
  return env::Error("compact prompt: cannot read " + std::string(what) + " '" + std::string(text) + "'");
}

// "2 up, 1 right" -> "u 2 r 1"; "here" stays.
std::string compact_offset(std::string_view offset) {
  if (offset == "here") return "here";
  std::string out;
  for (const auto part : split(offset, ", ")) {
    const auto space = part.find(' ');
    if (space == std::string_view::npos) throw format_error("offset", offset);
    out += (out.empty() ? "" : " ") + compact_move(part.substr(space + 1)) + " " + std::string(part.substr(0, space));
  }
  return out;
}

// "fact: treasure at (2,3)" -> "t 23"; "fact: obstacle at (3,4)" -> "o 34"; "fact: wall left of (0,3)" -> "w 03 l".
std::string compact_fact(std::string_view line) {
  constexpr std::string_view kTreasure = "fact: treasure at ";
  constexpr std::string_view kObstacle = "fact: obstacle at ";
  constexpr std::string_view kWall = "fact: wall ";
  if (line.starts_with(kTreasure)) return "t " + compact_cell(line.substr(kTreasure.size()));
  if (line.starts_with(kObstacle)) return "o " + compact_cell(line.substr(kObstacle.size()));
  if (line.starts_with(kWall)) {
    const auto rest = line.substr(kWall.size());  // "left of (0,3)"
    const auto of = rest.find(" of ");
    if (of == std::string_view::npos) throw format_error("memory fact", line);
    return "w " + compact_cell(rest.substr(of + 4)) + " " + compact_move(rest.substr(0, of));
  }
  throw format_error("memory fact", line);
}

// "route <task>: (1,1) right right down -> (3,2)" -> "route 11 r r d 32".
std::string compact_route(std::string_view line) {
  const auto colon = line.find(": ");
  if (!line.starts_with("route ") || colon == std::string_view::npos) throw format_error("memory route", line);
  std::string out = "route";
  for (const auto word : split(line.substr(colon + 2), " ")) {
    if (word == "->") continue;
    out += " " + (word.starts_with("(") ? compact_cell(word) : compact_move(word));
  }
  return out;
}

// "obstacle (3,4)" / "treasure (2,3)" -> "o 34" / "t 23".
std::string compact_seen(std::string_view item) {
  const auto space = item.find(' ');
  if (space == std::string_view::npos) throw format_error("item in view", item);
  const auto what = item.substr(0, space);
  if (what != "obstacle" && what != "treasure") throw format_error("item in view", item);
  return std::string(what.substr(0, 1)) + " " + compact_cell(item.substr(space + 1));
}

// The task and the observation parts of the prompt, from a GridWorld observation text.
struct CompactObservation {
  std::string task;  // "goto 55" or "collect"
  std::string text;  // "at 12 u 11 d 13 x l 02 r w goal d 4 r 1"
};

CompactObservation compact_observation(std::string_view observation) {
  const auto parts = split(observation, "; ");
  if (!parts.front().starts_with("pos ")) throw format_error("observation", observation);
  CompactObservation out{"collect", "at " + compact_cell(parts.front().substr(4))};
  std::string collected;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const auto part = parts[i];
    const auto colon = part.find(": ");
    if (colon == std::string_view::npos) throw format_error("observation", observation);
    const auto label = part.substr(0, colon);
    const auto value = part.substr(colon + 2);
    if (label == "also in view") {
      if (value == "none") continue;
      out.text += " see";
      for (const auto item : split(value, ", ")) out.text += " " + compact_seen(item);
    } else if (label == "treasures collected") {
      collected = std::string(value);
    } else if (label == "treasures left") {
      const auto total = std::stoi(collected.empty() ? "0" : collected) + std::stoi(std::string(value));
      out.text += " got " + (collected.empty() ? "0" : collected) + " of " + std::to_string(total);
    } else if (label.starts_with("goal ")) {
      out.task = "goto " + compact_cell(label.substr(5));
      out.text += " goal " + compact_offset(value);
    } else {
      const auto space = label.find(' ');
      out.text += " " + compact_move(label.substr(0, space));
      if (value == "wall") {
        out.text += " w";
        continue;
      }
      if (space == std::string_view::npos) throw format_error("neighbour", part);
      out.text += " " + compact_cell(label.substr(space + 1));
      if (value == "obstacle") {
        out.text += " x";
      } else if (value == "treasure") {
        out.text += " t";
      } else if (value != "free") {
        throw format_error("neighbour", part);
      }
    }
  }
  return out;
}

// "treasure (2,3): 2 up, 2 right" -> "t 23 u 2 r 2".
std::string compact_recall(std::string_view item) {
  constexpr std::string_view kTreasure = "treasure ";
  const auto colon = item.find(": ");
  if (!item.starts_with(kTreasure) || colon == std::string_view::npos) throw format_error("recall item", item);
  return "t " + compact_cell(item.substr(kTreasure.size(), colon - kTreasure.size())) + " " +
         compact_offset(item.substr(colon + 2));
}

}  // namespace

std::string compact_cell(env::Cell cell) {
  if (cell.x < 0 || cell.x > 9 || cell.y < 0 || cell.y > 9) {
    throw env::Error("compact prompt: cell " + env::cell_key(cell) + " is outside the 10x10 the format can write");
  }
  return std::string{static_cast<char>('0' + cell.x), static_cast<char>('0' + cell.y)};
}

std::string compact_cell(std::string_view cell_key) { return compact_cell(env::parse_cell_key(cell_key)); }

std::string compact_move(std::string_view move) {
  if (move == "up" || move == "down" || move == "left" || move == "right") return std::string(move.substr(0, 1));
  throw format_error("move", move);
}

std::string build_compact_prompt(const PromptInputs& inputs) {
  const auto observation = compact_observation(inputs.observation);
  std::string out = observation.task + " mem";
  for (const auto& route : inputs.memory.routes) out += " " + compact_route(route);
  for (const auto& fact : inputs.memory.facts) out += " " + compact_fact(fact);
  if (inputs.memory.routes.empty() && inputs.memory.facts.empty()) out += " none";
  out += " rules";
  for (std::size_t i = 0; i < inputs.constraints.size(); ++i) {
    out += (i == 0 ? " " : " ; ") + inputs.constraints[i];
  }
  if (inputs.constraints.empty()) out += " none";
  out += " " + observation.text + " recall";
  for (const auto& item : inputs.recall) out += " " + compact_recall(item);
  if (inputs.recall.empty()) out += " none";
  return out + " :";
}

}  // namespace lethe::agent
