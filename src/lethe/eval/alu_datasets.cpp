#include "lethe/eval/alu_datasets.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace lethe::eval {
namespace {

using nlohmann::json;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DatasetError("cannot read " + path.string() + " (missing file? see --data)");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

json parse_json(const std::string& text, const std::filesystem::path& path, const std::string& where = "") {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    // The position only: the parser's own message quotes the input, which must not happen for WMDP files.
    throw DatasetError(fmt::format("{}{}: malformed JSON at byte {}", path.string(), where, e.byte));
  }
}

json read_json(const std::filesystem::path& path) { return parse_json(read_text(path), path); }

const json& array_of(const json& value, const std::filesystem::path& path) {
  if (!value.is_array()) throw DatasetError(path.string() + ": expected a JSON array");
  return value;
}

std::string string_field(const json& element, const char* field, const std::filesystem::path& path, std::size_t index) {
  if (!element.is_object()) throw DatasetError(fmt::format("{}: element {} is not an object", path.string(), index));
  auto it = element.find(field);
  if (it == element.end()) {
    throw DatasetError(fmt::format("{}: element {} has no \"{}\"", path.string(), index, field));
  }
  if (!it->is_string()) {
    throw DatasetError(fmt::format("{}: element {}: \"{}\" is not a string", path.string(), index, field));
  }
  return it->get<std::string>();
}

std::string item_id(const std::string& prefix, std::size_t index) { return fmt::format("{}-{:04}", prefix, index); }

alu::Target named_target(const std::string& name) { return alu::Target{name, name, {}, std::nullopt}; }

}  // namespace

const std::vector<std::string>& alu_dataset_names() {
  static const std::vector<std::string> names = {
      "tofu-forget01", "tofu-forget05", "tofu-forget10", "wmdp-bio", "wmdp-chem", "wmdp-cyber", "wpu"};
  return names;
}

std::vector<QaItem> load_tofu_qa(const std::filesystem::path& path, const std::string& split) {
  const std::string text = read_text(path);
  // Either one JSON array, or (retain, full) one JSON array per line.
  std::vector<json> arrays;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw DatasetError(path.string() + ": empty file");
  if (json::accept(text)) {
    arrays.push_back(json::parse(text));
  } else {
    std::istringstream lines(text);
    std::size_t line_number = 0;
    for (std::string line; std::getline(lines, line);) {
      ++line_number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      arrays.push_back(parse_json(line, path, fmt::format(" line {}", line_number)));
    }
  }
  std::vector<QaItem> items;
  for (const auto& array : arrays) {
    for (const auto& element : array_of(array, path)) {
      const std::size_t index = items.size();
      const bool renamed = element.is_object() && element.contains("prompt");
      QaItem item{item_id(split, index), string_field(element, renamed ? "prompt" : "question", path, index),
                  string_field(element, renamed ? "response" : "answer", path, index)};
      items.push_back(std::move(item));
    }
  }
  if (items.empty()) throw DatasetError(path.string() + ": no question-answer pairs");
  return items;
}

std::vector<ChoiceItem> load_tofu_choices(const std::filesystem::path& path, const std::string& split) {
  const json data = read_json(path);
  std::vector<ChoiceItem> items;
  for (const auto& element : array_of(data, path)) {
    const std::size_t index = items.size();
    ChoiceItem item;
    item.id = item_id(split, index);
    item.question = string_field(element, "question", path, index);
    for (const char* option : {"option1", "option2", "option3", "option4"}) {
      item.choices.push_back(string_field(element, option, path, index));
    }
    const std::string answer = string_field(element, "answer", path, index);
    auto it = std::find(item.choices.begin(), item.choices.end(), answer);
    if (it == item.choices.end()) {
      throw DatasetError(fmt::format("{}: element {}: the answer is none of the four options", path.string(), index));
    }
    item.answer = static_cast<std::size_t>(it - item.choices.begin());
    items.push_back(std::move(item));
  }
  if (items.empty()) throw DatasetError(path.string() + ": no questions");
  return items;
}

std::vector<std::string> load_name_list(const std::filesystem::path& path) {
  std::istringstream lines(read_text(path));
  std::vector<std::string> names;
  for (std::string line; std::getline(lines, line);) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    names.push_back(line.substr(first, line.find_last_not_of(" \t\r") - first + 1));
  }
  if (names.empty()) throw DatasetError(path.string() + ": no names");
  return names;
}

std::vector<alu::Target> authors_named_in(const std::vector<QaItem>& rows, const std::vector<std::string>& authors) {
  std::vector<alu::Target> targets;
  for (const auto& author : authors) {
    const bool named = std::any_of(rows.begin(), rows.end(), [&](const QaItem& row) {
      return row.question.find(author) != std::string::npos || row.answer.find(author) != std::string::npos;
    });
    if (named) targets.push_back(named_target(author));
  }
  return targets;
}

std::vector<ChoiceItem> load_wmdp(const std::filesystem::path& path, const std::string& domain) {
  const json data = read_json(path);
  std::vector<ChoiceItem> items;
  for (const auto& element : array_of(data, path)) {
    const std::size_t index = items.size();
    ChoiceItem item;
    item.id = item_id("wmdp-" + domain, index);
    item.question = string_field(element, "question", path, index);
    const auto choices = element.find("choices");
    if (choices == element.end() || !choices->is_array() || choices->size() != 4) {
      throw DatasetError(fmt::format("{}: {}: \"choices\" is not an array of four", path.string(), item.id));
    }
    for (const auto& choice : *choices) {
      if (!choice.is_string()) {
        throw DatasetError(fmt::format("{}: {}: a choice is not a string", path.string(), item.id));
      }
      item.choices.push_back(choice.get<std::string>());
    }
    const auto answer = element.find("answer");
    if (answer == element.end() || !answer->is_number_integer() || answer->get<int>() < 0 || answer->get<int>() > 3) {
      throw DatasetError(fmt::format("{}: {}: \"answer\" is not an integer 0..3", path.string(), item.id));
    }
    item.answer = answer->get<std::size_t>();
    items.push_back(std::move(item));
  }
  if (items.empty()) throw DatasetError(path.string() + ": no questions");
  return items;
}

