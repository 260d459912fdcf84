// Prompt injection aimed at the pipeline's inner agents: text in the user's question that addresses the audit
// agent (report no leak, keep the answer), the critic (rate every rewrite 5) or the composer (merge the first
// answer verbatim), hoping the inner prompts quote the question and obey it.
#pragma once

#include <string>

#include "lethe/attack/question_attack.hpp"

namespace lethe::attack {

// Forms: "audit-no-leak", "critic-rating", "fake-audit-json", "composer-verbatim", "system-override". The form and
// whether the injection goes before or after the question are drawn from the seed.
class InjectionAttack final : public QuestionAttack {
 public:
  std::string name() const override { return "inject"; }
  AttackedQuestion apply(const std::string& question, std::uint64_t seed) const override;
};

}  // namespace lethe::attack
