// Training data in JSONL: SFT {"prompt", "completion"} and DPO {"prompt", "chosen", "rejected"}, one object a line.
#pragma once

#include <string>
#include <vector>

namespace lethe::train {

struct SftRecord {
  std::string prompt;
  std::string completion;
};

struct DpoRecord {
  std::string prompt;
  std::string chosen;
  std::string rejected;
};

// Blank lines are skipped. Throws Error "<path>:<line>: <what is wrong>" on malformed lines.
std::vector<SftRecord> read_sft_jsonl(const std::string& path);
std::vector<DpoRecord> read_dpo_jsonl(const std::string& path);

}  // namespace lethe::train
