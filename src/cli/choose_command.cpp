#include <fmt/format.h>

#include <iostream>

#include "commands.hpp"
#include "llm_flags.hpp"

namespace lethe::cli {

namespace {

struct ChooseArgs {
  LlmFlags llm;
  std::string prompt;
  std::string system;
  std::vector<std::string> choices;
  llm::Sampling sampling;
};

void run_choose(const ChooseArgs& args) {
  llm::ChatRequest request;
  request.messages = chat_messages(args.system, args.prompt);
  request.choices = args.choices;
  request.sampling = args.sampling;
  auto model = args.llm.open();
  const auto response = model->complete(request);
  for (std::size_t i = 0; i < args.choices.size(); ++i) {
    const std::string mark = args.choices[i] == response.text ? "*" : " ";
    if (response.choice_probs.empty()) {
      std::cout << fmt::format("{} {}\tn/a\n", mark, args.choices[i]);
    } else {
      std::cout << fmt::format("{} {}\t{:.6f}\n", mark, args.choices[i], response.choice_probs[i]);
    }
  }
  if (response.choice_probs.empty()) {
    std::cerr << "note: this backend does not report choice probabilities (no logprobs)\n";
  }
  if (args.llm.verbose) print_usage(*model);
}

}  // namespace

void register_choose(CLI::App& app) {
  auto args = std::make_shared<ChooseArgs>();
  auto* cmd = app.add_subcommand(
      "choose", "Ask the model to pick one of several answers; print each with its probability (* marks the pick)");
  args->llm.add_to(*cmd);
  cmd->add_option("--prompt,-p", args->prompt, "The user message")->required();
  cmd->add_option("--system", args->system, "A system message");
  cmd->add_option("--choices,-c", args->choices, "The allowed answers, comma-separated")->required()->delimiter(',');
  cmd->add_option("--temperature,-t", args->sampling.temperature, "0 picks the most likely; >0 samples")
      ->check(CLI::Range(0.0, 10.0));
  cmd->add_option("--seed", args->sampling.seed, "Sampling seed (used when temperature > 0)");
  cmd->callback([args] { run_choose(*args); });
}

}  // namespace lethe::cli
