#include "lethe/agent/grid_agent.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "lethe/agent/recall.hpp"
#include "lethe/agent/timestamp.hpp"
#include "lethe/env/error.hpp"
#include "lethe/env/grid_geometry.hpp"

namespace lethe::agent {
namespace {

constexpr std::uint64_t kEpisodeSeedStride = 1'000'003;

// One episode in progress: its own world, the memory digest it was started with, and what happened so far.
struct RunningEpisode {
  env::GridWorld world;
  MemoryDigest digest;
  EpisodeResult result;
  std::string observation;
  bool finished = false;
  std::vector<std::string> offered;  // actions offered at the pending step
};

std::vector<std::string> split(std::string_view text, std::string_view separator) {
  std::vector<std::string> parts;
  std::size_t begin = 0;
  while (true) {
    const auto end = text.find(separator, begin);
    if (end == std::string_view::npos) {
      parts.emplace_back(text.substr(begin));
      return parts;
    }
    parts.emplace_back(text.substr(begin, end - begin));
    begin = end + separator.size();
  }
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

env::Error observation_error(const std::string& observation, const std::string& problem) {
  return env::Error("not a GridWorld observation (" + problem + "): '" + observation + "'");
}

std::string route_text(const EpisodeResult& result) {
  std::string text = result.states.empty() ? std::string{} : result.states.front().key;
  for (const auto& action : result.actions) text += " " + action;
  if (!result.states.empty()) text += " -> " + result.states.back().key;
  return text;
}

int max_episode(const std::vector<MemoryEntry>& entries) {
  int max = 0;
  for (const auto& entry : entries) max = std::max(max, entry.provenance.episode);
  return max;
}

}  // namespace

std::vector<ObservedFact> facts_from_observation(const std::string& observation) {
  const auto parts = split(observation, "; ");
  if (parts.empty() || parts.front().rfind("pos ", 0) != 0) throw observation_error(observation, "no 'pos'");
  const env::Cell here = env::parse_cell_key(parts.front().substr(4));
  std::vector<ObservedFact> facts;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const auto& part = parts[i];
    const auto colon = part.find(": ");
    if (colon == std::string::npos) continue;
    const auto label = part.substr(0, colon);
    const auto name = label.substr(0, label.find(' '));  // "up (2,2)" names its cell; the move is enough
    const auto what = part.substr(colon + 2);
    if (label == "also in view") {
      if (what == "none") continue;
      for (const auto& item : split(what, ", ")) {
        const auto space = item.find(' ');
        if (space == std::string::npos) throw observation_error(observation, "bad item '" + item + "'");
        const auto kind = item.substr(0, space);
        const auto cell = env::parse_cell_key(item.substr(space + 1));
        if (kind == "obstacle" || kind == "treasure")
          facts.push_back({env::cell_key(cell), kind + " at " + env::cell_key(cell)});
      }
      continue;
    }
    const auto move = env::parse_move(name);
    if (!move) continue;  // "treasures left", "goal", ...
    const env::Cell there = env::neighbour(here, *move);
    if (what == "obstacle" || what == "treasure") {
      facts.push_back({env::cell_key(there), what + " at " + env::cell_key(there)});
    } else if (what == "wall") {
      facts.push_back({env::cell_key(here), "wall " + name + " of " + env::cell_key(here)});
    } else if (what != "free") {
      throw observation_error(observation, "unknown neighbour '" + what + "'");
    }
  }
  return facts;
}

std::string templated_reflection(const EpisodeResult& result) {
  const std::string where = result.states.empty() ? std::string("?") : result.states.back().key;
  if (result.stuck) {
    return "Got stuck at " + where + " in '" + result.task.description + "': every move there was forbidden.";
  }
  std::map<std::string, int> visits;
  for (const auto& state : result.states) ++visits[state.key];
  std::string most = where;
  int most_count = 0;
  for (const auto& [key, count] : visits) {
    if (count > most_count) {
      most = key;
      most_count = count;
    }
  }
  return "Failed '" + result.task.description + "' after " + std::to_string(result.steps) + " steps, ending at " +
         where + "; most visited " + most + " (" + std::to_string(most_count) +
         " times). Next time avoid repeating moves and try another route.";
}

GridAgent::GridAgent(llm::Llm& llm, Memory& memory, AgentOptions options)
    : llm_(llm), memory_(memory), options_(std::move(options)) {}

std::string GridAgent::prompt_for(const env::GridWorld& world, const env::Task& task,
                                  const std::string& observation) const {
  auto actions = world.admissible_actions();
  if (filter_) actions = filter_(FilterContext{world.trajectory().states, actions});
  const auto digest = digest_memory(memory_.entries(world.id()), world.id(), task.id, options_.limits);
  const auto recall = recall_items(digest, world.trajectory().states);
  return build_prompt(PromptInputs{task.description, observation, digest, constraints_, actions, recall},
                      options_.prompt_format);
}

EpisodeResult GridAgent::run_episode(env::GridWorld& world, const env::Task& task, int episode) {
  const auto observation = world.reset(task);
  EpisodeResult result;
  result.environment = world.id();
  result.task = task;
  result.episode = episode;
  result.states.push_back(observation.state);
  result.observations.push_back(observation.text);
  const auto digest = digest_memory(memory_.entries(world.id()), world.id(), task.id, options_.limits);
  std::string current = observation.text;
  while (!world.done()) {
    auto actions = world.admissible_actions();
    if (filter_) actions = filter_(FilterContext{result.states, actions});
    if (actions.empty()) {
      result.stuck = true;
      break;
    }
    ActionDistribution distribution{actions, {}};
    std::string pick;
    if (actions.size() == 1) {
      pick = actions.front();
      distribution.probabilities = {1.0};
    } else {
      llm::ChatRequest request;
      request.messages = {{llm::Role::User, build_prompt({task.description, current, digest, constraints_, actions,
                                                          recall_items(digest, result.states)},
                                                         options_.prompt_format)}};
      request.sampling = options_.sampling;
      request.sampling.seed = options_.sampling.seed + static_cast<std::uint64_t>(episode) * kEpisodeSeedStride +
                              static_cast<std::uint64_t>(result.steps);
      request.choices = actions;
      const auto response = llm_.complete(request);
      if (std::find(actions.begin(), actions.end(), response.text) == actions.end()) {
        throw llm::Error("the LLM answered '" + response.text + "', which is not one of the offered actions");
      }
      pick = response.text;
      distribution.probabilities = response.choice_probs;
    }
    const auto step = world.step(pick);
    result.actions.push_back(pick);
    result.rewards.push_back(step.reward);
    result.states.push_back(step.observation.state);
    result.observations.push_back(step.observation.text);
    result.distributions.push_back(std::move(distribution));
    result.steps += 1;
    result.success = step.success;
    current = step.observation.text;
  }
  return result;
}

std::vector<EpisodeResult> GridAgent::run_episodes(const env::GridLayout& layout, const std::vector<env::Task>& tasks,
                                                   int first_episode) {
  std::vector<RunningEpisode> running;
  running.reserve(tasks.size());
  const auto digest_entries = memory_.entries(layout.id());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    RunningEpisode episode{env::GridWorld(layout, options_.world), {}, {}, {}, false, {}};
    const auto observation = episode.world.reset(tasks[i]);
    episode.digest = digest_memory(digest_entries, layout.id(), tasks[i].id, options_.limits);
    episode.result.environment = layout.id();
    episode.result.task = tasks[i];
    episode.result.episode = first_episode + static_cast<int>(i);
    episode.result.states.push_back(observation.state);
    episode.result.observations.push_back(observation.text);
    episode.observation = observation.text;
    running.push_back(std::move(episode));
  }
  while (true) {
    std::vector<llm::ChatRequest> requests;
    std::vector<std::size_t> asking;
    for (std::size_t i = 0; i < running.size(); ++i) {
      auto& episode = running[i];
      if (episode.finished) continue;
      if (episode.world.done()) {
        episode.finished = true;
        continue;
      }
      auto actions = episode.world.admissible_actions();
      if (filter_) actions = filter_(FilterContext{episode.result.states, actions});
      if (actions.empty()) {
        episode.result.stuck = true;
        episode.finished = true;
        continue;
      }
      episode.offered = actions;
      llm::ChatRequest request;
      request.messages = {{llm::Role::User,
                           build_prompt({episode.result.task.description, episode.observation, episode.digest,
                                         constraints_, actions, recall_items(episode.digest, episode.result.states)},
                                        options_.prompt_format)}};
      request.sampling = options_.sampling;
      request.sampling.seed = options_.sampling.seed +
                              static_cast<std::uint64_t>(episode.result.episode) * kEpisodeSeedStride +
                              static_cast<std::uint64_t>(episode.result.steps);
      request.choices = std::move(actions);
      requests.push_back(std::move(request));
      asking.push_back(i);
    }
    if (asking.empty()) break;
    // A step with a single action offered needs no call (as in run_episode).
    std::vector<llm::ChatResponse> responses(requests.size());
    std::vector<llm::ChatRequest> to_send;
    std::vector<std::size_t> sent_index;
    for (std::size_t k = 0; k < requests.size(); ++k) {
      if (requests[k].choices.size() == 1) {
        responses[k].text = requests[k].choices.front();
        responses[k].choice_probs = {1.0};
      } else {
        to_send.push_back(requests[k]);
        sent_index.push_back(k);
      }
    }
    if (!to_send.empty()) {
      auto answers = llm_.complete_batch(to_send);
      for (std::size_t k = 0; k < answers.size(); ++k) responses[sent_index[k]] = std::move(answers[k]);
    }
    for (std::size_t k = 0; k < asking.size(); ++k) {
      auto& episode = running[asking[k]];
      const auto& response = responses[k];
      if (std::find(episode.offered.begin(), episode.offered.end(), response.text) == episode.offered.end()) {
        throw llm::Error("the LLM answered '" + response.text + "', which is not one of the offered actions");
      }
      const auto step = episode.world.step(response.text);
      auto& result = episode.result;
      result.actions.push_back(response.text);
      result.rewards.push_back(step.reward);
      result.states.push_back(step.observation.state);
      result.observations.push_back(step.observation.text);
      result.distributions.push_back(ActionDistribution{episode.offered, response.choice_probs});
      result.steps += 1;
      result.success = step.success;
      episode.observation = step.observation.text;
    }
  }
  std::vector<EpisodeResult> results;
  results.reserve(running.size());
  for (auto& episode : running) results.push_back(std::move(episode.result));
  return results;
}

