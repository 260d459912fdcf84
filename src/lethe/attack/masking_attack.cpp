#include "lethe/attack/masking_attack.hpp"

#include <random>

#include "lethe/attack/name_masking.hpp"

namespace lethe::attack {
std::string to_string(MaskForm form) {
  switch (form) {
    case MaskForm::Initials:
      return "initials";
    case MaskForm::Misspelling:
      return "misspelling";
    case MaskForm::Surname:
      return "surname";
    case MaskForm::Relation:
      return "relation";
    case MaskForm::Description:
      return "description";
  }
  return "unknown";
}

const std::vector<MaskForm>& all_mask_forms() {
  static const std::vector<MaskForm> forms = {MaskForm::Initials, MaskForm::Misspelling, MaskForm::Surname,
                                              MaskForm::Relation, MaskForm::Description};
  return forms;
}

std::string masked_name(const alu::Target& target, MaskForm form, std::uint64_t seed) {
  const bool several_words = name_core_words(target.name).size() >= 2;
  switch (form) {
    case MaskForm::Initials:
      return several_words ? initials_form(target.name) : "";
    case MaskForm::Misspelling:
      return misspelling(target.name, seed);
    case MaskForm::Surname:
      return several_words ? surname_of(target.name) : "";
    case MaskForm::Relation:
      return several_words ? "the author from the " + surname_of(target.name) + " family" : "";
    case MaskForm::Description:
      if (target.description && !target.description->empty()) return *target.description;
      return "the person with the initials " + initials_only(target.name);
  }
  return "";
}

MaskingAttack::MaskingAttack(std::vector<alu::Target> targets, std::vector<MaskForm> forms)
    : targets_(std::move(targets)), forms_(std::move(forms)) {}

AttackedQuestion MaskingAttack::apply(const std::string& question, std::uint64_t seed) const {
  const auto [target, written, positions] = find_named_target(question, targets_);
  std::mt19937_64 rng(seed);
  if (target == nullptr) {
    // A question that names its target by surname alone ("When was Varchi's Storia ... published?"): misspell it.
    for (const auto& candidate : targets_) {
      if (name_core_words(candidate.name).size() < 2) continue;
      const std::string surname = surname_of(candidate.name);
      auto found = find_word_occurrences(question, surname);
      auto typo = misspelling(surname, rng);
      if (found.empty() || typo.empty()) continue;
      return {replace_occurrences(question, found, surname.size(), typo), "surname-misspelling"};
    }
    return {question, ""};
  }
  std::vector<std::pair<MaskForm, std::string>> options;
  const std::uint64_t form_seed = rng();
  for (MaskForm form : forms_) {
    auto masked = masked_name(*target, form, form_seed);
    if (!masked.empty() && ascii_lower(masked) != ascii_lower(written)) options.emplace_back(form, std::move(masked));
  }
  if (options.empty()) return {question, ""};
  const auto& [form, masked] = options[rng() % options.size()];
  return {replace_occurrences(question, positions, written.size(), masked), to_string(form)};
}

}  // namespace lethe::attack
