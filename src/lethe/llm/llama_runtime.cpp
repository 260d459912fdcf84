#include "lethe/llm/llama_runtime.hpp"

#include <llama.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <sstream>

namespace lethe::llm {

namespace {

thread_local std::string captured_log;
bool echo_log = false;

void on_llama_log(ggml_log_level level, const char* text, void* /*user*/) {
  if (echo_log) std::fputs(text, stderr);
  if (level == GGML_LOG_LEVEL_ERROR || level == GGML_LOG_LEVEL_WARN) {
    if (captured_log.size() < 4096) captured_log += text;
  }
}

}  // namespace

void ensure_llama_initialised() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* env = std::getenv("LETHE_LLAMA_LOG");
    echo_log = env != nullptr && *env != '\0' && std::string(env) != "0";
    llama_log_set(on_llama_log, nullptr);
    llama_backend_init();
  });
}

std::string take_llama_log() {
  std::string raw;
  raw.swap(captured_log);
  std::string out;
  std::istringstream lines(raw);
  for (std::string line; std::getline(lines, line);) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    out += (out.empty() ? "" : "; ") + line;
  }
  return out;
}

std::string capture_stderr(const std::function<void()>& action) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fflush(stderr);
  std::FILE* sink = std::tmpfile();
  const int saved = sink != nullptr ? ::dup(STDERR_FILENO) : -1;
  if (saved < 0) {
    if (sink != nullptr) std::fclose(sink);
    action();
    return {};
  }
  ::dup2(::fileno(sink), STDERR_FILENO);
  try {
    action();
  } catch (...) {
    std::fflush(stderr);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    std::fclose(sink);
    throw;
  }
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::string text;
  std::rewind(sink);
  char buffer[1024];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, sink)) > 0;) text.append(buffer, n);
  std::fclose(sink);
  return text;
}

}  // namespace lethe::llm
