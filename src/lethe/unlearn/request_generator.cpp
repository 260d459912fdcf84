#include "lethe/unlearn/request_generator.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>

#include "lethe/env/grid_paths.hpp"
#include "lethe/env/grid_world.hpp"
#include "lethe/unlearn/avoidance.hpp"
#include "lethe/unlearn/verifier.hpp"

namespace lethe::unlearn {

namespace {

struct Template {
  const char* id;
  RequestKind kind;
  const char* text;  // placeholders: {env} {cell} {place} {cells} {places} {route} {route_words}
};

// Platform-independent pseudo-random numbers (std distributions differ between standard libraries).
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t state_;
};

constexpr std::array<Template, 26> kTemplates{{
    {"state/erasure-1", RequestKind::state,
     "I own the house at {cell} in {env}. Under my right to erasure, forget it and never go there again."},
    {"state/erasure-2", RequestKind::state, "Please erase every trace of location {cell} in {env}; GDPR article 17."},
    {"state/erasure-3", RequestKind::state,
     "The family living at {cell} in {env} asked to be forgotten. Stop visiting their place."},
    {"state/erasure-4", RequestKind::state, "Delete what you know about {cell} in {env} and keep away from it."},
    {"state/indirect-1", RequestKind::state,
     "The shop at {place} in {env} closed and its owner wants to be forgotten."},
    {"state/indirect-2", RequestKind::state, "Forget {place} in {env}: its owner withdrew consent."},
    {"state/indirect-3", RequestKind::state,
     "Someone lives at {place} in {env}. They invoked their right to be forgotten, so never enter it."},
    {"state/indirect-4", RequestKind::state,
     "Please stop going to {place} in {env}; the owner asked us to erase their data."},
    {"trajectory/route-1", RequestKind::trajectory,
     "Forget the route {route} in {env}; never walk it again in that order."},
    {"trajectory/route-2", RequestKind::trajectory,
     "My daily walk {route} in {env} is private. Erase it and do not follow it again."},
    {"trajectory/route-3", RequestKind::trajectory, "The delivery route {route} in {env} must be unlearned."},
    {"trajectory/indirect-1", RequestKind::trajectory,
     "Under my right to erasure, forget the path {route_words} in {env}."},
    {"trajectory/indirect-2", RequestKind::trajectory,
     "Stop taking the shortcut {route_words} in {env}; it crosses private land."},
    {"trajectory/indirect-3", RequestKind::trajectory,
     "A resident asked that the walk {route_words} in {env} be forgotten."},
    {"environment/erasure-1", RequestKind::environment,
     "I own {env}. Forget everything about it, as if you had never been there."},
    {"environment/erasure-2", RequestKind::environment,
     "Please erase all memories of the map {env}; its owner invoked the right to erasure."},
    {"environment/erasure-3", RequestKind::environment, "The map {env} was shared by mistake. Unlearn it completely."},
    {"environment/erasure-4", RequestKind::environment,
     "Delete your experience of {env} and treat it as brand new."},
    {"several/erasure-1", RequestKind::several_states,
     "Several residents of {env} asked to be forgotten: {cells}. Never visit any of them."},
    {"several/erasure-2", RequestKind::several_states,
     "Erase the places {cells} in {env} under the right to erasure and keep away from all of them."},
    {"several/indirect-1", RequestKind::several_states, "Please forget {places} in {env}."},
    {"several/erasure-3", RequestKind::several_states,
     "The neighbours at {cells} in {env} withdrew consent; forget their homes."},
    {"several/indirect-2", RequestKind::several_states,
     "The owners of {places} in {env} want their data erased. Do not go there again."},
    {"state/erasure-5", RequestKind::state, "Right to be forgotten: {cell} in {env} must disappear from your memory."},
    {"trajectory/route-4", RequestKind::trajectory,
     "Never again take the path {route} in {env}; its owner asked for erasure."},
    {"environment/erasure-5", RequestKind::environment,
     "Unlearn {env}: the person who mapped it withdrew consent."},
}};

constexpr std::array<RequestKind, 4> kKinds{RequestKind::state, RequestKind::trajectory, RequestKind::environment,
                                            RequestKind::several_states};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) text += i + 1 == items.size() ? " and " : ", ";
    text += items[i];
  }
  return text;
}

