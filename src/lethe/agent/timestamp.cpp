#include "lethe/agent/timestamp.hpp"

#include <fmt/format.h>

#include <cctype>
#include <stdexcept>

namespace lethe::agent {
namespace {

// Reads exactly `width` decimal digits at `pos`, advancing it.
int read_digits(const std::string& text, std::size_t& pos, std::size_t width) {
  if (pos + width > text.size()) throw std::invalid_argument("truncated");
  int value = 0;
  for (std::size_t i = 0; i < width; ++i, ++pos) {
    const char c = text[pos];
    if (!std::isdigit(static_cast<unsigned char>(c))) throw std::invalid_argument("digit expected");
    value = value * 10 + (c - '0');
  }
  return value;
}

void expect(const std::string& text, std::size_t& pos, char wanted) {
  if (pos >= text.size() || text[pos] != wanted) throw std::invalid_argument(std::string("'") + wanted + "' expected");
  ++pos;
}

}  // namespace

Timestamp now_utc() { return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

std::string to_iso8601(Timestamp time) {
  using namespace std::chrono;
  const auto day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss<milliseconds> clock{time - day};
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), clock.hours().count(),
                     clock.minutes().count(), clock.seconds().count(), clock.subseconds().count());
}

Timestamp parse_iso8601(const std::string& text) {
  using namespace std::chrono;
  try {
    std::size_t pos = 0;
    const int y = read_digits(text, pos, 4);
    expect(text, pos, '-');
    const int mo = read_digits(text, pos, 2);
    expect(text, pos, '-');
    const int d = read_digits(text, pos, 2);
    expect(text, pos, 'T');
    const int h = read_digits(text, pos, 2);
    expect(text, pos, ':');
    const int mi = read_digits(text, pos, 2);
    expect(text, pos, ':');
    const int s = read_digits(text, pos, 2);
    int millis = 0;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      int scale = 100;
      std::size_t digits = 0;
      while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
        millis += (text[pos] - '0') * scale;
        scale /= 10;
        ++pos;
        ++digits;
      }
      if (digits == 0) throw std::invalid_argument("fraction digits expected");
    }
    expect(text, pos, 'Z');
    if (pos != text.size()) throw std::invalid_argument("trailing characters");
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!date.ok() || h > 23 || mi > 59 || s > 59) throw std::invalid_argument("out of range");
    return Timestamp{sys_days{date}} + hours{h} + minutes{mi} + seconds{s} + milliseconds{millis};
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("malformed UTC time '" + text + "' (expected YYYY-MM-DDTHH:MM:SS.mmmZ): " + e.what());
  }
}

}  // namespace lethe::agent
