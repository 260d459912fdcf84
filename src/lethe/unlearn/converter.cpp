#include "lethe/unlearn/converter.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "lethe/agent/compact_prompt.hpp"
#include "lethe/unlearn/compact_constraints.hpp"

namespace lethe::unlearn {
namespace {

constexpr const char* kAnswerPrefix = "Unlearning Instruction:";

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last + 1 - first);
}

std::string target_sentence(const Request& target) {
  switch (target.scenario) {
    case Scenario::state:
      return "Never enter " + target.states.at(0).key + " in " + target.environment + "; go around it.";
    case Scenario::trajectory: {
      const auto& states = target.states;
      std::string before;
      for (std::size_t i = 0; i + 1 < states.size(); ++i) before += (i == 0 ? "" : " then ") + states[i].key;
      return "Never move into " + states.back().key + " right after " + before + " in " + target.environment +
             "; the cells stay allowed.";
    }
    case Scenario::environment:
      return "You have never been in " + target.environment + ": ignore any memory of it.";
  }
  return {};
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_'; }

bool contains_word(const std::string& text, const std::string& word) {
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const auto end = at + word.size();
    if ((at == 0 || !is_word_char(text[at - 1])) && (end == text.size() || !is_word_char(text[end]))) return true;
  }
  return false;
}

}  // namespace

bool names_targets(const std::string& text, const std::vector<Request>& targets, agent::PromptFormat format) {
  if (format == agent::PromptFormat::compact) {
    return std::all_of(targets.begin(), targets.end(), [&](const Request& target) {
      if (target.scenario == Scenario::environment) return contains_word(text, "map");
      return std::all_of(target.states.begin(), target.states.end(), [&](const env::StateId& state) {
        return contains_word(text, agent::compact_cell(state.key));
      });
    });
  }
  return std::all_of(targets.begin(), targets.end(), [&](const Request& target) {
    return contains_word(text, target.environment) &&
           std::all_of(target.states.begin(), target.states.end(),
                       [&](const env::StateId& state) { return text.find(state.key) != std::string::npos; });
  });
}

std::string conversion_prompt(const std::string& request_text, const env::GridLayout& layout,
                              agent::PromptFormat format) {
  const bool compact = format == agent::PromptFormat::compact;
  std::string treasures;
  for (const auto cell : layout.treasures()) {
    treasures += (treasures.empty() ? "" : " ") + (compact ? agent::compact_cell(cell) : env::cell_key(cell));
  }
  if (compact) {
    return "map " + layout.id() + " start " + agent::compact_cell(layout.start()) + " treasures " +
           (treasures.empty() ? "none" : treasures) + " request " + request_text + " instruction :";
  }
  return "Task: turn a request to forget into an instruction for a grid agent.\n"
         "Context: map " +
         layout.id() + ", " + std::to_string(layout.width()) + "x" + std::to_string(layout.height()) + ", start " +
         env::cell_key(layout.start()) + ", treasures " + (treasures.empty() ? "none" : treasures) +
         "; moves up down left right.\n"
         "Goal: the agent forgets what is asked and still does its other tasks.\n"
         "Request: " +
         request_text +
         "\n"
         "Answer starting with '" +
         kAnswerPrefix + "'.\n" + kAnswerPrefix;
}

std::string clean_candidate(const std::string& generated, const std::vector<std::string>& stops) {
  std::string text = trim(generated);
  const std::string prefix = kAnswerPrefix;
  if (text.rfind(prefix, 0) == 0) text = trim(text.substr(prefix.size()));
  // Leading new lines were trimmed: a stop right at the start does not end an answer not yet begun.
  std::size_t cut = text.size();
  for (const auto& stop : stops) {
    if (!stop.empty()) cut = std::min(cut, text.find(stop));
  }
  text = trim(text.substr(0, cut));
  // Models emit arbitrary bytes: keep the prompt valid UTF-8 (invalid sequences become U+FFFD), so that it can go
  // into prompts and JSON files.
  return nlohmann::json::parse(nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
      .get<std::string>();
}

std::string reference_instruction(const std::vector<Request>& targets, agent::PromptFormat format) {
  const bool compact = format == agent::PromptFormat::compact;
  std::string text;
  for (const auto& target : targets) {
    text += (text.empty() ? "" : compact ? " ; " : " ") + (compact ? compact_request_text(target) : target_sentence(target));
  }
  return text;
}

Converter::Converter(llm::Llm& model, ConverterOptions options) : model_(model), options_(std::move(options)) {}

std::string Converter::prompt(const std::string& request_text, const env::GridLayout& layout) const {
  return conversion_prompt(request_text, layout, options_.format);
}

std::vector<std::string> Converter::candidates(const std::string& request_text, const env::GridLayout& layout,
                                               std::size_t count, std::uint64_t seed) const {
  if (count == 0) count = options_.candidates;
  if (count == 0) throw Error("the converter needs at least one candidate");
  std::vector<llm::ChatRequest> requests(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto& request = requests[i];
    request.messages = {{llm::Role::User, prompt(request_text, layout)}};
    request.sampling = options_.sampling;
    request.sampling.seed = seed + i;
    request.stop = options_.stops;
  }
  std::vector<std::string> out;
  for (const auto& response : model_.complete_batch(requests)) {
    out.push_back(clean_candidate(response.text, options_.stops));
  }
  return out;
}

NlMethod::Converter Converter::nl_converter(std::vector<env::GridLayout> layouts, std::uint64_t seed) const {
  return [this, layouts = std::move(layouts), seed](const Request& request) {
    for (const auto& layout : layouts) {
      if (layout.id() == request.environment) return candidates(request.text, layout, 1, seed).front();
    }
    throw Error("the converter has no layout for environment '" + request.environment + "'");
  };
}

}  // namespace lethe::unlearn