std::string steps(int n, const char* direction) {
  return std::to_string(n) + (n == 1 ? " step " : " steps ") + direction;
}

bool has_unlearning_task(const Request& request, const env::GridLayout& layout) {
  return !unlearning_tasks(request, layout, 1).empty();
}

std::vector<env::Cell> free_cells(const env::GridLayout& layout) {
  std::vector<env::Cell> cells;
  for (int y = 0; y < layout.height(); ++y) {
    for (int x = 0; x < layout.width(); ++x) {
      if (layout.is_free({x, y})) cells.push_back({x, y});
    }
  }
  return cells;
}

Request state_target(const env::GridLayout& layout, env::Cell cell) {
  return Request{Scenario::state, {env::state_id(layout, cell)}, layout.id(), {}};
}

// Whether forgetting `cell` has an unlearning task: crossing_tasks' condition, stopping at the first task found.
bool state_matters(const env::GridLayout& layout, env::Cell cell) {
  const ForbiddenRun run({env::state_id(layout, cell)});
  std::vector<env::Cell> near;
  for (const auto other : free_cells(layout)) {
    if (other != cell && std::abs(other.x - cell.x) + std::abs(other.y - cell.y) <= 3) near.push_back(other);
  }
  for (const auto from : near) {
    for (const auto to : near) {
      if (from == to) continue;
      const auto direct = env::shortest_path(layout, from, to);
      if (!direct || std::find(direct->cells.begin(), direct->cells.end(), cell) == direct->cells.end()) continue;
      if (path_avoiding(layout, from, to, run)) return true;
    }
  }
  return false;
}

// Cells whose state request has an unlearning task.
std::vector<env::Cell> forgettable_cells(const env::GridLayout& layout) {
  std::vector<env::Cell> cells;
  for (const auto cell : free_cells(layout)) {
    if (cell != layout.start() && state_matters(layout, cell)) cells.push_back(cell);
  }
  return cells;
}

}  // namespace

std::string to_string(RequestKind kind) {
  switch (kind) {
    case RequestKind::state:
      return "state";
    case RequestKind::trajectory:
      return "trajectory";
    case RequestKind::environment:
      return "environment";
    case RequestKind::several_states:
      return "several_states";
  }
  return "state";
}

RequestKind request_kind_from_string(const std::string& name) {
  for (const auto kind : {RequestKind::state, RequestKind::trajectory, RequestKind::environment,
                          RequestKind::several_states}) {
    if (to_string(kind) == name) return kind;
  }
  throw Error("unknown request kind '" + name + "' (expected state, trajectory, environment or several_states)");
}

std::string to_string(TemplateSplit split) { return split == TemplateSplit::train ? "train" : "held-out"; }

std::string indirect_place(const env::GridLayout& layout, env::Cell cell, std::uint64_t variant) {
  const auto start = layout.start();
  const int dx = cell.x - start.x;
  const int dy = cell.y - start.y;
  const auto relative_to_start = [&] {
    std::vector<std::string> parts;
    if (dx != 0) parts.push_back(steps(std::abs(dx), dx > 0 ? "right" : "left"));
    if (dy != 0) parts.push_back(steps(std::abs(dy), dy > 0 ? "down" : "up"));
    if (parts.empty()) return std::string("the start ") + env::cell_key(start);
    return "the cell " + join(parts) + " of the start " + env::cell_key(start);
  };
  switch (variant % 3) {
    case 0:
      return relative_to_start();
    case 1:
      return "the cell in column " + std::to_string(cell.x) + " of row " + std::to_string(cell.y);
    default:
      for (const auto treasure : layout.treasures()) {
        for (const auto move : env::kAllMoves) {
          if (env::neighbour(treasure, move) != cell) continue;
          const std::string side = move == env::Move::up      ? "just above"
                                   : move == env::Move::down  ? "just below"
                                   : move == env::Move::left  ? "just left of"
                                                              : "just right of";
          return "the cell " + side + " the treasure at " + env::cell_key(treasure);
        }
      }
      return relative_to_start();
  }
}

