// One training sequence: its tokens, which of them are targets, and (for packed sequences) how its tokens see each
// other.
#pragma once

#include <cstdint>
#include <vector>

namespace lethe::train {

struct Example {
  std::vector<int32_t> tokens;
  std::vector<uint8_t> target;  // target[t] != 0: the model is trained to predict tokens[t] from what t attends to

  // Packed sequences only (prefix_packing.hpp); all three empty means positions 0..n-1 and plain causal attention.
  // Token q attends to token k <= q when k's segment is q's own or an ancestor of it.
  std::vector<int32_t> positions{};       // rotary position of each token
  std::vector<int32_t> segment{};         // segment of each token
  std::vector<int32_t> segment_parent{};  // parent of each segment, -1 for a root
};

int64_t count_targets(const Example& example);

// Whether token q may attend to token k under the example's layout (throws Error on an inconsistent layout).
bool attends(const Example& example, std::size_t q, std::size_t k);

// The rotary position of token t.
int32_t position_of(const Example& example, std::size_t t);

// Throws Error unless the layout fields are empty or consistent with the tokens.
void check_layout(const Example& example);

}  // namespace lethe::train
