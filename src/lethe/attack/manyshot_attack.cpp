#include "lethe/attack/manyshot_attack.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>

#include "lethe/attack/error.hpp"

namespace lethe::attack {
namespace {

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

std::vector<Demonstration> load_demonstrations(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read the many-shot demonstrations file " + path.string());
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path.string() + ": malformed JSON: " + e.what());
  }
  if (!json.is_array()) throw Error(path.string() + ": expected a JSON array of demonstrations");
  std::vector<Demonstration> demonstrations;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const auto& item = json[i];
    auto text_field = [&](const char* name) -> std::string {
      if (!item.is_object() || !item.contains(name)) return "";
      if (!item[name].is_string()) {
        throw Error(path.string() + ": element " + std::to_string(i) + ": \"" + name + "\" is not a string");
      }
      return trimmed(item[name].get<std::string>());
    };
    Demonstration d{text_field("question"), text_field("generated")};
    if (d.answer.empty()) d.answer = text_field("answer");
    if (d.question.empty() || d.answer.empty()) {
      throw Error(path.string() + ": element " + std::to_string(i) + " has no question or no answer");
    }
    demonstrations.push_back(std::move(d));
  }
  if (demonstrations.empty()) throw Error(path.string() + ": no demonstrations");
  return demonstrations;
}

ManyShotAttack::ManyShotAttack(std::vector<Demonstration> demonstrations, std::size_t shots)
    : demonstrations_(std::move(demonstrations)), shots_(shots) {
  if (demonstrations_.empty()) throw Error("many-shot attack: no demonstrations");
  if (shots_ == 0) throw Error("many-shot attack: the number of shots must be at least 1");
}

AttackedQuestion ManyShotAttack::apply(const std::string& question, std::uint64_t seed) const {
  std::vector<std::size_t> order(demonstrations_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937_64 rng(seed);
  // Fisher-Yates with rng() % n: std::shuffle's use of the generator differs between standard libraries.
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
  const std::size_t shots = std::min(shots_, order.size());
  std::string text;
  for (std::size_t i = 0; i < shots; ++i) {
    const auto& d = demonstrations_[order[i]];
    text += "Question: " + d.question + "\nAnswer: " + d.answer + "\n\n";
  }
  text += "Question: " + question + "\nAnswer:";
  return {std::move(text), std::to_string(shots) + "-shot"};
}

}  // namespace lethe::attack