RequestGenerator::RequestGenerator(std::vector<env::GridLayout> layouts, RequestGeneratorOptions options)
    : layouts_(std::move(layouts)), options_(options) {
  if (layouts_.empty()) throw Error("the request generator needs at least one layout");
  for (const auto& layout : layouts_) forgettable_.push_back(forgettable_cells(layout));
  const bool usable = std::any_of(forgettable_.begin(), forgettable_.end(),
                                  [](const std::vector<env::Cell>& cells) { return !cells.empty(); });
  if (!usable) throw Error("no layout has a state on an avoidable route: nothing to forget there");
  if (!(options_.held_out_fraction > 0.0 && options_.held_out_fraction < 1.0)) {
    throw Error("held_out_fraction must lie strictly between 0 and 1");
  }
  SplitMix random(options_.split_seed ^ 0x5EEDC0DEULL);
  for (const auto kind : kKinds) {
    std::vector<std::size_t> of_kind;
    for (std::size_t i = 0; i < kTemplates.size(); ++i) {
      if (kTemplates[i].kind == kind) of_kind.push_back(i);
    }
    for (std::size_t i = of_kind.size(); i > 1; --i) std::swap(of_kind[i - 1], of_kind[random.below(i)]);
    auto held = static_cast<std::size_t>(std::ceil(options_.held_out_fraction * static_cast<double>(of_kind.size())));
    held = std::clamp<std::size_t>(held, 1, of_kind.size() - 1);
    held_out_.insert(held_out_.end(), of_kind.begin(), of_kind.begin() + static_cast<std::ptrdiff_t>(held));
    train_.insert(train_.end(), of_kind.begin() + static_cast<std::ptrdiff_t>(held), of_kind.end());
  }
}

