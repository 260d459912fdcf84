// Exact probabilities of a fixed set of answers (e.g. the admissible actions) from next-token logits.
//
// The options' token sequences form a trie. An option's probability is the product, along its path, of the
// softmax over the tokens that continue *some* option at that point — the distribution a decoder constrained
// to the options samples from (temperature 1, canonical tokenization). Where one option's tokens are a prefix
// of another's, an end token is appended to the shorter one so both paths end at a leaf. The probabilities sum
// to 1 by construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace lethe::llm {

class ChoiceScorer {
 public:
  using Token = std::int32_t;
  // Logits over the whole vocabulary after the prompt followed by the first `depth` tokens of `paths()[option]`.
  using LogitsAt = std::function<const float*(std::size_t option, std::size_t depth)>;

  // Throws llm::Error for an empty option or two options with the same tokens.
  ChoiceScorer(std::vector<std::vector<Token>> option_tokens, Token end_token);

  // Token paths to evaluate, one per option (the option's tokens, plus the end token where needed). Logits are
  // needed at depths 0 .. size-1 of each path: depth 0 is the prompt's last position, shared by all options.
  const std::vector<std::vector<Token>>& paths() const { return paths_; }

  std::vector<double> probabilities(const LogitsAt& logits_at) const;

 private:
  struct Node {
    std::vector<std::pair<Token, std::size_t>> children;  // token → node index, in insertion order
  };
  std::size_t child(std::size_t node, Token token) const;

  std::vector<std::vector<Token>> paths_;
  std::vector<Node> nodes_;
};

}  // namespace lethe::llm
