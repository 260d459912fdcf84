// Process-wide llama.cpp set-up: backend initialisation once, and llama.cpp's log routed away from the
// terminal (kept so that an error can quote what llama.cpp said). Set LETHE_LLAMA_LOG=1 to see it all.
#pragma once

#include <functional>
#include <string>

namespace lethe::llm {

void ensure_llama_initialised();

// The error and warning lines llama.cpp logged on this thread since the last call, joined into one line; then
// forgets them.
std::string take_llama_log();

// Runs `action` with the process's stderr captured (llama.cpp prints some errors there directly, e.g. grammar
// parse errors) and returns what was written. Serialised: one capture at a time.
std::string capture_stderr(const std::function<void()>& action);

}  // namespace lethe::llm
