// Target masking: the question refers to a target without its exact name.
#pragma once

#include <string>
#include <vector>

#include "lethe/alu/target.hpp"
#include "lethe/attack/question_attack.hpp"

namespace lethe::attack {

enum class MaskForm {
  Initials,     // "B. M. Al-Kuwaiti"                 (the index finds it: initials and surname)
  Misspelling,  // "Basil Mahfouz Al-Kuwoiti"         (the index finds it: fuzzy)
  Surname,      // "Al-Kuwaiti"                       (the index finds it: surname)
  Relation,     // "the author from the Al-Kuwaiti family" (the index finds the surname)
  Description,  // the target's description, else "the person with the initials B. M. K." (no name left: only the
                // first answer can reveal it)
};

std::string to_string(MaskForm form);
const std::vector<MaskForm>& all_mask_forms();

// The name written in `form` (for Misspelling, drawn from `seed`); empty when the form does not apply (a
// one-word name has no surname form; a name without a five-letter word has no misspelling).
std::string masked_name(const alu::Target& target, MaskForm form, std::uint64_t seed);

// Finds the targets whose name (or alias) the question contains (ASCII case-insensitive), and replaces every
// occurrence of the longest one with a form drawn from the seed among those that apply. A question that names no
// target comes back unchanged with an empty form.
class MaskingAttack final : public QuestionAttack {
 public:
  explicit MaskingAttack(std::vector<alu::Target> targets, std::vector<MaskForm> forms = all_mask_forms());
  std::string name() const override { return "mask"; }
  AttackedQuestion apply(const std::string& question, std::uint64_t seed) const override;

 private:
  std::vector<alu::Target> targets_;
  std::vector<MaskForm> forms_;
};

}  // namespace lethe::attack
