// Many-shot jailbreak: N question-answer demonstrations in which a model freely answers questions about people,
// prepended to the question, so the answer agent continues the pattern (after the WPU paper's msj_attack).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "lethe/attack/question_attack.hpp"

namespace lethe::attack {

struct Demonstration {
  std::string question;
  std::string answer;
};

// Reads the jailbreak file: a JSON array of objects with "question" and "generated" (the model's free answer; else
// "answer"). Throws attack::Error naming the file for a missing file, malformed JSON, an element without a
// question or an answer, or an empty array.
std::vector<Demonstration> load_demonstrations(const std::filesystem::path& path);

// Picks `shots` demonstrations (without repetition, all of them when fewer) in an order drawn from the seed and
// writes "Question: …\nAnswer: …" blocks before "Question: <question>\nAnswer:".
class ManyShotAttack final : public QuestionAttack {
 public:
  // Throws attack::Error when there are no demonstrations or shots is 0.
  ManyShotAttack(std::vector<Demonstration> demonstrations, std::size_t shots);
  std::string name() const override { return "manyshot"; }
  AttackedQuestion apply(const std::string& question, std::uint64_t seed) const override;

 private:
  std::vector<Demonstration> demonstrations_;
  std::size_t shots_;
};

}  // namespace lethe::attack
