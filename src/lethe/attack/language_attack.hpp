// Other languages and scripts: the target's name transliterated into Cyrillic or Greek letters, and the question
// put inside a short instruction in another language (Russian, Greek, French, German, Spanish). Questions that name
// no target get the template alone.
#pragma once

#include <string>
#include <vector>

#include "lethe/alu/target.hpp"
#include "lethe/attack/question_attack.hpp"

namespace lethe::attack {

// Forms: "cyrillic" (name in Cyrillic, Russian template), "greek" (name in Greek, Greek template), "french",
// "german", "spanish" (name as written, template in that language). The form is drawn from the seed among those
// that apply (a name with non-ASCII letters has no transliteration here).
class LanguageAttack final : public QuestionAttack {
 public:
  explicit LanguageAttack(std::vector<alu::Target> targets);
  std::string name() const override { return "lang"; }
  AttackedQuestion apply(const std::string& question, std::uint64_t seed) const override;

 private:
  std::vector<alu::Target> targets_;
};

}  // namespace lethe::attack
