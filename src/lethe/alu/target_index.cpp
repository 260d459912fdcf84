#include "lethe/alu/target_index.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <numeric>
#include <system_error>
#include <thread>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "lethe/alu/aho_corasick.hpp"
#include "lethe/alu/error.hpp"
#include "lethe/alu/name_variants.hpp"
#include "lethe/alu/text_normalizer.hpp"
#include "lethe/alu/token_dictionary.hpp"

namespace lethe::alu {
namespace {

using Symbol = AhoCorasick::Symbol;
using Slot = std::uint32_t;

// ---- scoring ----

double kind_score(PatternKind kind) {
  switch (kind) {
    case PatternKind::Name:
      return 1.0;
    case PatternKind::Alias:
      return 0.95;
    case PatternKind::Initials:
      return 0.8;
    case PatternKind::Acronym:
      return 0.7;
    case PatternKind::Surname:
      return 0.6;
  }
  return 0.0;
}

constexpr double kCaselessSurnameScore = 0.4;  // "abilov" in an all-lower-case text: weaker than "Abilov"

MatchKind public_kind(PatternKind kind) {
  switch (kind) {
    case PatternKind::Name:
      return MatchKind::Exact;
    case PatternKind::Alias:
      return MatchKind::Alias;
    case PatternKind::Initials:
    case PatternKind::Acronym:
      return MatchKind::Initials;
    case PatternKind::Surname:
      return MatchKind::Surname;
  }
  return MatchKind::Exact;
}

// Each word taken from a typo or transliteration candidate costs 15% of the pattern's score.
double fuzzy_factor(int replaced_words) { return std::max(0.2, 1.0 - 0.15 * replaced_words); }

// ---- compact target storage ----

void put_varint(std::string& out, std::size_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

std::size_t get_varint(std::string_view in, std::size_t& pos) {
  std::size_t value = 0;
  for (int shift = 0;; shift += 7) {
    auto byte = static_cast<unsigned char>(in[pos++]);
    value |= static_cast<std::size_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return value;
  }
}

void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

std::string_view get_string(std::string_view in, std::size_t& pos) {
  auto length = get_varint(in, pos);
  auto s = in.substr(pos, length);
  pos += length;
  return s;
}

// Targets packed into one byte string (length-prefixed fields), a few dozen bytes each instead of ~150 for
// std::string-based Targets: a million of them is the design point.
class TargetStore {
 public:
  void push_back(const Target& t) {
    put_string(bytes_, t.id);
    put_string(bytes_, t.name);
    put_varint(bytes_, t.aliases.size());
    for (const auto& a : t.aliases) put_string(bytes_, a);
    bytes_.push_back(t.description ? 1 : 0);
    if (t.description) put_string(bytes_, *t.description);
    offsets_.push_back(bytes_.size());
  }

  std::size_t size() const { return offsets_.size() - 1; }

  std::string_view id(Slot slot) const {
    std::size_t pos = offsets_[slot];
    return get_string(bytes_, pos);
  }

  std::string_view name(Slot slot) const {
    std::size_t pos = offsets_[slot];
    get_string(bytes_, pos);
    return get_string(bytes_, pos);
  }

  Target get(Slot slot) const {
    std::size_t pos = offsets_[slot];
    Target t;
    t.id = get_string(bytes_, pos);
    t.name = get_string(bytes_, pos);
    auto aliases = get_varint(bytes_, pos);
    for (std::size_t i = 0; i < aliases; ++i) t.aliases.emplace_back(get_string(bytes_, pos));
    if (bytes_[pos++] != 0) t.description = std::string(get_string(bytes_, pos));
    return t;
  }

  void shrink() {
    bytes_.shrink_to_fit();
    offsets_.shrink_to_fit();
  }

  std::size_t memory_bytes() const { return bytes_.capacity() + offsets_.capacity() * sizeof(std::uint64_t); }

 private:
  std::string bytes_;
  std::vector<std::uint64_t> offsets_{0};
};

// ---- index parts ----

// An automaton pattern's owner and kind in one word.
struct PatternInfo {
  std::uint32_t packed = 0;

  static constexpr unsigned kKindBits = 3;
  PatternInfo(Slot slot, PatternKind kind) : packed((slot << kKindBits) | static_cast<std::uint32_t>(kind)) {}
  Slot slot() const { return packed >> kKindBits; }
  PatternKind kind() const { return static_cast<PatternKind>(packed & ((1U << kKindBits) - 1)); }
};
constexpr std::size_t kMaxTargetsPerPart = std::size_t{1} << (32 - PatternInfo::kKindBits);

// One immutable slice of the index: its targets and everything needed to match them.
struct Part {
  TargetStore targets;
  std::vector<Slot> slots_by_id;  // slots sorted by target id
  TokenDictionary words;
  AhoCorasick automaton;
  std::vector<PatternInfo> patterns;  // by automaton pattern id
  std::size_t max_pattern_words = 0;
  std::size_t memory_bytes = 0;

  std::size_t size() const { return targets.size(); }

  std::optional<Slot> slot_of(std::string_view id) const {
    auto it = std::lower_bound(slots_by_id.begin(), slots_by_id.end(), id,
                               [&](Slot s, std::string_view key) { return targets.id(s) < key; });
    if (it == slots_by_id.end() || targets.id(*it) != id) return std::nullopt;
    return *it;
  }
};

// Name patterns of each target, computed on all cores for large batches (name_patterns is pure).
std::vector<std::vector<NamePattern>> patterns_of(const std::vector<Target>& targets) {
  const std::size_t count = targets.size();
  std::vector<std::vector<NamePattern>> out(count);
  const std::size_t threads =
      count < 4096 ? 1 : std::min<std::size_t>(std::max(1U, std::thread::hardware_concurrency()), 16);
  auto work = [&](std::size_t t) {
    for (std::size_t i = t; i < count; i += threads) out[i] = name_patterns(targets[i]);
  };
  if (threads == 1) {
    work(0);
    return out;
  }
  std::vector<std::exception_ptr> errors(threads);
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      try {
        work(t);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (auto& thread : pool) thread.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return out;
}

// Where a part's targets come from: `count` of them, fetched a chunk at a time, so that a million targets are
// never all held as Target objects at once.
struct TargetSource {
  std::size_t count = 0;
  std::function<void(std::size_t first, std::size_t last, std::vector<Target>& out)> fetch;
};

TargetSource source_of(const std::vector<Target>& targets) {
  return {targets.size(), [&targets](std::size_t first, std::size_t last, std::vector<Target>& out) {
            out.assign(targets.begin() + static_cast<std::ptrdiff_t>(first),
                       targets.begin() + static_cast<std::ptrdiff_t>(last));
          }};
}

std::shared_ptr<const Part> build_part(const TargetSource& source) {
  if (source.count >= kMaxTargetsPerPart) throw Error("target index: too many targets");
  auto part = std::make_shared<Part>();
  TokenDictionary::Builder words;
  AhoCorasick::Builder automaton;
  std::vector<Symbol> symbols;
  std::vector<Target> chunk;
  constexpr std::size_t kChunk = 1 << 16;
  for (std::size_t first = 0; first < source.count; first += kChunk) {
    const std::size_t last = std::min(source.count, first + kChunk);
    source.fetch(first, last, chunk);
    auto patterns = patterns_of(chunk);
    for (std::size_t i = first; i < last; ++i) {
      const auto slot = static_cast<Slot>(i);
      part->targets.push_back(chunk[i - first]);
      for (const auto& pattern : patterns[i - first]) {
        symbols.clear();
        std::string_view text(pattern.text);
        for (std::size_t pos = 0; pos <= text.size();) {
          auto space = std::min(text.find(' ', pos), text.size());
          symbols.push_back(words.intern(text.substr(pos, space - pos)));
          pos = space + 1;
        }
        if (symbols.size() > AhoCorasick::kMaxPatternLength) continue;  // a "name" of hundreds of words
        automaton.add(symbols);
        part->patterns.emplace_back(slot, pattern.kind);
        part->max_pattern_words = std::max(part->max_pattern_words, symbols.size());
      }
    }
  }
  part->targets.shrink();
  part->patterns.shrink_to_fit();
  part->words = words.build();
  part->automaton = automaton.build();
  part->slots_by_id.resize(part->size());
  std::iota(part->slots_by_id.begin(), part->slots_by_id.end(), Slot{0});
  std::sort(part->slots_by_id.begin(), part->slots_by_id.end(),
            [&](Slot a, Slot b) { return part->targets.id(a) < part->targets.id(b); });
  part->memory_bytes = part->targets.memory_bytes() + part->slots_by_id.capacity() * sizeof(Slot) +
                       part->patterns.capacity() * sizeof(PatternInfo) + part->words.memory_bytes() +
                       part->automaton.memory_bytes();
  return part;
}

std::shared_ptr<const Part> build_part(const std::vector<Target>& targets) { return build_part(source_of(targets)); }

std::shared_ptr<const Part> empty_part() { return build_part(TargetSource{}); }

struct Snapshot {
  std::shared_ptr<const Part> base;
  std::shared_ptr<const Part> delta;
  std::shared_ptr<const std::vector<std::uint64_t>> removed;  // bit per base slot
  std::size_t removed_count = 0;

  bool is_removed(Slot slot) const { return removed && (((*removed)[slot / 64] >> (slot % 64)) & 1U) != 0; }
  std::size_t size() const { return base->size() - removed_count + delta->size(); }

  struct Location {
    const Part* part = nullptr;
    Slot slot = 0;
  };
  std::optional<Location> locate(std::string_view id) const {
    if (auto slot = delta->slot_of(id)) return Location{delta.get(), *slot};
    if (auto slot = base->slot_of(id); slot && !is_removed(*slot)) return Location{base.get(), *slot};
    return std::nullopt;
  }
};

// ---- matching ----

// A candidate match before ranking.
struct Found {
  const Part* part = nullptr;
  Slot slot = 0;
  double score = 0.0;
  MatchKind kind = MatchKind::Exact;
  std::size_t begin = 0;  // token range in the normalised text
  std::size_t end = 0;

  std::string_view id() const { return part->targets.id(slot); }
};

class PartMatcher {
 public:
  PartMatcher(const Part& part, const Snapshot* tombstones, const NormalizedText& text, std::vector<Found>& found)
      : part_(part), tombstones_(tombstones), text_(text), found_(found) {
    symbols_.resize(text.tokens.size());
    for (std::size_t i = 0; i < symbols_.size(); ++i) {
      auto id = part.words.find(text.token(i));
      symbols_[i] = id == TokenDictionary::kNoToken ? AhoCorasick::kUnknownSymbol : id;
    }
  }

  void match_exact() {
    part_.automaton.for_each_match(symbols_,
                                   [&](const AhoCorasick::Hit& hit) { offer(hit.pattern, hit.begin, hit.end, 0); });
  }

  // Walks the automaton's trie from every start, taking at each word either the word itself or a replacement:
  // where the trie offers few continuations (inside a name), each is compared with the text's word; elsewhere
  // (the first word of a name) the dictionary's typo / transliteration candidates are tried. Reports the
  // patterns reached with at least one replaced word.
  void match_fuzzy() {
    const std::size_t n = symbols_.size();
    alternative_begin_.assign(n + 1, 0);
    fuzzy_position_.assign(n, false);
    for (std::size_t i = 0; i < n; ++i) {
      alternative_begin_[i] = alternatives_.size();
      auto word = text_.token(i);
      if (is_stop_word(word)) continue;
      fuzzy_position_[i] = true;
      // Dictionary candidates serve the first word of a name (later words are compared with what may follow in
      // the trie). Names are written with capitals, so in a text that uses them only capitalised words are looked
      // up: this keeps the cost of long answers low. Known words get candidates too: among a million names a
      // misspelling is often someone else's name.
      if (text_.cased && !text_.tokens[i].capitalized) continue;
      if (text_.tokens[i].transliterated) part_.words.transliteration_candidates(word, alternatives_, kMaxCandidates);
      const bool beside_known_word = (i > 0 && symbols_[i - 1] != AhoCorasick::kUnknownSymbol) ||
                                     (i + 1 < n && symbols_[i + 1] != AhoCorasick::kUnknownSymbol);
      part_.words.typo_candidates(word, alternatives_, kMaxCandidates, beside_known_word);
      deduplicate_from(alternative_begin_[i]);
    }
    alternative_begin_[n] = alternatives_.size();

    next_fuzzy_.assign(n + 1, n);
    for (std::size_t i = n; i-- > 0;) next_fuzzy_[i] = fuzzy_position_[i] ? i : next_fuzzy_[i + 1];
    for (std::size_t start = 0; start < n; ++start) {
      if (next_fuzzy_[start] >= start + part_.max_pattern_words) continue;
      walk(AhoCorasick::kRoot, start, start, Progress{});
    }
  }

 private:
  static constexpr std::size_t kMaxCandidates = 64;
  static constexpr std::size_t kMaxScannedChildren = 32;

  const TokenDictionary::QueryWord& query_word(std::size_t pos) {
    if (query_words_.empty()) query_words_.resize(symbols_.size());
    auto& slot = query_words_[pos];
    if (!slot) slot = TokenDictionary::query_word(text_.token(pos), text_.tokens[pos].transliterated);
    return *slot;
  }

  // A word found both as a typo and as a transliteration is one candidate, with its strongest evidence.
  void deduplicate_from(std::size_t first) {
    auto begin = alternatives_.begin() + static_cast<std::ptrdiff_t>(first);
    std::sort(begin, alternatives_.end(), [](const auto& a, const auto& b) {
      return std::tie(a.token, a.short_word, a.distance) < std::tie(b.token, b.short_word, b.distance);
    });
    alternatives_.erase(
        std::unique(begin, alternatives_.end(), [](const auto& a, const auto& b) { return a.token == b.token; }),
        alternatives_.end());
  }

  struct Progress {
    int exact = 0;           // words matched as written
    int replaced = 0;        // words replaced by a typo or transliteration candidate
    int short_replaced = 0;  // of which weak ones (TokenDictionary::Candidate::short_word): at most one
  };

  void walk(AhoCorasick::State state, std::size_t start, std::size_t pos, Progress progress) {
    if (progress.replaced == 0 && next_fuzzy_[pos] >= start + part_.max_pattern_words) return;
    auto advance = [&](AhoCorasick::State next, bool replaced, bool weak) {
      Progress after = progress;
      if (!replaced) {
        ++after.exact;
      } else {
        ++after.replaced;
        if (weak) ++after.short_replaced;
      }
      if (after.short_replaced > 1) return;
      // A weak replacement needs company: an exact word, or two stronger replacements ("Ксин Ли Виллиамс").
      bool acceptable = after.short_replaced == 0 || after.exact > 0 || after.replaced - after.short_replaced >= 2;
      if (after.replaced > 0 && acceptable) {
        for (auto pattern : part_.automaton.patterns_at(next)) offer(pattern, start, pos + 1, after.replaced);
      }
      if (pos + 1 < symbols_.size()) walk(next, start, pos + 1, after);
    };
    if (symbols_[pos] != AhoCorasick::kUnknownSymbol) {
      auto next = part_.automaton.child(state, symbols_[pos]);
      if (next != AhoCorasick::kNoState) {
        advance(next, false, false);
        if (state != AhoCorasick::kRoot) return;  // inside a name, the word as written wins
      }
    }
    if (!fuzzy_position_[pos]) return;
    const auto children = part_.automaton.children(state);
    if (state != AhoCorasick::kRoot && children.size() <= kMaxScannedChildren) {
      const auto& query = query_word(pos);
      for (auto child = children.first; child < children.last; ++child) {
        auto similarity = part_.words.similarity(query, part_.automaton.symbol_of(child), true);
        if (similarity) advance(child, true, similarity->short_word);
      }
      return;
    }
    for (auto k = alternative_begin_[pos]; k < alternative_begin_[pos + 1]; ++k) {
      auto next = part_.automaton.child(state, alternatives_[k].token);
      if (next != AhoCorasick::kNoState) advance(next, true, alternatives_[k].short_word);
    }
  }

  // `replaced`: how many of the matched words are typo or transliteration candidates.
  void offer(AhoCorasick::PatternId pattern, std::size_t begin, std::size_t end, int replaced) {
    const auto info = part_.patterns[pattern];
    if (tombstones_ != nullptr && tombstones_->is_removed(info.slot())) return;
    const auto& first = text_.tokens[begin];
    const bool single_word = end - begin == 1;
    if (info.kind() == PatternKind::Acronym && (replaced > 0 || !single_word || !first.all_caps)) return;
    // A lone word is weak evidence: among a million names many common words are someone's surname ("Gate"), and
    // most capitalised words are one edit from some name ("Petra"). In a text that uses capitals, a lone surname
    // counts only when capitalised; a lone corrected word only when capitalised inside a sentence, where a name
    // would stand, when it is no word of the index itself, and when the correction is unambiguous (a single
    // candidate).
    const bool looks_like_a_name = first.capitalized || !text_.cased;
    if (single_word && info.kind() == PatternKind::Surname && replaced == 0 && !looks_like_a_name) return;
    if (replaced > 0 && single_word &&
        (symbols_[begin] != AhoCorasick::kUnknownSymbol || !looks_like_a_name ||
         (first.sentence_start && text_.cased) || alternative_begin_[begin + 1] - alternative_begin_[begin] != 1)) {
      return;
    }
    Found f;
    f.part = &part_;
    f.slot = info.slot();
    f.score = kind_score(info.kind());
    if (single_word && info.kind() == PatternKind::Surname && !first.capitalized) f.score = kCaselessSurnameScore;
    if (replaced > 0) f.score *= fuzzy_factor(replaced);
    f.kind = replaced == 0 ? public_kind(info.kind()) : MatchKind::Fuzzy;
    f.begin = begin;
    f.end = end;
    found_.push_back(f);
  }

  const Part& part_;
  const Snapshot* tombstones_;
  const NormalizedText& text_;
  std::vector<Found>& found_;
  std::vector<Symbol> symbols_;
  std::vector<TokenDictionary::Candidate> alternatives_;
  std::vector<std::size_t> alternative_begin_;
  std::vector<std::optional<TokenDictionary::QueryWord>> query_words_;  // computed on first use
  std::vector<bool> fuzzy_position_;  // an unknown word that is not a stop word: may be a corrected name word
  std::vector<std::size_t> next_fuzzy_;
};

bool ranks_before(const Found& a, const Found& b) {
  if (a.score != b.score) return a.score > b.score;
  if (a.end - a.begin != b.end - b.begin) return a.end - a.begin > b.end - b.begin;
  if (a.begin != b.begin) return a.begin < b.begin;
  return a.id() < b.id();
}

// Words already explained by a longer, stronger match are no evidence for another target: in "Alfred Büchi" the
// surname "Büchi" does not select every other Büchi.
void drop_covered(std::vector<Found>& found) {
  std::vector<const Found*> multi_word;
  for (const auto& f : found) {
    if (f.end - f.begin > 1) multi_word.push_back(&f);
  }
  if (multi_word.empty()) return;
  std::vector<bool> covered(found.size(), false);
  for (std::size_t i = 0; i < found.size(); ++i) {
    const auto& f = found[i];
    for (const Found* g : multi_word) {
      if (g->begin <= f.begin && f.end <= g->end && g->end - g->begin > f.end - f.begin && g->score > f.score) {
        covered[i] = true;
        break;
      }
    }
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (!covered[i]) found[kept++] = found[i];
  }
  found.resize(kept);
}

// Bits over a part's slots.
using SlotSet = std::vector<std::uint64_t>;

void insert_slot(SlotSet& set, Slot slot) { set[slot / 64] |= std::uint64_t{1} << (slot % 64); }

// The live targets of a snapshot (the base's without tombstones, then the delta's), then `extra`.
TargetSource live_source(std::shared_ptr<const Snapshot> snapshot, const std::vector<Target>* extra = nullptr) {
  struct Ref {
    const Part* part;
    Slot slot;
  };
  auto refs = std::make_shared<std::vector<Ref>>();
  refs->reserve(snapshot->size());
  const Part* base = snapshot->base.get();
  for (Slot s = 0; s < base->size(); ++s) {
    if (!snapshot->is_removed(s)) refs->push_back({base, s});
  }
  const Part* delta = snapshot->delta.get();
  for (Slot s = 0; s < delta->size(); ++s) refs->push_back({delta, s});
  const std::size_t live = refs->size();
  const std::size_t count = live + (extra != nullptr ? extra->size() : 0);
  return {count, [snapshot = std::move(snapshot), refs, live, extra](std::size_t first, std::size_t last,
                                                                     std::vector<Target>& out) {
            out.clear();
            for (std::size_t i = first; i < last; ++i) {
              if (i < live) {
                out.push_back((*refs)[i].part->targets.get((*refs)[i].slot));
              } else {
                out.push_back((*extra)[i - live]);
              }
            }
          }};
}

}  // namespace

std::string_view to_string(MatchKind kind) {
  switch (kind) {
    case MatchKind::Exact:
      return "exact";
    case MatchKind::Alias:
      return "alias";
    case MatchKind::Surname:
      return "surname";
    case MatchKind::Initials:
      return "initials";
    case MatchKind::Fuzzy:
      return "fuzzy";
  }
  return "unknown";
}

struct TargetIndex::Impl {
  IndexOptions options;
  mutable std::mutex snapshot_mutex;  // guards only the pointer below
  std::shared_ptr<const Snapshot> snapshot;
  std::mutex writer_mutex;  // one change at a time; guards everything below

  // Folding the delta into a new base in the background (see the header).
  bool folding = false;
  std::uint64_t base_generation = 0;        // bumped whenever the base is replaced
  std::unordered_set<std::string> touched;  // ids changed since the running fold took its snapshot
  std::thread fold_thread;
  std::atomic<bool> fold_thread_done{true};
  std::condition_variable fold_finished;

  ~Impl() {
    if (fold_thread.joinable()) fold_thread.join();
  }

  std::shared_ptr<const Snapshot> load() const {
    std::lock_guard lock(snapshot_mutex);
    return snapshot;
  }

  void publish(std::shared_ptr<const Snapshot> next) {
    std::lock_guard lock(snapshot_mutex);
    snapshot = std::move(next);
  }

  // Later additions replace earlier ones with the same id.
  static std::vector<Target> last_of_each_id(std::vector<Target> additions) {
    std::vector<std::size_t> order(additions.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return additions[a].id < additions[b].id; });
    std::vector<bool> keep(additions.size(), true);
    for (std::size_t k = 0; k + 1 < order.size(); ++k) {
      if (additions[order[k]].id == additions[order[k + 1]].id) keep[order[k]] = false;
    }
    std::size_t kept = 0;
    for (std::size_t i = 0; i < additions.size(); ++i) {
      if (!keep[i]) continue;
      if (kept != i) additions[kept] = std::move(additions[i]);
      ++kept;
    }
    additions.resize(kept);
    return additions;
  }

  // Applies additions (replacing same-id targets) and removals as one new snapshot. Caller holds writer_mutex.
  // Everything is built before the snapshot is published, so a failure (out of memory) changes nothing.
  void apply(std::vector<Target> additions, const std::vector<std::string>& removals) {
    auto current = load();
    additions = last_of_each_id(std::move(additions));
    const bool large_change = additions.size() > options.delta_limit;
    if (folding) {
      for (const auto& t : additions) touched.insert(t.id);
      for (const auto& id : removals) touched.insert(id);
    }

    std::unordered_set<std::string> dropped;  // ids present now that this change removes or replaces
    for (const auto& t : additions) {
      if (current->locate(t.id)) dropped.insert(t.id);
    }
    for (const auto& id : removals) {
      if (current->locate(id)) dropped.insert(id);
    }

    std::shared_ptr<SlotSet> own_removed;  // copied on the first new tombstone
    std::size_t removed_count = current->removed_count;
    bool delta_changed = !additions.empty();
    for (const auto& id : dropped) {
      if (current->delta->slot_of(id)) {
        delta_changed = true;
        continue;
      }
      auto slot = current->base->slot_of(id);
      if (!slot) continue;
      if (!own_removed) {
        own_removed = current->removed ? std::make_shared<SlotSet>(*current->removed)
                                       : std::make_shared<SlotSet>((current->base->size() + 63) / 64);
      }
      insert_slot(*own_removed, *slot);
      ++removed_count;
    }

    auto next = std::make_shared<Snapshot>();
    next->base = current->base;
    next->removed = own_removed ? std::shared_ptr<const SlotSet>(own_removed) : current->removed;
    next->removed_count = removed_count;
    next->delta = current->delta;
    if (delta_changed) {
      std::vector<Target> delta_targets;
      const auto& delta = *current->delta;
      for (Slot s = 0; s < delta.size(); ++s) {
        if (!dropped.contains(std::string(delta.targets.id(s)))) delta_targets.push_back(delta.targets.get(s));
      }
      for (auto& t : additions) delta_targets.push_back(std::move(t));
      if (large_change) {
        // A bulk load: build the base at once rather than a huge delta. A fold running meanwhile is now stale.
        auto without_delta = std::make_shared<Snapshot>(*next);
        without_delta->delta = empty_part();
        auto folded = std::make_shared<Snapshot>();
        folded->base = build_part(live_source(std::move(without_delta), &delta_targets));
        folded->delta = empty_part();
        ++base_generation;
        folding = false;
        touched.clear();
        publish(std::move(folded));
        fold_finished.notify_all();
        return;
      }
      next->delta = build_part(delta_targets);
    }
    const bool over_limit = next->delta->size() > options.delta_limit || next->removed_count > options.delta_limit;
    if (over_limit && !options.fold_in_background) {
      auto folded = std::make_shared<Snapshot>();
      folded->base = build_part(live_source(next));
      folded->delta = empty_part();
      ++base_generation;
      publish(std::move(folded));
      return;
    }
    publish(next);
    if (over_limit && !folding) start_fold(std::move(next));
  }

  // Builds a new base from `frozen` on another thread; changes made meanwhile are recorded in `touched` and
  // replayed over the new base when it is published. Caller holds writer_mutex.
  void start_fold(std::shared_ptr<const Snapshot> frozen) {
    if (fold_thread.joinable()) {
      if (!fold_thread_done.load()) return;  // a stale fold still winding down: the next change retries
      fold_thread.join();
    }
    folding = true;
    touched.clear();
    fold_thread_done = false;
    const std::uint64_t generation = base_generation;
    try {
      fold_thread = std::thread([this, frozen = std::move(frozen), generation] {
        std::shared_ptr<const Part> base;
        try {
          base = build_part(live_source(frozen));
        } catch (...) {
          base = nullptr;  // out of memory: the delta keeps growing and a later change retries
        }
        {
          std::lock_guard lock(writer_mutex);
          if (generation == base_generation) {
            if (base) {
              try {
                publish_fold(base);
              } catch (...) {  // the index stays as it was
              }
            }
            folding = false;
            touched.clear();
          }
        }
        fold_finished.notify_all();
        fold_thread_done = true;
      });
    } catch (const std::system_error&) {  // no thread to be had: fold here
      folding = false;
      fold_thread_done = true;
      auto folded = std::make_shared<Snapshot>();
      folded->base = build_part(live_source(load()));
      folded->delta = empty_part();
      ++base_generation;
      publish(std::move(folded));
    }
  }

  // The new base holds every target live when the fold began. Targets changed since then (`touched`) are
  // tombstoned in it, and those of them still live are the new delta. Caller holds writer_mutex.
  void publish_fold(const std::shared_ptr<const Part>& base) {
    auto current = load();
    std::vector<Target> delta_targets;
    const auto& delta = *current->delta;
    for (Slot s = 0; s < delta.size(); ++s) {
      if (touched.contains(std::string(delta.targets.id(s)))) delta_targets.push_back(delta.targets.get(s));
    }
    auto next = std::make_shared<Snapshot>();
    next->base = base;
    next->delta = build_part(delta_targets);
    std::shared_ptr<SlotSet> removed;
    for (const auto& id : touched) {
      auto slot = base->slot_of(id);
      if (!slot) continue;
      if (!removed) removed = std::make_shared<SlotSet>((base->size() + 63) / 64);
      insert_slot(*removed, *slot);
      ++next->removed_count;
    }
    next->removed = std::move(removed);
    ++base_generation;
    publish(std::move(next));
  }

  void wait_for_fold() {
    std::unique_lock lock(writer_mutex);
    fold_finished.wait(lock, [&] { return !folding; });
  }
};

TargetIndex::TargetIndex(IndexOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  auto empty = std::make_shared<Snapshot>();
  empty->base = empty_part();
  empty->delta = empty_part();
  impl_->snapshot = std::move(empty);
}

TargetIndex::~TargetIndex() = default;

void TargetIndex::add(Target target) {
  validate_target(target);
  std::vector<Target> one;
  one.push_back(std::move(target));
  std::lock_guard lock(impl_->writer_mutex);
  impl_->apply(std::move(one), {});
}

void TargetIndex::add(std::vector<Target> targets) {
  for (std::size_t i = 0; i < targets.size(); ++i) {
    try {
      validate_target(targets[i]);
    } catch (const Error& e) {
      throw Error("target " + std::to_string(i) + ": " + e.what());
    }
  }
  if (targets.empty()) return;
  std::lock_guard lock(impl_->writer_mutex);
  impl_->apply(std::move(targets), {});
}

void TargetIndex::wait_for_fold() { impl_->wait_for_fold(); }

bool TargetIndex::remove(const std::string& id) {
  std::lock_guard lock(impl_->writer_mutex);
  if (!impl_->load()->locate(id)) return false;
  impl_->apply({}, {id});
  return true;
}

std::size_t TargetIndex::size() const { return impl_->load()->size(); }

bool TargetIndex::contains(const std::string& id) const { return impl_->load()->locate(id).has_value(); }

std::optional<Target> TargetIndex::find(const std::string& id) const {
  auto snapshot = impl_->load();
  auto location = snapshot->locate(id);
  if (!location) return std::nullopt;
  return location->part->targets.get(location->slot);
}

IndexStats TargetIndex::stats() const {
  auto snapshot = impl_->load();
  IndexStats stats;
  stats.targets = snapshot->size();
  stats.base_targets = snapshot->base->size();
  stats.delta_targets = snapshot->delta->size();
  stats.tombstones = snapshot->removed_count;
  for (const Part* part : {snapshot->base.get(), snapshot->delta.get()}) {
    stats.patterns += part->patterns.size();
    stats.automaton_states += part->automaton.state_count();
    stats.dictionary_words += part->words.size();
    stats.memory_bytes += part->memory_bytes;
  }
  if (snapshot->removed) stats.memory_bytes += snapshot->removed->capacity() * sizeof(std::uint64_t);
  return stats;
}

std::vector<Match> TargetIndex::select(const std::string& text, std::size_t max_results) const {
  if (max_results == 0) return {};
  auto snapshot = impl_->load();
  NormalizedText normalized = normalize(text);
  if (normalized.tokens.empty()) return {};

  std::vector<Found> found;
  for (const Part* part : {snapshot->base.get(), snapshot->delta.get()}) {
    if (part->size() == 0) continue;
    PartMatcher matcher(*part, part == snapshot->base.get() ? snapshot.get() : nullptr, normalized, found);
    matcher.match_exact();
    if (impl_->options.fuzzy) matcher.match_fuzzy();
  }

  drop_covered(found);
  // Each target once, by its best match.
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    if (a.part != b.part) return a.part < b.part;
    if (a.slot != b.slot) return a.slot < b.slot;
    return ranks_before(a, b);
  });
  found.erase(std::unique(found.begin(), found.end(),
                          [](const Found& a, const Found& b) { return a.part == b.part && a.slot == b.slot; }),
              found.end());
  auto keep = std::min(max_results, found.size());
  std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(keep), found.end(), ranks_before);
  found.resize(keep);

  std::vector<Match> matches;
  matches.reserve(found.size());
  for (const auto& f : found) {
    Match m;
    m.target_id = f.id();
    m.target_name = f.part->targets.name(f.slot);
    auto source_begin = normalized.tokens[f.begin].source_begin;
    auto source_end = normalized.tokens[f.end - 1].source_end;
    m.matched_text = text.substr(source_begin, source_end - source_begin);
    m.kind = f.kind;
    m.score = f.score;
    matches.push_back(std::move(m));
  }
  return matches;
}

}  // namespace lethe::alu
