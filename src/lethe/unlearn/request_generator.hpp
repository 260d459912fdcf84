// Natural-language unlearning requests as people would write them, for training and evaluating the conversion
// model: right-to-erasure phrasing, places named by coordinates or indirectly ("two steps right of the start", "the
// cell just left of the treasure at (5,1)"), routes, whole environments and several targets at once.
//
// Requests come from templates. The templates of each scenario are split, deterministically from the split seed,
// into a training set and a held-out set (disjoint, each non-empty), so a converter can be evaluated on phrasings
// it never saw. Targets are chosen so that they matter: each state or route lies on the direct route of at least one
// task that can avoid it (unlearning_tasks is non-empty); environments have treasures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lethe/env/grid_layout.hpp"
#include "lethe/unlearn/request.hpp"

namespace lethe::unlearn {

enum class TemplateSplit { train, held_out };

std::string to_string(TemplateSplit split);

// What a template asks to forget.
enum class RequestKind { state, trajectory, environment, several_states };

// "state", "trajectory", "environment", "several_states"; from_string throws Error for anything else.
std::string to_string(RequestKind kind);
RequestKind request_kind_from_string(const std::string& name);

struct GeneratedRequest {
  std::string text;              // the person's words, about every target
  std::vector<Request> targets;  // at least one, all in `environment`; each carries `text`
  std::string environment;
  std::string template_id;  // e.g. "state/erasure-2"
  RequestKind kind = RequestKind::state;
};

struct RequestGeneratorOptions {
  std::uint64_t seed = 0;  // with the index, decides every request
  // Decides the split. Keep it fixed across training and evaluation (every command uses the default), so that
  // held-out templates stay unseen whatever seeds the runs use.
  std::uint64_t split_seed = 0;
  double held_out_fraction = 0.3;  // of each scenario's templates (at least one held out, at least one kept)
};

class RequestGenerator {
 public:
  // Throws Error when `layouts` is empty or no layout has a state with an unlearning task.
  explicit RequestGenerator(std::vector<env::GridLayout> layouts, RequestGeneratorOptions options = {});

  // The template ids of a split, sorted.
  std::vector<std::string> template_ids(TemplateSplit split) const;

  // Request `index` of a split: the same (seed, split, index) always gives the same request.
  GeneratedRequest generate(TemplateSplit split, std::uint64_t index) const;
  // Requests 0 .. count-1 of a split.
  std::vector<GeneratedRequest> requests(TemplateSplit split, std::size_t count) const;

  const std::vector<env::GridLayout>& layouts() const { return layouts_; }
  // The layout a generated request is about.
  const env::GridLayout& layout_of(const GeneratedRequest& request) const;

 private:
  std::vector<env::GridLayout> layouts_;
  std::vector<std::vector<env::Cell>> forgettable_;  // per layout: cells whose state request has an unlearning task
  RequestGeneratorOptions options_;
  std::vector<std::size_t> train_;     // indices into the template table
  std::vector<std::size_t> held_out_;  // indices into the template table
};

// An indirect description of a free cell of `layout` (relative to the start or a treasure, or by row and
// column); `variant` picks the wording.
std::string indirect_place(const env::GridLayout& layout, env::Cell cell, std::uint64_t variant);

}  // namespace lethe::unlearn
