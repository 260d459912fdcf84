// The vocabulary of the compact prompt format (agent/compact_prompt.hpp, unlearn/compact_constraints.hpp): every
// word those prompts and their answers use is one token, every cell ("00" to "99") included. Small models trained
// here on compact prompts take their tokenizer from it (train/word_vocabulary.hpp).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace lethe::eval {

// The words, in a fixed order: format keywords, the actions, the constraint phrasings' words, digits and cells.
std::vector<std::string> compact_prompt_words();

// "compact-vocab-<first 16 hex of the SHA-256 of the words>.gguf": names the vocabulary by its content.
std::string compact_vocabulary_name();

// dir / compact_vocabulary_name(), written (atomically) when missing.
std::filesystem::path compact_vocabulary_gguf(const std::filesystem::path& dir);

}  // namespace lethe::eval
