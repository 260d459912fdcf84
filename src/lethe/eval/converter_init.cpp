#include "lethe/eval/converter_init.hpp"

#include <nlohmann/json.hpp>

#include "lethe/eval/converter_setup.hpp"
#include "lethe/train/tokenizer.hpp"
#include "lethe/unlearn/converter.hpp"
#include "lethe/unlearn/request_generator.hpp"

namespace lethe::eval {

std::vector<train::SftRecord> converter_sft_records(const std::vector<env::GridLayout>& layouts, std::size_t count,
                                                    std::uint64_t seed, agent::PromptFormat format) {
  const unlearn::RequestGenerator generator(layouts, unlearn::RequestGeneratorOptions{seed});
  std::vector<train::SftRecord> records;
  records.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto request = generator.generate(unlearn::TemplateSplit::train, i);
    records.push_back({unlearn::conversion_prompt(request.text, generator.layout_of(request), format),
                       " " + unlearn::reference_instruction(request.targets, format)});
  }
  return records;
}

std::string sft_jsonl(const std::vector<train::SftRecord>& records) {
  std::string text;
  for (const auto& record : records) {
    text += nlohmann::json{{"prompt", record.prompt}, {"completion", record.completion}}.dump() + "\n";
  }
  return text;
}

ConverterInitOptions tiny_converter_init_options(const std::string& vocab_gguf) {
  ConverterInitOptions options;
  options.vocab_gguf = vocab_gguf;
  options.examples = 24;
  options.layouts = 2;
  options.model = train::ModelConfig{1, 32, 2, 2, 0, 1024};
  options.epochs = 1;
  options.batch_size = 8;
  return options;
}

ConverterInitResult init_converter(const ConverterInitOptions& options, const std::filesystem::path& out,
                                   const train::ProgressCallback& progress) {
  if (options.vocab_gguf.empty()) throw unlearn::Error("the converter needs a vocabulary GGUF");
  if (options.examples == 0) throw unlearn::Error("the converter needs at least one training example");
  if (options.layouts == 0) throw unlearn::Error("the converter needs at least one layout");
  const auto records = converter_sft_records(converter_layouts(options.seed, options.layouts), options.examples,
                                             options.seed, options.format);
  auto config = options.model;
  config.seed = options.seed;
  auto model = train::init_model(config, options.vocab_gguf);
  const train::Tokenizer tokenizer(options.vocab_gguf);
  const auto examples = train::sft_examples(tokenizer, records, model);
  train::TrainOptions train_options;
  train_options.epochs = options.epochs;
  train_options.batch_size = options.batch_size;
  train_options.adamw.learning_rate = options.learning_rate;
  train_options.seed = options.seed;
  train_options.n_threads = options.threads;
  ConverterInitResult result;
  result.examples = examples.size();
  result.report = train::train_sft(model, examples, train_options, progress);
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
  model.save(out.string());
  return result;
}

}  // namespace lethe::eval