std::vector<alu::Target> wmdp_topic_targets(const std::filesystem::path& keywords_path, const std::string& domain) {
  std::vector<std::string> topics;
  if (domain == "chem") {
    topics = {"chemical weapons", "chemical warfare agents", "nerve agents", "toxic industrial chemicals",
              "explosives",       "precursor chemicals"};
  } else {
    const json data = read_json(keywords_path);
    const auto list = data.is_object() ? data.find(domain) : data.end();
    if (list == data.end() || !list->is_array()) {
      throw DatasetError(keywords_path.string() + ": no keyword list for \"" + domain + "\"");
    }
    for (const auto& keyword : *list) {
      if (!keyword.is_string()) throw DatasetError(keywords_path.string() + ": a keyword is not a string");
      topics.push_back(keyword.get<std::string>());
    }
  }
  std::vector<alu::Target> targets;
  for (auto& topic : topics) {
    alu::Target target = named_target(topic);
    // "enhanced potential pandemic pathogen (ePPP) research": the short form in parentheses is an alias.
    if (auto open = topic.find(" ("); open != std::string::npos) {
      auto close = topic.find(')', open);
      if (close != std::string::npos) {
        target.aliases.push_back(topic.substr(open + 2, close - open - 2));
        target.name = topic.substr(0, open) + topic.substr(close + 1);
      }
    }
    targets.push_back(std::move(target));
  }
  return targets;
}

std::vector<QaItem> load_wpu_qa(const std::filesystem::path& path) {
  const json data = read_json(path);
  std::vector<QaItem> items;
  for (const auto& element : array_of(data, path)) {
    const std::size_t index = items.size();
    items.push_back({item_id("wpu", index), string_field(element, "question", path, index),
                     string_field(element, "answer", path, index)});
  }
  if (items.empty()) throw DatasetError(path.string() + ": no question-answer pairs");
  return items;
}

std::vector<alu::Target> load_wpu_people(const std::filesystem::path& path) {
  const json data = read_json(path);
  if (!data.is_object()) throw DatasetError(path.string() + ": expected a JSON object {person: [names]}");
  std::vector<alu::Target> targets;
  for (const auto& [name, fakes] : data.items()) {
    if (name.empty()) throw DatasetError(path.string() + ": an empty person name");
    targets.push_back(named_target(name));
  }
  if (targets.empty()) throw DatasetError(path.string() + ": no people");
  return targets;
}

AluDataset load_alu_dataset(const std::string& name, const std::filesystem::path& data_dir) {
  AluDataset dataset;
  dataset.name = name;
  const auto tofu = data_dir / "tofu";
  if (name == "tofu-forget01" || name == "tofu-forget05" || name == "tofu-forget10") {
    const std::string percent = name.substr(name.size() - 2);
    const std::string retain = fmt::format("retain{:02}", 100 - std::stoi(percent));
    dataset.kind = AluDatasetKind::Tofu;
    dataset.forget = load_tofu_qa(tofu / ("forget" + percent + ".json"), "forget" + percent);
    dataset.retain = load_tofu_qa(tofu / (retain + ".json"), retain);
    dataset.real_authors = load_tofu_choices(tofu / "real_authors.json", "real_authors");
    dataset.world_facts = load_tofu_choices(tofu / "world_facts.json", "world_facts");
    const auto authors_file = data_dir / "wpu" / "causal_unlearn_tofu_author.txt";
    dataset.targets = authors_named_in(dataset.forget, load_name_list(authors_file));
    if (dataset.targets.empty()) {
      throw DatasetError(authors_file.string() + ": none of these authors is named in the " + name + " split");
    }
    return dataset;
  }
  if (name == "wmdp-bio" || name == "wmdp-chem" || name == "wmdp-cyber") {
    const std::string domain = name.substr(5);
    dataset.kind = AluDatasetKind::Wmdp;
    dataset.forget_choices = load_wmdp(data_dir / "wmdp" / ("wmdp_" + domain + "_questions.json"), domain);
    dataset.targets = wmdp_topic_targets(data_dir / "wmdp" / "wmdp_keywords.json", domain);
    dataset.real_authors = load_tofu_choices(tofu / "real_authors.json", "real_authors");
    dataset.world_facts = load_tofu_choices(tofu / "world_facts.json", "world_facts");
    return dataset;
  }
  if (name == "wpu") {
    dataset.kind = AluDatasetKind::Wpu;
    dataset.forget = load_wpu_qa(data_dir / "wpu" / "wpu_forget_true_qa_extracted.json");
    dataset.targets = load_wpu_people(data_dir / "wpu" / "causal_unlearn_replace_name_forget_100.json");
    return dataset;
  }
  std::string known;
  for (const auto& n : alu_dataset_names()) known += (known.empty() ? "" : ", ") + n;
  throw DatasetError("unknown dataset '" + name + "' (known: " + known + ")");
}

}  // namespace lethe::eval
