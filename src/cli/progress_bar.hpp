// A one-line progress bar on stderr for long runs: done/total, elapsed, ETA and a short status, rewritten in place
// (at most ~10 times a second) when stderr is a terminal, one line per update otherwise (logs stay readable).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace lethe::cli {

class ProgressBar {
 public:
  // `enabled` false: prints nothing (--quiet).
  ProgressBar(std::string label, std::size_t total, bool enabled = true);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Marks `steps` more units done; `status` replaces the status text (e.g. "success 0.80").
  void advance(std::size_t steps = 1, const std::string& status = {});
  void set_total(std::size_t total) { total_ = total; }
  // Ends the line (also done by the destructor).
  void finish();

 private:
  void draw(bool force);

  std::string label_;
  std::size_t total_;
  std::size_t done_ = 0;
  bool enabled_;
  bool interactive_;
  bool finished_ = false;
  std::string status_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// Progress of a run in named stages, each with its own bar: update() starts a new bar when the stage changes and
// advances the current one to `done` (reported cumulatively within a stage).
class StagedProgress {
 public:
  StagedProgress(std::string prefix, bool enabled) : prefix_(std::move(prefix)), enabled_(enabled) {}
  void update(const std::string& stage, std::size_t done, std::size_t total);
  void finish() {
    if (bar_) bar_->finish();
  }

 private:
  std::string prefix_;
  bool enabled_;
  std::string stage_;
  std::size_t shown_ = 0;
  std::unique_ptr<ProgressBar> bar_;
};

}  // namespace lethe::cli
