// The set of knowledge targets to suppress, and the selection of those a text refers to.
//
// select() finds the targets mentioned in a question or an answer — by full name, alias, surname alone, initials,
// a typo, or another script — so that the pipeline's prompts hold only those, whatever the number of targets.
// Its cost depends on the text and only mildly on the number of targets (about a million is the design point;
// figures in bench/alu_index_bench.cpp).
//
// Rules that keep a million names from matching ordinary words:
// - a surname alone counts when capitalised, or in a text without any capitals (then with a lower score);
// - a lone misspelt or transliterated word counts only when capitalised inside a sentence and when exactly one
//   name is that close; in a text with capitals, the first word of a name is corrected only when capitalised;
// - words inside a longer, stronger match ("Alfred Büchi") are no evidence for other targets ("… Büchi");
// - initials run together ("JRRT") count only in capitals.
//
// Concurrency: every member function may be called from any number of threads at once. Readers work on an
// immutable snapshot and never wait for writers; writers are serialised. A change is visible to every select()
// that starts after the change returns.
//
// How changes stay cheap: targets live in a large base part, built in one pass, plus a small delta part rebuilt
// on each change (O(delta)); a removal from the base is a tombstone. When the delta or the tombstones pass
// IndexOptions::delta_limit, a background thread folds everything into a new base (O(targets): seconds at a
// million) while changes go on into the delta; when it is done, the changes made meanwhile are replayed over the
// new base. A bulk add() larger than delta_limit builds the base directly, in the caller's thread.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lethe/alu/target.hpp"

namespace lethe::alu {

enum class MatchKind {
  Exact,     // the full name
  Alias,     // one of the aliases
  Surname,   // the surname alone
  Initials,  // initials and surname ("J. R. R. Tolkien", "JRR Tolkien") or all initials in capitals ("JRRT")
  Fuzzy,     // any of the above with a typo or another romanisation ("Abilof", "Бэзил Махфуз"); a name that
             // transliterates exactly ("Николай Абилов") is Exact
};

std::string_view to_string(MatchKind kind);

struct Match {
  std::string target_id;
  std::string target_name;
  std::string matched_text;  // the words of the input that matched, as written there
  MatchKind kind = MatchKind::Exact;
  double score = 0.0;  // in (0, 1]: 1 for the full name, lower for weaker evidence; results are sorted by it
};

struct IndexOptions {
  std::size_t delta_limit = 1024;  // changes kept beside the base before it is rebuilt
  bool fold_in_background = true;  // false: the change that passes delta_limit rebuilds the base itself
  bool fuzzy = true;               // typo and transliteration matching
};

struct IndexStats {
  std::size_t targets = 0;
  std::size_t base_targets = 0;  // including tombstoned ones
  std::size_t delta_targets = 0;
  std::size_t tombstones = 0;
  std::size_t patterns = 0;
  std::size_t automaton_states = 0;
  std::size_t dictionary_words = 0;
  std::size_t memory_bytes = 0;  // estimate of the index structures (targets' own strings included)
};

class TargetIndex {
 public:
  explicit TargetIndex(IndexOptions options = {});
  ~TargetIndex();
  TargetIndex(const TargetIndex&) = delete;
  TargetIndex& operator=(const TargetIndex&) = delete;

  // Adds a target, replacing any with the same id. Throws Error (and changes nothing) when the target is invalid
  // (see validate_target).
  void add(Target target);
  // Adds many at once (one rebuild); later entries replace earlier ones with the same id. All or nothing.
  void add(std::vector<Target> targets);
  // Returns false when no target has this id.
  bool remove(const std::string& id);
  // Blocks until no background fold is running (for benchmarks and orderly shutdown; never needed for
  // correctness: every query sees every finished change either way).
  void wait_for_fold();

  std::size_t size() const;
  bool contains(const std::string& id) const;
  std::optional<Target> find(const std::string& id) const;
  IndexStats stats() const;

  // The targets `text` refers to, best first, at most `max_results` (each target once, by its strongest match).
  std::vector<Match> select(const std::string& text, std::size_t max_results) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lethe::alu
