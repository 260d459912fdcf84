#include "lethe/eval/compact_vocabulary.hpp"

#include <unistd.h>

#include "lethe/train/word_vocabulary.hpp"
#include "lethe/util/sha256.hpp"

namespace lethe::eval {

std::vector<std::string> compact_prompt_words() {
  std::vector<std::string> words{
      // The agent's prompt and answers.
      "goto", "collect", "mem", "none", "route", "rules", "at", "goal", "here", "see", "got", "of", "recall", ":", ";",
      "u", "d", "l", "r", "t", "o", "w", "x", "up", "down", "left", "right", "forbidden",
      // The methods' constraints.
      "avoid", "never", "enter", "forget", "then", "if", "next", "=", "no", "last", "and", "map",
      "reset", "eg", "bad", "ok", "new"};
  for (char digit = '0'; digit <= '9'; ++digit) words.emplace_back(1, digit);
  for (char x = '0'; x <= '9'; ++x) {
    for (char y = '0'; y <= '9'; ++y) words.push_back(std::string{x, y});
  }
  return words;
}

std::string compact_vocabulary_name() {
  std::string joined;
  for (const auto& word : compact_prompt_words()) joined += word + '\n';
  return "compact-vocab-" + util::sha256_hex(joined).substr(0, 16) + ".gguf";
}

std::filesystem::path compact_vocabulary_gguf(const std::filesystem::path& dir) {
  const auto words = compact_prompt_words();
  const auto path = dir / compact_vocabulary_name();
  if (std::filesystem::exists(path)) return path;
  std::filesystem::create_directories(dir);
  // Written beside its final name and renamed, so that a concurrent reader never sees half a file.
  const auto partial = dir / (path.filename().string() + ".partial-" + std::to_string(::getpid()));
  train::write_word_vocabulary(partial.string(), words);
  std::filesystem::rename(partial, path);
  return path;
}

}  // namespace lethe::eval
