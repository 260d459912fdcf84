// The response cache: a decorator that answers a request it has seen before from an SQLite file instead of
// asking the backend again, so reruns are fast, free and identical.
//
// A request's key is the SHA-256 of the backend's identity() and the request's canonical JSON (to_json), so any
// change to the messages, sampling, stop strings, constraint or choices is a different key; the seed counts only
// when temperature > 0. The file may be shared by several threads and processes at once (WAL, busy timeout,
// INSERT OR IGNORE: concurrent writers of one key keep the first answer) and survives restarts.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lethe/llm/llm.hpp"

namespace lethe::llm {

// The cache key of `request` sent to a backend with `identity`: 64 lower-case hex digits.
std::string cache_key(const std::string& identity, const ChatRequest& request);

class CachedLlm : public Llm {
 public:
  // Opens the cache at `path`, creating the file and its parent directories if needed. Throws llm::Error naming
  // the path when it cannot be created or opened, or when the file there is not a Lethe response cache (not
  // SQLite, corrupt, another application's database, a newer schema); such a file is left untouched.
  CachedLlm(std::unique_ptr<Llm> inner, std::string path);
  ~CachedLlm() override;

  // Inner backend's description followed by " (cached: PATH)".
  std::string describe() const override;
  // The inner backend's identity: a cached answer is that backend's answer.
  std::string identity() const override;

  const std::string& path() const { return path_; }
  Llm& inner() { return *inner_; }

  // Erasure: removes every stored exchange whose request or response contains all the strings of at least one
  // group (matched on the text as sent, and on its JSON-escaped form as stored), in one transaction, with
  // secure_delete on and the write-ahead log checkpointed and truncated afterwards, so no byte of a removed
  // exchange stays in the cache's files. A group with no strings matches nothing. Returns how many were removed.
  // Throws llm::Error when the file cannot be changed (then nothing was removed).
  std::size_t erase_containing(const std::vector<std::vector<std::string>>& groups);

  // Requests answered from the file / sent to the inner backend by this object since it was made.
  std::int64_t hits() const { return hits_.load(); }
  std::int64_t misses() const { return misses_.load(); }

 protected:
  // A hit comes back with from_cache = true and latency_ms = the lookup time; the stored token counts are kept.
  ChatResponse do_complete(const ChatRequest& request) override;
  // Looks every request up, sends all misses to the inner backend in one complete_batch call (a request repeated
  // within the batch is sent once and its repeats are hits), stores them, and answers in the original order.
  std::vector<ChatResponse> do_complete_batch(const std::vector<ChatRequest>& requests) override;

 private:
  class Store;

  std::unique_ptr<Llm> inner_;
  std::string path_;
  std::string identity_;
  std::unique_ptr<Store> store_;
  std::atomic<std::int64_t> hits_{0};
  std::atomic<std::int64_t> misses_{0};
};

}  // namespace lethe::llm
