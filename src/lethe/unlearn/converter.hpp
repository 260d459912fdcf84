// The conversion model: turns a person's unlearning request into unlearning prompts the agent follows. It is asked
// in the paper's request style — the task, the context (the environment the agent acts in and its options), the
// goal, and "answer starting with 'Unlearning Instruction:'" — and K candidates are sampled (different seeds).
// Each is cleaned: the "Unlearning Instruction:" prefix is removed if the model repeats it, and the text is cut at
// the first stop (a new line by default) and trimmed.
//
// The prompt ends with "Unlearning Instruction:" so that a completion model continues right after it; training
// data (SFT records, DPO pairs) therefore pairs conversion_prompt() with completions starting with a space.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lethe/env/grid_layout.hpp"
#include "lethe/llm/llm.hpp"
#include "lethe/unlearn/methods.hpp"
#include "lethe/unlearn/request_generator.hpp"

namespace lethe::unlearn {

// The conversion prompt for a request about `layout`, for a converter that writes for an agent reading `format`.
// Text: the paper's request style (Task, Context, Goal, Request, "Unlearning Instruction:"), about 150 tokens.
// Compact: the same facts without the fixed sentences ("map house start 00 treasures 34 52 request <text>
// instruction :"), because a small model learns to copy a cell out of a short prompt far sooner (README, the recall
// probe).
std::string conversion_prompt(const std::string& request_text, const env::GridLayout& layout,
                              agent::PromptFormat format = agent::PromptFormat::text);

// A generated completion made into an unlearning prompt: a leading "Unlearning Instruction:" removed, cut at the
// first of `stops`, surrounding whitespace trimmed. May be empty.
std::string clean_candidate(const std::string& generated, const std::vector<std::string>& stops = {"\n"});

// The instruction a good converter would write for a request, in the format of the agent it is for: text, one
// sentence per target, worded like the verifier's feedback ("Never enter (3,4) in house; go around it."); compact,
// the first compact phrasing of each target, joined by " ; " ("avoid 34 ; avoid 12 then 22"). The SFT initialiser
// trains on it.
std::string reference_instruction(const std::vector<Request>& targets,
                                  agent::PromptFormat format = agent::PromptFormat::text);

// Whether `text` names every target. Text: its environment (as a whole word) and, for a state or a trajectory, each
// of its cells as "(x,y)". Compact: each cell as the word "34", and "map" for an environment. A converter's output
// that fails this cannot be the right instruction, whatever the agent then does; the raw request fails it when it
// refers to places indirectly.
bool names_targets(const std::string& text, const std::vector<Request>& targets,
                   agent::PromptFormat format = agent::PromptFormat::text);

struct ConverterOptions {
  std::size_t candidates = 3;  // K
  // Sampling of each candidate; candidate i uses seed + i.
  llm::Sampling sampling{0.8, 0.95, 0, 0, 64};
  std::vector<std::string> stops{"\n"};
  agent::PromptFormat format = agent::PromptFormat::text;  // of the agent it writes for: picks conversion_prompt
};

class Converter {
 public:
  // Keeps a reference: `model` must outlive the converter.
  explicit Converter(llm::Llm& model, ConverterOptions options = {});

  // The conversion prompt it answers for a request about `layout`.
  std::string prompt(const std::string& request_text, const env::GridLayout& layout) const;

  // `count` candidates (0: options.candidates) for a request about `layout`, sampled together; the same seed
  // gives the same candidates with a deterministic backend.
  std::vector<std::string> candidates(const std::string& request_text, const env::GridLayout& layout,
                                      std::size_t count = 0, std::uint64_t seed = 0) const;

  // NlMethod's converter: the first candidate for the request's text, on the layout among `layouts` with the
  // request's environment. Throws Error when there is none.
  NlMethod::Converter nl_converter(std::vector<env::GridLayout> layouts, std::uint64_t seed = 0) const;

  const ConverterOptions& options() const { return options_; }
  std::string describe() const { return model_.describe(); }

 private:
  llm::Llm& model_;
  ConverterOptions options_;
};

}  // namespace lethe::unlearn
