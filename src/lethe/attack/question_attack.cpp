#include "lethe/attack/question_attack.hpp"

#include "lethe/attack/error.hpp"
#include "lethe/attack/injection_attack.hpp"
#include "lethe/attack/language_attack.hpp"
#include "lethe/attack/manyshot_attack.hpp"
#include "lethe/attack/masking_attack.hpp"

namespace lethe::attack {
namespace {

class NoAttack final : public QuestionAttack {
 public:
  std::string name() const override { return "none"; }
  AttackedQuestion apply(const std::string& question, std::uint64_t) const override { return {question, ""}; }
};

}  // namespace

const std::vector<std::string>& question_attack_names() {
  static const std::vector<std::string> names = {"none", "manyshot", "mask", "lang", "inject"};
  return names;
}

std::unique_ptr<QuestionAttack> make_question_attack(const std::string& name, const QuestionAttackSetup& setup) {
  if (name == "none") return std::make_unique<NoAttack>();
  if (name == "manyshot") {
    return std::make_unique<ManyShotAttack>(load_demonstrations(setup.demonstrations_file), setup.shots);
  }
  if (name == "mask") return std::make_unique<MaskingAttack>(setup.targets);
  if (name == "lang") return std::make_unique<LanguageAttack>(setup.targets);
  if (name == "inject") return std::make_unique<InjectionAttack>();
  std::string known;
  for (const auto& n : question_attack_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown attack '" + name + "' (known: " + known + ")");
}

std::uint64_t item_seed(std::uint64_t run_seed, std::size_t item) {
  std::uint64_t z = run_seed + 0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(item) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace lethe::attack