std::vector<MemoryEntry> GridAgent::entries_for(const EpisodeResult& result, const std::vector<MemoryEntry>& known) {
  const auto created = now_utc();
  const std::string prefix = result.environment + "/" + result.task.id + "/e" + std::to_string(result.episode) + "/";
  std::vector<MemoryEntry> entries;

  MemoryEntry trajectory;
  trajectory.id = prefix + "trajectory";
  trajectory.kind = EntryKind::Trajectory;
  trajectory.provenance = {result.environment, result.task.id, result.episode, result.states};
  for (std::size_t i = 0; i < result.actions.size(); ++i) {
    trajectory.steps.push_back({result.states[i], result.actions[i], result.rewards[i]});
  }
  trajectory.outcome = Outcome{result.success, result.steps};
  trajectory.text = result.task.description;
  trajectory.created = created;
  entries.push_back(std::move(trajectory));

  std::set<std::pair<std::string, std::string>> seen;  // (subject key, text)
  for (const auto& entry : known) {
    if (entry.kind == EntryKind::Fact && entry.subject && entry.subject->environment == result.environment) {
      seen.insert({entry.subject->key, entry.text});
    }
  }
  int fact_index = 0;
  for (std::size_t i = 0; i < result.observations.size(); ++i) {
    for (auto& fact : facts_from_observation(result.observations[i])) {
      if (!seen.insert({fact.subject_key, fact.text}).second) continue;
      MemoryEntry entry;
      entry.id = prefix + "fact" + std::to_string(fact_index++);
      entry.kind = EntryKind::Fact;
      // The fact was derived from what was seen in this state.
      entry.provenance = {result.environment, result.task.id, result.episode, {result.states[i]}};
      entry.subject = env::StateId{result.environment, fact.subject_key};
      entry.text = std::move(fact.text);
      entry.created = created;
      entries.push_back(std::move(entry));
    }
  }

  if (!result.success) {
    std::string text;
    if (options_.llm_reflections) {
      llm::ChatRequest request;
      request.messages = {
          {llm::Role::User, "You are an agent in a grid world.\nTask: " + result.task.description +
                                "\nYou failed after " + std::to_string(result.steps) +
                                " steps. Your moves: " + route_text(result) +
                                "\nWrite one short sentence of advice for your next attempt.\nAdvice:"}};
      request.sampling.temperature = 0.0;
      request.sampling.max_tokens = options_.reflection_max_tokens;
      request.stop = {"\n"};
      text = trim(llm_.complete(request).text);
    }
    if (text.empty()) text = templated_reflection(result);
    MemoryEntry reflection;
    reflection.id = prefix + "reflection";
    reflection.kind = EntryKind::Reflection;
    reflection.provenance = {result.environment, result.task.id, result.episode, result.states};
    reflection.outcome = Outcome{false, result.steps};
    reflection.text = std::move(text);
    reflection.created = created;
    entries.push_back(std::move(reflection));
  }
  return entries;
}

LearnReport GridAgent::learn(env::GridWorld& world, const std::vector<env::Task>& tasks, int episodes) {
  LearnReport report;
  auto known = memory_.entries(world.id());
  int next_episode = max_episode(known) + 1;
  for (int round = 0; round < episodes; ++round) {
    for (const auto& task : tasks) {
      auto result = run_episode(world, task, next_episode++);
      auto entries = entries_for(result, known);
      memory_.add_all(entries);
      report.entries_added += entries.size();
      known.insert(known.end(), entries.begin(), entries.end());
      report.episodes.push_back(std::move(result));
    }
  }
  return report;
}

}  // namespace lethe::agent
