// `lethe demo`: the main job a newcomer runs. Until the GridWorld story lands it shows the LLM runtime on the
// best model available offline: free generation, a single-choice call with exact probabilities, JSON-schema
// constrained output, and prefix reuse across a growing conversation.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "llm_flags.hpp"

namespace lethe::cli {

namespace {

constexpr const char* kFixtureModel = "../shared/models/stories260Ktok512.gguf";

std::string default_model_spec() {
  if (std::filesystem::exists(kFixtureModel)) return std::string("gguf:") + kFixtureModel;
  throw std::runtime_error(std::string("no model given and the fixture ") + kFixtureModel +
                           " is not here; pass --llm SPEC or set LETHE_LLM");
}

void show_generation(llm::Llm& model) {
  llm::ChatRequest request;
  request.messages = {{llm::Role::User, "Once upon a time, there was a little dog named Max."}};
  request.sampling.max_tokens = 48;
  const auto r = model.complete(request);
  std::cout << fmt::format("1. Greedy continuation ({} tokens, {:.1f} ms):\n   {}\n\n", r.completion_tokens,
                           r.latency_ms, r.text);
}

void show_choice(llm::Llm& model) {
  llm::ChatRequest request;
  request.messages = {{llm::Role::User, "Max was hungry. He ran to the kitchen and looked for his"}};
  request.choices = {" food", " ball", " mom", " bed"};
  const auto r = model.complete(request);
  std::cout << "2. Single choice with exact probabilities from the logits:\n";
  for (std::size_t i = 0; i < request.choices.size(); ++i) {
    std::cout << fmt::format("   {:>6}  {:.4f}{}\n", request.choices[i],
                             r.choice_probs.empty() ? 0.0 : r.choice_probs[i],
                             request.choices[i] == r.text ? "  <- picked" : "");
  }
  std::cout << "\n";
}

void show_schema(llm::Llm& model) {
  llm::ChatRequest request;
  request.messages = {{llm::Role::User, "Lily found a cat in the garden."}};
  request.json_schema = nlohmann::json::parse(R"({
    "type": "object",
    "properties": {"animal": {"enum": ["cat", "dog", "bird"]}, "happy": {"type": "boolean"}},
    "required": ["animal", "happy"]})");
  request.sampling.max_tokens = 64;
  const auto r = model.complete(request);
  std::cout << fmt::format("3. Output constrained by a JSON schema (any model, however small, obeys it):\n   {}\n\n",
                           r.text);
}

void show_prefix_reuse(llm::Llm& model) {
  std::cout << "4. A growing conversation: only the new part of each prompt is evaluated:\n";
  llm::ChatRequest request;
  request.sampling.max_tokens = 16;
  std::string story = "Tom and Sue went to the park.";
  for (int turn = 1; turn <= 4; ++turn) {
    request.messages = {{llm::Role::User, story}};
    const auto r = model.complete(request);
    std::cout << fmt::format("   turn {}: prompt {:>3} tokens, evaluated {:>3}\n", turn, r.prompt_tokens,
                             r.prompt_tokens_evaluated);
    story += r.text + " Then";
  }
  std::cout << "\n";
}

void run_demo(const LlmFlags& flags) {
  LlmFlags resolved = flags;
  if (resolved.spec.empty()) resolved.spec = default_model_spec();
  auto model = resolved.open();
  std::cout << "Lethe demo — model: " << model->describe() << "\n";
  if (resolved.spec.find("stories260K") != std::string::npos) {
    std::cout << "(a 260K-parameter TinyStories base model: it writes children's prose and follows no instructions;\n"
                 " everything below that depends on competence is shown with it only as plumbing.)\n";
  }
  std::cout << "\n";
  show_generation(*model);
  show_choice(*model);
  show_schema(*model);
  show_prefix_reuse(*model);
  std::cout << "Usage: " << model->usage().snapshot().to_json().dump() << "\n";
}

}  // namespace

void register_demo(CLI::App& app) {
  auto flags = std::make_shared<LlmFlags>();
  auto* cmd = app.add_subcommand("demo", "Run the demonstration on the best model available offline");
  flags->add_to(*cmd, /*spec_required=*/false);
  cmd->callback([flags] { run_demo(*flags); });
}

}  // namespace lethe::cli
