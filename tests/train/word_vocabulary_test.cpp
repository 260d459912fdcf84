#include "lethe/train/word_vocabulary.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lethe/train/gguf_model.hpp"
#include "lethe/train/model_init.hpp"
#include "lethe/train/tokenizer.hpp"
#include "lethe_test/paths.hpp"

namespace lethe::train {
namespace {

const std::vector<std::string> kWords{"goto", "go", "34", "3", ":", "avoid"};

std::string vocabulary_file() {
  const auto path = test::scratch_dir("word_vocabulary") / "vocab.gguf";
  write_word_vocabulary(path.string(), kWords);
  return path.string();
}

TEST(WordVocabulary, HoldsEveryPrefixOfEachSpacedWordOnce) {
  const auto tokens = word_vocabulary_tokens(kWords);
  EXPECT_EQ(tokens[0], "<unk>");
  EXPECT_EQ(tokens[3], "<0x00>");
  for (const char* piece : {"\xE2\x96\x81g", "\xE2\x96\x81go", "\xE2\x96\x81got", "\xE2\x96\x81goto",
                            "\xE2\x96\x81" "34", "\xE2\x96\x81:"}) {
    EXPECT_EQ(std::count(tokens.begin(), tokens.end(), piece), 1) << piece;
  }
  EXPECT_EQ(std::count(tokens.begin(), tokens.end(), "go"), 0);  // no piece without the leading space
}

TEST(WordVocabulary, RejectsWordsItCannotSpell) {
  EXPECT_THROW(word_vocabulary_tokens({"two words"}), Error);
  EXPECT_THROW(word_vocabulary_tokens({""}), Error);
}

TEST(WordVocabulary, LlamaCppTokenizesEachWordAsOneToken) {
  const Tokenizer tokenizer(vocabulary_file());
  const auto tokens = word_vocabulary_tokens(kWords);
  const auto id = [&](const std::string& word) {
    return static_cast<int32_t>(std::find(tokens.begin(), tokens.end(), "\xE2\x96\x81" + word) - tokens.begin());
  };
  EXPECT_THAT(tokenizer.tokenize("goto 34 : go avoid 3", false),
              testing::ElementsAre(id("goto"), id("34"), id(":"), id("go"), id("avoid"), id("3")));
  // A word outside the list still tokenizes, into shorter pieces.
  EXPECT_EQ(tokenizer.tokenize("gone", false).size(), 3u);  // "▁go", "n", "e"
  EXPECT_EQ(tokenizer.n_vocab(), static_cast<int64_t>(tokens.size()));
}

TEST(WordVocabulary, InitModelTakesItsTokenizer) {
  ModelConfig config;
  config.n_embd = 16;
  config.n_head = config.n_head_kv = 2;
  const auto model = init_model(config, vocabulary_file());
  EXPECT_EQ(model.hparams().n_vocab, static_cast<int64_t>(word_vocabulary_tokens(kWords).size()));
}

}  // namespace
}  // namespace lethe::train