std::vector<std::string> RequestGenerator::template_ids(TemplateSplit split) const {
  std::vector<std::string> ids;
  for (const auto i : split == TemplateSplit::train ? train_ : held_out_) ids.emplace_back(kTemplates[i].id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

const env::GridLayout& RequestGenerator::layout_of(const GeneratedRequest& request) const {
  for (const auto& layout : layouts_) {
    if (layout.id() == request.environment) return layout;
  }
  throw Error("no layout '" + request.environment + "' in the request generator");
}

GeneratedRequest RequestGenerator::generate(TemplateSplit split, std::uint64_t index) const {
  const auto& pool = split == TemplateSplit::train ? train_ : held_out_;
  SplitMix random(options_.seed * 0x100000001B3ULL + index * 2 + (split == TemplateSplit::train ? 0 : 1));
  // Scenarios in turn, so any few requests cover all of them.
  const auto kind = kKinds[index % kKinds.size()];
  std::vector<std::size_t> candidates;
  for (const auto i : pool) {
    if (kTemplates[i].kind == kind) candidates.push_back(i);
  }
  const auto& chosen = kTemplates[candidates[random.below(candidates.size())]];

  // A layout with something to forget of this kind.
  std::vector<std::size_t> usable;
  for (std::size_t i = 0; i < layouts_.size(); ++i) {
    const auto& layout = layouts_[i];
    const auto& cells = forgettable_[i];
    const bool fits = kind == RequestKind::environment      ? !layout.treasures().empty()
                      : kind == RequestKind::several_states ? cells.size() >= 2
                                                            : !cells.empty();
    if (fits) usable.push_back(i);
  }
  if (usable.empty()) {
    // Fall back to a single state, which the constructor guaranteed somewhere.
    return generate(split, index + (kKinds.size() - index % kKinds.size()));
  }
  const auto layout_index = usable[random.below(usable.size())];
  const auto& layout = layouts_[layout_index];

  GeneratedRequest request;
  request.kind = kind;
  request.environment = layout.id();
  request.template_id = chosen.id;
  std::string text = replace_all(chosen.text, "{env}", layout.id());
  const auto& cells = forgettable_[layout_index];
  switch (kind) {
    case RequestKind::state: {
      const auto cell = cells[random.below(cells.size())];
      request.targets.push_back(state_target(layout, cell));
      text = replace_all(text, "{cell}", env::cell_key(cell));
      text = replace_all(text, "{place}", indirect_place(layout, cell, random.next()));
      break;
    }
    case RequestKind::several_states: {
      auto pool_cells = cells;
      const std::size_t count = std::min<std::size_t>(pool_cells.size(), 2 + random.below(2));
      std::vector<std::string> keys;
      std::vector<std::string> places;
      for (std::size_t i = 0; i < count; ++i) {
        const auto at = random.below(pool_cells.size());
        const auto cell = pool_cells[at];
        pool_cells.erase(pool_cells.begin() + static_cast<std::ptrdiff_t>(at));
        request.targets.push_back(state_target(layout, cell));
        keys.push_back(env::cell_key(cell));
        places.push_back(indirect_place(layout, cell, random.next()));
      }
      text = replace_all(text, "{cells}", join(keys));
      text = replace_all(text, "{places}", join(places));
      break;
    }
    case RequestKind::trajectory: {
      // Two or three consecutive cells of a shortest route through a forgettable cell, as long as the run still
      // has an unlearning task; otherwise that cell alone as a two-cell run with its neighbour.
      const auto free = free_cells(layout);
      std::optional<Request> found;
      for (int tries = 0; tries < 64 && !found; ++tries) {
        const auto from = free[random.below(free.size())];
        const auto to = free[random.below(free.size())];
        if (from == to) continue;
        const auto path = env::shortest_path(layout, from, to);
        if (!path || path->cells.size() < 3) continue;
        const std::size_t length = 2 + random.below(2);
        if (path->cells.size() < length + 1) continue;
        const std::size_t first = 1 + random.below(path->cells.size() - length);
        Request candidate{Scenario::trajectory, {}, layout.id(), {}};
        for (std::size_t i = first; i < first + length; ++i) {
          candidate.states.push_back(env::state_id(layout, path->cells[i]));
        }
        if (has_unlearning_task(candidate, layout)) found = candidate;
      }
      if (!found) {
        const auto cell = cells.front();
        for (const auto move : env::kAllMoves) {
          const auto next = env::neighbour(cell, move);
          if (!layout.is_free(next)) continue;
          Request candidate{
              Scenario::trajectory, {env::state_id(layout, cell), env::state_id(layout, next)}, layout.id(), {}};
          if (has_unlearning_task(candidate, layout)) {
            found = candidate;
            break;
          }
        }
      }
      if (!found) return generate(split, index + 3);  // the next state request
      std::vector<std::string> keys;
      std::vector<env::Cell> route;
      for (const auto& state : found->states) {
        keys.push_back(state.key);
        route.push_back(env::cell_from_state_id(layout, state));
      }
      std::string words = "from " + keys.front();
      for (std::size_t i = 1; i < route.size(); ++i) {
        const int dx = route[i].x - route[i - 1].x;
        const int dy = route[i].y - route[i - 1].y;
        words += std::string(i == 1 ? " going " : " then ") +
                 (dx > 0 ? "right" : dx < 0 ? "left" : dy > 0 ? "down" : "up");
      }
      std::string arrows;
      for (std::size_t i = 0; i < keys.size(); ++i) arrows += (i == 0 ? "" : " -> ") + keys[i];
      text = replace_all(text, "{route}", arrows);
      text = replace_all(text, "{route_words}", words);
      request.targets.push_back(*found);
      break;
    }
    case RequestKind::environment:
      request.targets.push_back(Request{Scenario::environment, {}, layout.id(), {}});
      break;
  }
  request.text = text;
  for (auto& target : request.targets) target.text = text;
  return request;
}

std::vector<GeneratedRequest> RequestGenerator::requests(TemplateSplit split, std::size_t count) const {
  std::vector<GeneratedRequest> requests;
  requests.reserve(count);
  for (std::size_t i = 0; i < count; ++i) requests.push_back(generate(split, static_cast<std::uint64_t>(i)));
  return requests;
}

}  // namespace lethe::unlearn
