// The conversion model as the CLI opens it: a GGUF run in-process on its bare conversion prompt, and the committed
// one (models/converter.gguf) that `bench gridworld --method nl` and the demo use when no other is given.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lethe/env/grid_layout.hpp"
#include "lethe/eval/gridworld_scenario.hpp"
#include "lethe/llm/llm.hpp"
#include "lethe/unlearn/converter.hpp"
#include "llm_flags.hpp"

namespace lethe::cli {

inline constexpr const char* kConverterModel = "models/converter.gguf";
inline constexpr const char* kConverterFlagHelp =
    "Method nl: the conversion model (GGUF) that writes the prompt from the request, or 'none' for the request's own "
    "words (default: models/converter.gguf for the micro agent, none for other models)";

// The converter at `path` as an LLM: in-process, no chat markup (it was trained on the bare conversion prompt),
// with the agent's threads and response cache. Throws when the file is missing.
std::unique_ptr<llm::Llm> open_converter(const std::string& path, const LlmFlags& agent_flags);

// A converter model and the unlearn::Converter over it, kept together because the second refers to the first.
struct OpenConverter {
  std::unique_ptr<llm::Llm> model;
  std::unique_ptr<unlearn::Converter> converter;
};

// open_converter(path), asked in the format of the agent it writes for.
OpenConverter open_nl_converter(const std::string& path, const LlmFlags& agent_flags, agent::PromptFormat format);

// Checks a --converter flag before any model loads: it is for method nl only, and names a model file or "none".
void check_converter_flag(const std::string& given, const std::string& method);

// Method nl's converter, installed into config.converter: --converter `given` when it names a file; none for
// "none"; else the committed converter when the agent (flags.spec) is the micro agent it writes for and the file is
// here. The returned holder must outlive the runs (empty when no converter is used, and for other methods).
OpenConverter install_nl_converter(const std::string& given, const LlmFlags& flags,
                                   const std::vector<env::GridLayout>& layouts, eval::ScenarioConfig& config);

}  // namespace lethe::cli
