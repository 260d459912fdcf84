#include "lethe/train/prefix_packing.hpp"

#include <algorithm>
#include <numeric>

#include "lethe/train/gguf_model.hpp"

namespace lethe::train {
namespace {

// Longest prefix of `example` that may be shared: it must end before the token that predicts the first target.
size_t shareable(const Example& example) {
  for (size_t t = 1; t < example.tokens.size(); ++t) {
    if (example.target[t] != 0) return t - 1;
  }
  return example.tokens.size();
}

size_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  const auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  return static_cast<size_t>(ia - a.begin());
}

struct Group {
  std::vector<const Example*> members;
  size_t prefix = 0;  // shared tokens (0 for a group of one)

  // Packed length with `shared` prefix tokens held once (and `extra`, when given, as one more member).
  size_t tokens_sharing(size_t shared, const Example* extra = nullptr) const {
    size_t n = shared;
    for (const Example* m : members) n += m->tokens.size() - shared;
    if (extra != nullptr) n += extra->tokens.size() - shared;
    return n;
  }
  size_t tokens() const { return tokens_sharing(members.size() == 1 ? 0 : prefix); }
};

// Appends the group to `out` as one root segment (its prefix) with a child segment per member. The first token of a
// segment is never a target: the row before it belongs to another segment.
void append_group(const Group& group, Example& out) {
  const auto append = [&](const Example& from, size_t begin, int32_t segment, int32_t first_position) {
    for (size_t t = begin; t < from.tokens.size(); ++t) {
      out.tokens.push_back(from.tokens[t]);
      out.target.push_back(t == begin ? 0 : from.target[t]);
      out.positions.push_back(first_position + static_cast<int32_t>(t - begin));
      out.segment.push_back(segment);
    }
  };
  const auto root = static_cast<int32_t>(out.segment_parent.size());
  out.segment_parent.push_back(-1);
  if (group.members.size() == 1) {
    append(*group.members.front(), 0, root, 0);
    return;
  }
  const Example& first = *group.members.front();
  for (size_t t = 0; t < group.prefix; ++t) {
    out.tokens.push_back(first.tokens[t]);
    out.target.push_back(t == 0 ? 0 : first.target[t]);
    out.positions.push_back(static_cast<int32_t>(t));
    out.segment.push_back(root);
  }
  for (const Example* member : group.members) {
    const auto segment = static_cast<int32_t>(out.segment_parent.size());
    out.segment_parent.push_back(root);
    append(*member, group.prefix, segment, static_cast<int32_t>(group.prefix));
  }
}

}  // namespace

std::vector<Example> pack_shared_prefixes(const std::vector<Example>& examples, const PackingOptions& options,
                                          PackingStats* stats) {
  if (options.max_tokens <= 0) throw Error("packed sequences need a positive length");
  for (const auto& ex : examples) {
    if (!ex.positions.empty() || !ex.segment.empty() || !ex.segment_parent.empty()) {
      throw Error("cannot pack an example that is already packed");
    }
    if (ex.target.size() != ex.tokens.size()) throw Error("example target mask does not match its tokens");
  }
  const auto max_tokens = static_cast<size_t>(options.max_tokens);
  const auto min_shared = static_cast<size_t>(std::max<int64_t>(options.min_shared, 1));

  // Sorting by tokens puts examples with a common prefix next to each other; the common prefix of a run is the
  // smallest common prefix of its neighbours.
  std::vector<size_t> order(examples.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return examples[a].tokens < examples[b].tokens; });

  std::vector<Group> groups;
  for (size_t i : order) {
    const Example& ex = examples[i];
    if (!groups.empty()) {
      Group& group = groups.back();
      const Example& previous = *group.members.back();
      size_t shared = std::min(common_prefix(previous.tokens, ex.tokens), shareable(ex));
      shared = std::min(shared, group.members.size() == 1 ? shareable(previous) : group.prefix);
      if (shared >= min_shared) {
        if (group.tokens_sharing(shared, &ex) <= max_tokens) {
          group.members.push_back(&ex);
          group.prefix = shared;
          continue;
        }
      }
    }
    groups.push_back({{&ex}, 0});
  }

  // First fit, in order, of whole groups into sequences of at most max_tokens.
  std::vector<Example> packed;
  std::vector<size_t> free_space;
  for (const auto& group : groups) {
    const size_t need = group.tokens();
    size_t slot = 0;
    while (slot < packed.size() && free_space[slot] < need) ++slot;
    if (slot == packed.size()) {
      packed.emplace_back();
      free_space.push_back(std::max(need, max_tokens));
    }
    append_group(group, packed[slot]);
    free_space[slot] -= need;
  }
  // A sequence with one plain member needs no layout.
  for (auto& ex : packed) {
    if (ex.segment_parent.size() == 1) {
      ex.positions.clear();
      ex.segment.clear();
      ex.segment_parent.clear();
    }
  }
  if (stats != nullptr) {
    stats->examples = static_cast<int64_t>(examples.size());
    stats->packed_sequences = static_cast<int64_t>(packed.size());
    stats->tokens_before = 0;
    for (const auto& ex : examples) stats->tokens_before += static_cast<int64_t>(ex.tokens.size());
    stats->tokens_after = 0;
    for (const auto& ex : packed) stats->tokens_after += static_cast<int64_t>(ex.tokens.size());
  }
  return packed;
}

}  // namespace lethe::train
