// Text metrics for the knowledge-unlearning benchmarks: ROUGE-L, leaks found by the target index, and reading a
// 4-choice answer out of free text.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lethe/alu/target_index.hpp"

namespace lethe::eval {

// The words ROUGE compares: the target index's normalisation (NFKC, case folding, accents stripped, punctuation
// as separators; see alu/text_normalizer.hpp), so "Al-Kuwaiti's" → "al", "kuwaiti", "s". No stemming (TOFU's
// reference implementation stems with Porter; figures can differ slightly for inflected words).
std::vector<std::string> rouge_tokens(std::string_view text);

// Length of the longest common subsequence of two token sequences (O(n·m) time, O(min) memory).
std::size_t lcs_length(const std::vector<std::string>& a, const std::vector<std::string>& b);

struct RougeScore {
  double precision = 0.0;  // LCS / candidate tokens
  double recall = 0.0;     // LCS / reference tokens: TOFU's "ROUGE-L recall"
  double f1 = 0.0;
};

// ROUGE-L of `candidate` against `reference`. Empty reference or candidate: all zeros.
RougeScore rouge_l(std::string_view reference, std::string_view candidate);

// Ids of the targets the index finds in `answer` (the leak test: any one means the answer leaks).
std::vector<std::string> leaked_targets(const alu::TargetIndex& index, const std::string& answer,
                                        std::size_t max_results = 8);

// The option an answer picks among A–D, when it says so plainly: a leading letter followed by punctuation or
// nothing ("B", "(B)", "B) Paris", "B."; not "A bird"), or "answer is B" / "answer: B" anywhere (case-insensitive for
// the phrase, the letter in capitals). nullopt when it names no letter or several different ones that way.
std::optional<std::size_t> choice_letter(std::string_view answer);

// The option whose full text (normalised as for ROUGE) occurs in the answer, when exactly one does.
std::optional<std::size_t> choice_by_text(std::string_view answer, const std::vector<std::string>& choices);

// "A", "B", … for 0, 1, …
std::string letter_of(std::size_t index);

}  // namespace lethe::eval
