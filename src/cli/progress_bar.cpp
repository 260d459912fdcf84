#include "progress_bar.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace lethe::cli {
namespace {

std::string clock_text(double seconds) {
  const auto s = static_cast<long>(std::max(0.0, seconds));
  return s >= 3600 ? fmt::format("{}h{:02}m", s / 3600, s / 60 % 60) : fmt::format("{}m{:02}s", s / 60, s % 60);
}

}  // namespace

ProgressBar::ProgressBar(std::string label, std::size_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled),
      interactive_(isatty(fileno(stderr)) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::advance(std::size_t steps, const std::string& status) {
  done_ += steps;
  if (!status.empty()) status_ = status;
  draw(done_ >= total_);
}

void ProgressBar::finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  if (interactive_) std::cerr << "\n" << std::flush;
}

void ProgressBar::draw(bool force) {
  if (!enabled_ || finished_) return;
  const auto now = std::chrono::steady_clock::now();
  const auto since_draw = std::chrono::duration<double>(now - last_draw_).count();
  if (!force && since_draw < (interactive_ ? 0.1 : 5.0)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double fraction = total_ == 0 ? 1.0 : std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
  const double eta = done_ == 0 ? 0.0 : elapsed * (1.0 - fraction) / fraction;
  constexpr int kWidth = 24;
  const auto filled = static_cast<int>(fraction * kWidth);
  const auto line = fmt::format("{} [{}{}] {}/{} {} elapsed, ETA {}{}{}", label_, std::string(filled, '#'),
                                std::string(kWidth - filled, '.'), done_, total_, clock_text(elapsed),
                                done_ == 0 ? std::string("?") : clock_text(eta), status_.empty() ? "" : "  ", status_);
  if (interactive_) {
    std::cerr << "\r\033[K" << line << std::flush;
  } else {
    std::cerr << line << "\n" << std::flush;
  }
}

void StagedProgress::update(const std::string& stage, std::size_t done, std::size_t total) {
  if (!bar_ || stage != stage_) {
    if (bar_) bar_->finish();
    bar_ = std::make_unique<ProgressBar>(prefix_ + stage, total, enabled_);
    stage_ = stage;
    shown_ = 0;
  }
  bar_->set_total(total);
  bar_->advance(done - std::min(done, shown_));
  shown_ = std::max(shown_, done);
}

}  // namespace lethe::cli
