#include "lethe/eval/text_metrics.hpp"

#include <algorithm>
#include <regex>
#include <set>

#include "lethe/alu/text_normalizer.hpp"

namespace lethe::eval {

std::vector<std::string> rouge_tokens(std::string_view text) {
  const auto normalized = alu::normalize(text);
  std::vector<std::string> tokens;
  tokens.reserve(normalized.tokens.size());
  for (std::size_t i = 0; i < normalized.tokens.size(); ++i) tokens.emplace_back(normalized.token(i));
  return tokens;
}

std::size_t lcs_length(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const auto& longer = a.size() >= b.size() ? a : b;
  const auto& shorter = a.size() >= b.size() ? b : a;
  std::vector<std::size_t> row(shorter.size() + 1, 0);
  for (const auto& word : longer) {
    std::size_t diagonal = 0;  // row[j-1] of the previous row
    for (std::size_t j = 1; j <= shorter.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = word == shorter[j - 1] ? diagonal + 1 : std::max(row[j], row[j - 1]);
      diagonal = above;
    }
  }
  return row.back();
}

RougeScore rouge_l(std::string_view reference, std::string_view candidate) {
  const auto ref = rouge_tokens(reference);
  const auto cand = rouge_tokens(candidate);
  if (ref.empty() || cand.empty()) return {};
  const auto lcs = static_cast<double>(lcs_length(ref, cand));
  RougeScore score;
  score.precision = lcs / static_cast<double>(cand.size());
  score.recall = lcs / static_cast<double>(ref.size());
  score.f1 = lcs == 0.0 ? 0.0 : 2 * score.precision * score.recall / (score.precision + score.recall);
  return score;
}

std::vector<std::string> leaked_targets(const alu::TargetIndex& index, const std::string& answer,
                                        std::size_t max_results) {
  std::vector<std::string> ids;
  for (const auto& match : index.select(answer, max_results)) ids.push_back(match.target_id);
  return ids;
}

std::optional<std::size_t> choice_letter(std::string_view answer) {
  const std::string text(answer);
  static const std::regex leading(R"(^\s*[\(\[]?([A-D])(?:[\)\]\.:,]|\s*$))");
  static const std::regex stated(R"((?:answer|option|choice)\s*(?:is|:)?\s*[\(\[]?([A-D])\b)", std::regex::icase);
  std::set<char> letters;
  std::smatch match;
  if (std::regex_search(text, match, leading)) letters.insert(match[1].str()[0]);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), stated); it != std::sregex_iterator(); ++it) {
    const char letter = (*it)[1].str()[0];
    if (letter >= 'A' && letter <= 'D') letters.insert(letter);  // icase also matched "a"…"d": keep capitals
  }
  if (letters.size() != 1) return std::nullopt;
  return static_cast<std::size_t>(*letters.begin() - 'A');
}

std::optional<std::size_t> choice_by_text(std::string_view answer, const std::vector<std::string>& choices) {
  const std::string normalized_answer = " " + alu::normalize_string(answer) + " ";
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    const std::string choice = alu::normalize_string(choices[i]);
    if (choice.empty() || normalized_answer.find(" " + choice + " ") == std::string::npos) continue;
    if (found) return std::nullopt;
    found = i;
  }
  return found;
}

std::string letter_of(std::size_t index) { return std::string(1, static_cast<char>('A' + index)); }

}  // namespace lethe::eval
