// A whole-word vocabulary in llama.cpp's SentencePiece form ("llama" tokenizer), for small models trained here on
// a closed prompt format: each given word, preceded by a space, is one token.
//
// llama.cpp's SentencePiece tokenizer starts from single characters and merges adjacent pieces whose
// concatenation is a token. So that every word is reachable, the vocabulary holds every prefix of "▁word" too; as
// no other piece of two or more characters exists, the merges can only grow a word from its left end. Anything
// else (a word not in the list, a line break) still tokenizes: printable ASCII characters are tokens, and every
// other byte falls back to a byte token.
#pragma once

#include <string>
#include <vector>

namespace lethe::train {

// <unk>, <s>, </s>, the 256 byte tokens, "▁" and printable ASCII, then the words' pieces in the order given
// (shorter prefixes first, no repeats). Words must be non-empty printable ASCII without spaces; throws Error.
std::vector<std::string> word_vocabulary_tokens(const std::vector<std::string>& words);

// Writes a GGUF with that vocabulary and a 1-layer random llama model (so that llama.cpp loads it; train::init_model
// takes only its tokenizer). Throws Error when the file cannot be written.
void write_word_vocabulary(const std::string& path, const std::vector<std::string>& words);

}  // namespace lethe::train
