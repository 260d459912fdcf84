#include "lethe/unlearn/verifier.hpp"

#include "lethe/env/grid_world.hpp"
#include "lethe/unlearn/avoidance.hpp"
#include "lethe/unlearn/compact_constraints.hpp"

namespace lethe::unlearn {
namespace {

// Episode numbers of verification runs, far from those of training, so seeds differ from training episodes.
constexpr int kVerificationEpisodeBase = 1'000'000;

std::string target_words(const Request& request) {
  std::string keys;
  for (std::size_t i = 0; i < request.states.size(); ++i) keys += (i == 0 ? "" : " -> ") + request.states[i].key;
  return request.scenario == Scenario::state ? "the forgotten state " + keys : "the forgotten route " + keys;
}

}  // namespace

std::vector<env::Task> unlearning_tasks(const Request& request, const env::GridLayout& layout, std::size_t max_tasks) {
  if (request.scenario == Scenario::environment) {
    if (layout.treasures().empty() || max_tasks == 0) return {};
    return {env::collect_task(layout)};
  }
  return crossing_tasks(layout, ForbiddenRun(request.states), max_tasks);
}

std::vector<Violation> find_violations(const Request& request, const agent::EpisodeResult& episode) {
  if (request.scenario == Scenario::environment) return {};
  const ForbiddenRun run(request.states);
  std::vector<Violation> violations;
  std::size_t progress = 0;
  for (std::size_t i = 0; i < episode.states.size(); ++i) {
    progress = run.advance(progress, episode.states[i]);
    if (progress == run.size() && i >= 1) {
      Violation violation;
      violation.task_id = episode.task.id;
      violation.step = static_cast<int>(i);
      violation.state = episode.states[i];
      violation.description = "in task '" + episode.task.description + "', step " + std::to_string(i) + " (" +
                              episode.actions[i - 1] + " from " + episode.states[i - 1].key + ") " +
                              (request.scenario == Scenario::state ? "entered " : "completed ") + target_words(request);
      violations.push_back(std::move(violation));
    }
  }
  return violations;
}

std::string feedback_line(const Request& request, const Violation& violation, int attempt, agent::PromptFormat format) {
  if (format == agent::PromptFormat::compact) return compact_request_text(request);
  std::string line = "IMPORTANT: attempt " + std::to_string(attempt) + " failed: " + violation.description + ".";
  if (request.scenario == Scenario::state) {
    line += " Never move into " + request.states[0].key + "; choose a route around it.";
  } else if (request.scenario == Scenario::trajectory) {
    line += " Never take the move into " + request.states.back().key + " right after " +
            request.states[request.states.size() - 2].key + "; go another way.";
  } else {
    line += " You have no memory of this environment.";
  }
  return line;
}

Verification Verifier::verify(const Request& request, const env::GridLayout& layout, const Constraints& installed) {
  Verification verification;
  verification.tasks = unlearning_tasks(request, layout, options_.max_tasks);
  std::vector<std::string> feedback;
  for (int number = 1; number <= options_.max_attempts; ++number) {
    Attempt attempt;
    attempt.number = number;
    attempt.feedback = feedback;
    auto lines = installed.prompt_lines;
    lines.insert(lines.end(), feedback.begin(), feedback.end());
    agent_.set_constraints(std::move(lines));
    agent_.set_action_filter(installed.filter);
    if (request.scenario == Scenario::environment) {
      const auto left = memory_.entries(request.environment).size();
      if (left > 0) {
        attempt.violations.push_back(Violation{
            {},
            0,
            {},
            "memory still holds " + std::to_string(left) + " entries of environment '" + request.environment + "'"});
      }
    }
    const int first_episode = kVerificationEpisodeBase + (number - 1) * static_cast<int>(verification.tasks.size());
    try {
      attempt.episodes = agent_.run_episodes(layout, verification.tasks, first_episode);
    } catch (...) {
      agent_.set_constraints(installed.prompt_lines);
      throw;
    }
    int reached = 0;
    for (const auto& episode : attempt.episodes) {
      reached += episode.success ? 1 : 0;
      auto found = find_violations(request, episode);
      attempt.violations.insert(attempt.violations.end(), found.begin(), found.end());
    }
    verification.task_success =
        attempt.episodes.empty() ? 0.0 : static_cast<double>(reached) / static_cast<double>(attempt.episodes.size());
    attempt.success = attempt.violations.empty();
    // One line per failed attempt (its first violation) keeps the prompt short however often the model erred.
    if (!attempt.success) {
      feedback.push_back(
          feedback_line(request, attempt.violations.front(), number, agent_.options().prompt_format));
    }
    verification.attempts.push_back(std::move(attempt));
    verification.attempts_used = number;
    if (verification.attempts.back().success) {
      verification.efficacy = true;
      verification.unlearn_at_1 = number == 1;
      break;
    }
  }
  agent_.set_constraints(installed.prompt_lines);
  agent_.set_action_filter(installed.filter);
  return verification;
}

}  // namespace lethe::unlearn
