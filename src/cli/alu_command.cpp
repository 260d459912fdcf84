// `lethe alu ask`: one question through the ALU pipeline (answer, audit & erase, critic, composer) over the
// targets of a file.
#include <iostream>

#include "commands.hpp"
#include "lethe/alu/pipeline.hpp"
#include "lethe/alu/target.hpp"
#include "lethe/alu/target_index.hpp"
#include "llm_flags.hpp"

namespace lethe::cli {

namespace {

struct AskArgs {
  LlmFlags llm;
  std::string targets_file;
  std::string question;
  alu::PipelineOptions pipeline;
  bool json = false;
};

void run_ask(const AskArgs& args) {
  // Everything a user can get wrong is checked before the model loads.
  if (args.question.find_first_not_of(" \t\r\n") == std::string::npos)
    throw std::runtime_error("the question is empty");
  alu::validate(args.pipeline);
  alu::TargetIndex index;
  index.add(alu::load_targets_file(args.targets_file));
  auto model = args.llm.open();
  const alu::Pipeline pipeline(*model, index, args.pipeline);
  const auto result = pipeline.ask(args.question);
  if (args.json) {
    std::cout << alu::to_json(result).dump() << "\n";
  } else {
    std::cout << result.answer << "\n";
  }
  if (args.llm.verbose) print_usage(*model);
}

}  // namespace

void register_alu(CLI::App& app) {
  auto* alu = app.add_subcommand("alu", "Inference-time knowledge unlearning (ALU): answer without revealing targets");
  alu->require_subcommand(1);

  auto args = std::make_shared<AskArgs>();
  auto* ask = alu->add_subcommand("ask", "Answer a question through the four-agent pipeline and print the answer");
  args->llm.add_to(*ask);
  ask->add_option("--targets", args->targets_file, "Targets to suppress: one per line (\"Name | alias | ...\") or JSON")
      ->required();
  ask->add_option("question", args->question, "The user's question")->required();
  ask->add_option("--k", args->pipeline.k, "Rewrites written by the audit & erase agent")->check(CLI::Range(1, 20));
  ask->add_option("--j", args->pipeline.j, "Best rewrites merged by the composer (at most k)")
      ->check(CLI::Range(1, 20));
  ask->add_option("--threshold", args->pipeline.threshold,
                  "Mean critic rating (1-5) of the best j rewrites needed to answer rather than refuse")
      ->check(CLI::Range(1.0, 5.0));
  ask->add_option("--refusal", args->pipeline.refusal, "What the user reads when the pipeline refuses");
  ask->add_option("--max-retries", args->pipeline.max_retries,
                  "Repeats of an audit or critic call whose reply is invalid")
      ->check(CLI::Range(0, 10));
  ask->add_option("--max-tokens,-n", args->pipeline.answer_max_tokens, "Maximum tokens of an answer")
      ->check(CLI::PositiveNumber);
  ask->add_option("--max-targets", args->pipeline.max_targets_in_prompt, "Selected targets shown to the inner agents")
      ->check(CLI::PositiveNumber);
  ask->add_option("--temperature,-t", args->pipeline.sampling.temperature, "Sampling temperature; 0 is greedy")
      ->check(CLI::Range(0.0, 10.0));
  ask->add_option("--seed", args->pipeline.sampling.seed, "Sampling seed (used when temperature > 0)");
  ask->add_flag("--json", args->json,
                "Print the whole result (every stage, targets found, ratings, calls, tokens, latency) as JSON");
  ask->callback([args] { run_ask(*args); });
}

}  // namespace lethe::cli
