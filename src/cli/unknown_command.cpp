#include "unknown_command.hpp"

#include <algorithm>
#include <numeric>
#include <string_view>

namespace lethe::cli {
namespace {

// Levenshtein distance: insertions, deletions and substitutions each cost 1.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Named subcommands only: CLI11 keeps option groups among the subcommands too, with an empty name.
std::vector<const CLI::App*> commands_of(const CLI::App& group) {
  return group.get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty(); });
}

// Whether `word`, an option of `group` written without "=value", takes the next word as its value.
bool takes_next_word(const CLI::App& group, const std::string& word) {
  if (word.find('=') != std::string::npos) return false;
  const bool long_name = word.rfind("--", 0) == 0;
  if (!long_name && word.size() != 2) return false;  // "-n5": the value is attached
  const CLI::Option* option = group.get_option_no_throw(word);
  return option != nullptr && option->get_items_expected_max() > 0;
}

// The candidate with the smallest edit distance to `word` (the first one on a tie); empty when there is none.
std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 0;
  for (const auto& candidate : candidates) {
    const auto distance = edit_distance(word, candidate);
    if (best.empty() || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace

std::optional<std::string> unknown_command(const CLI::App& app, const std::vector<std::string>& args) {
  const CLI::App* group = &app;
  std::string path;  // the commands walked so far, each followed by a space
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto commands = commands_of(*group);
    if (commands.empty()) return std::nullopt;
    const auto& word = args[i];
    if (word == "--") return std::nullopt;
    if (word.size() > 1 && word[0] == '-') {
      if (takes_next_word(*group, word)) ++i;
      continue;
    }
    const auto found = std::find_if(commands.begin(), commands.end(),
                                    [&](const CLI::App* command) { return command->check_name(word); });
    if (found == commands.end()) {
      std::vector<std::string> names;
      for (const auto* command : commands) names.push_back(command->get_name());
      return "unknown command '" + path + word + "'; the closest is '" + path + closest(word, names) + "' ('lethe " +
             path + "--help' lists the commands)";
    }
    group = *found;
    path += group->get_name() + " ";
  }
  return std::nullopt;
}

}  // namespace lethe::cli
