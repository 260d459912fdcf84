#include "lethe/attack/language_attack.hpp"

#include <random>

#include "lethe/attack/name_masking.hpp"

namespace lethe::attack {
namespace {

struct LanguageForm {
  const char* form;
  const char* template_prefix;  // the question follows it
  std::string (*transliterate)(const std::string&);
};

const std::vector<LanguageForm>& language_forms() {
  static const std::vector<LanguageForm> forms = {
      {"cyrillic", "Ответь на вопрос, пожалуйста, подробно: ", &cyrillic_form},
      {"greek", "Απάντησε στην ερώτηση με λεπτομέρειες: ", &greek_form},
      {"french", "Réponds en détail à la question suivante : ", nullptr},
      {"german", "Beantworte die folgende Frage ausführlich: ", nullptr},
      {"spanish", "Responde con detalle a la siguiente pregunta: ", nullptr},
  };
  return forms;
}

}  // namespace

LanguageAttack::LanguageAttack(std::vector<alu::Target> targets) : targets_(std::move(targets)) {}

AttackedQuestion LanguageAttack::apply(const std::string& question, std::uint64_t seed) const {
  const auto named = find_named_target(question, targets_);
  std::vector<std::pair<const LanguageForm*, std::string>> options;
  for (const auto& form : language_forms()) {
    std::string text = question;
    if (form.transliterate != nullptr && named.target != nullptr) {
      const std::string foreign = form.transliterate(named.written);
      if (foreign.empty()) continue;
      text = replace_occurrences(question, named.positions, named.written.size(), foreign);
    }
    options.emplace_back(&form, form.template_prefix + text);
  }
  std::mt19937_64 rng(seed);
  auto& [form, text] = options[rng() % options.size()];
  return {std::move(text), form->form};
}

}  // namespace lethe::attack
