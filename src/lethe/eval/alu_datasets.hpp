// The knowledge-unlearning benchmarks of issue 4, read from the shared data folder (../shared/data):
//   tofu-forget01|05|10  TOFU forget split (fictitious authors) with its matching retain split (retain99|95|90), the
//                        real-authors and world-facts sets; targets: the forget split's authors.
//   wmdp-bio|chem|cyber  WMDP 4-choice questions; targets: the domain's topic keywords; utility questions: TOFU real
//                        authors and world facts as 4-choice questions (outside every target).
//   wpu                  WPU forget QA pairs; targets: the 100 WPU forget people.
//
// WMDP question text is hazard-adjacent: nothing in this module prints it or puts it into an error message; items
// are referred to by id ("wmdp-bio-0042").
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "lethe/alu/target.hpp"

namespace lethe::eval {

// Malformed or missing data; the message names the file (and the element or line).
class DatasetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A question with a free-text reference answer.
struct QaItem {
  std::string id;  // "<split>-<index>", e.g. "forget01-0007"
  std::string question;
  std::string answer;
};

// A question with four options, one correct.
struct ChoiceItem {
  std::string id;
  std::string question;
  std::vector<std::string> choices;
  std::size_t answer = 0;  // index into choices
};

enum class AluDatasetKind { Tofu, Wmdp, Wpu };

struct AluDataset {
  std::string name;  // as given to load_alu_dataset
  AluDatasetKind kind = AluDatasetKind::Tofu;
  std::vector<alu::Target> targets;
  std::vector<QaItem> forget;              // TOFU, WPU: questions about the targets
  std::vector<QaItem> retain;              // TOFU: the matching retain split (other fictitious authors)
  std::vector<ChoiceItem> real_authors;    // TOFU: scored by ROUGE-L of the answer text; WMDP: utility
  std::vector<ChoiceItem> world_facts;     // TOFU: scored by ROUGE-L of the answer text; WMDP: utility
  std::vector<ChoiceItem> forget_choices;  // WMDP: the domain's questions
};

// "tofu-forget01", "tofu-forget05", "tofu-forget10", "wmdp-bio", "wmdp-chem", "wmdp-cyber", "wpu".
const std::vector<std::string>& alu_dataset_names();

// Loads a benchmark from `data_dir` (the shared data folder). Throws DatasetError for an unknown name (listing the
// known ones) and for missing or malformed files.
AluDataset load_alu_dataset(const std::string& name, const std::filesystem::path& data_dir);

// ---- the individual files ----------------------------------------------------------------------------------------

// TOFU QA files: a JSON array of {prompt, response} (forget splits) or {question, answer} (holdout), or — retain and
// full — one JSON array per line. Ids are "<split>-<index>" with a 4-digit, 0-based index.
std::vector<QaItem> load_tofu_qa(const std::filesystem::path& path, const std::string& split);

// TOFU real_authors / world_facts: a JSON array of {question, option1..option4, answer}, where answer equals one of
// the options.
std::vector<ChoiceItem> load_tofu_choices(const std::filesystem::path& path, const std::string& split);

// One name per line (blank lines skipped), e.g. the 20 TOFU forget10 authors.
std::vector<std::string> load_name_list(const std::filesystem::path& path);

// The authors of `authors` named in at least one of `rows`' question or answer, as targets (id = name), in list
// order.
std::vector<alu::Target> authors_named_in(const std::vector<QaItem>& rows, const std::vector<std::string>& authors);

// WMDP: a JSON array of {question, choices[4], answer: 0..3}. Ids are "wmdp-<domain>-<index>".
std::vector<ChoiceItem> load_wmdp(const std::filesystem::path& path, const std::string& domain);

// WMDP topic keywords for a domain ({"bio": [...], "cyber": [...]}); the file has no chem list, so chem uses a
// built-in list of chemical-weapons topics (topics, not questions).
std::vector<alu::Target> wmdp_topic_targets(const std::filesystem::path& keywords_path, const std::string& domain);

// WPU forget QA: a JSON array of {question, answer}.
std::vector<QaItem> load_wpu_qa(const std::filesystem::path& path);

// WPU people: the keys of a name-replacement map {"Person": ["fake name", ...], ...}.
std::vector<alu::Target> load_wpu_people(const std::filesystem::path& path);

}  // namespace lethe::eval
