#include "lethe/train/example.hpp"

#include "lethe/train/gguf_model.hpp"

namespace lethe::train {

int64_t count_targets(const Example& example) {
  int64_t n = 0;
  for (size_t t = 1; t < example.tokens.size() && t < example.target.size(); ++t) n += example.target[t] != 0;
  return n;
}

void check_layout(const Example& example) {
  const bool plain = example.positions.empty() && example.segment.empty() && example.segment_parent.empty();
  if (plain) return;
  const auto n = example.tokens.size();
  if (example.positions.size() != n || example.segment.size() != n) {
    throw Error("a packed example needs one position and one segment per token");
  }
  const auto n_segments = static_cast<int32_t>(example.segment_parent.size());
  for (int32_t s : example.segment) {
    if (s < 0 || s >= n_segments) throw Error("a packed example names a segment it does not define");
  }
  for (int32_t s = 0; s < n_segments; ++s) {
    // Parents come first, so walking up always ends at a root.
    if (example.segment_parent[static_cast<size_t>(s)] >= s) throw Error("a segment's parent must precede it");
  }
}

bool attends(const Example& example, std::size_t q, std::size_t k) {
  if (k > q) return false;
  if (example.segment.empty()) return true;
  const int32_t key_segment = example.segment[k];
  for (int32_t s = example.segment[q]; s >= 0; s = example.segment_parent[static_cast<size_t>(s)]) {
    if (s == key_segment) return true;
  }
  return false;
}

int32_t position_of(const Example& example, std::size_t t) {
  return example.positions.empty() ? static_cast<int32_t>(t) : example.positions[t];
}

}  // namespace lethe::train
