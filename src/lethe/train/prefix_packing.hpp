// Packs training examples that share a prompt prefix so the prefix is computed once.
//
// An agent's prompts at successive steps of an episode share their task, memory and constraints and differ only in
// the observation; training on each step alone recomputes that shared prefix every time. A packed example holds the
// prefix once, then each member's remaining tokens in its own segment that attends to the prefix and to itself only,
// at the rotary positions the member would have alone. Every member's target tokens therefore get exactly the
// logits they get unpacked, at a fraction of the tokens. Groups are then laid side by side in sequences of at most
// `max_tokens`, each group its own root, which keeps padding small when batches are formed.
#pragma once

#include <cstdint>
#include <vector>

#include "lethe/train/example.hpp"

namespace lethe::train {

struct PackingOptions {
  int64_t max_tokens = 1024;  // length of a packed sequence (an example longer than this stays alone)
  int64_t min_shared = 16;    // shorter common prefixes are not worth a segment
};

struct PackingStats {
  int64_t examples = 0;
  int64_t packed_sequences = 0;
  int64_t tokens_before = 0;
  int64_t tokens_after = 0;
};

// Plain examples in (no layout), packed or plain examples out; the target tokens are the same multiset. A shared
// prefix never reaches a member's first target (that token would be predicted from a row other members share).
std::vector<Example> pack_shared_prefixes(const std::vector<Example>& examples, const PackingOptions& options,
                                          PackingStats* stats = nullptr);

}  // namespace lethe::train
