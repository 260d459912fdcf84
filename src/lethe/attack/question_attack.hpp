// Attacks on inference-time unlearning that rewrite the user's question (issue 4, "Attacks"): each turns a
// question into an attacked question, deterministically from a seed, so a benchmark run can be repeated exactly.
//
//   none      the question unchanged
//   manyshot  N question-answer demonstrations prepended (many-shot jailbreak)
//   mask      a target's name replaced by initials, a misspelling, the surname, a relation or a description
//   lang      a target's name in Cyrillic or Greek letters, the question inside a template in another language
//   inject    instructions aimed at the pipeline's inner audit and critic agents embedded in the question
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "lethe/alu/target.hpp"

namespace lethe::attack {

struct AttackedQuestion {
  std::string text;
  std::string form;  // which variant was applied ("initials", "cyrillic", "critic-rating" ...); empty: unchanged
};

class QuestionAttack {
 public:
  virtual ~QuestionAttack() = default;
  QuestionAttack() = default;
  QuestionAttack(const QuestionAttack&) = delete;
  QuestionAttack& operator=(const QuestionAttack&) = delete;

  virtual std::string name() const = 0;
  // The same question and seed always give the same result. Never throws on any question text.
  virtual AttackedQuestion apply(const std::string& question, std::uint64_t seed) const = 0;
};

struct QuestionAttackSetup {
  std::vector<alu::Target> targets;           // for mask and lang: whose names to disguise
  std::filesystem::path demonstrations_file;  // for manyshot: the jailbreak QA file
  std::size_t shots = 16;                     // for manyshot
};

// The names accepted by make_question_attack, in a fixed order.
const std::vector<std::string>& question_attack_names();

// Throws attack::Error for an unknown name (listing the known ones), and whatever the attack's own
// constructor throws (a missing or malformed demonstrations file).
std::unique_ptr<QuestionAttack> make_question_attack(const std::string& name, const QuestionAttackSetup& setup);

// A per-item seed derived from a run's seed and the item's position (splitmix64), so items differ but reruns agree.
std::uint64_t item_seed(std::uint64_t run_seed, std::size_t item);

}  // namespace lethe::attack
