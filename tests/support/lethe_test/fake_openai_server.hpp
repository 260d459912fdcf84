// A scripted OpenAI-compatible server on a free loopback port, for fault-handling tests of the HTTP backend.
// Every request to /v1/chat/completions is recorded and handed to the test's handler with its 0-based index; the
// server counts how many requests were being handled at once. Stops (and wakes stalled handlers) when destroyed.
#pragma once

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace lethe::test {

class FakeOpenAiServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&, int index)>;

  struct Received {
    std::string body;
    httplib::Headers headers;
    nlohmann::json json() const { return nlohmann::json::parse(body); }
    std::string header(const std::string& name) const {
      const auto it = headers.find(name);
      return it == headers.end() ? std::string() : it->second;
    }
  };

  explicit FakeOpenAiServer(Handler handler, int worker_threads = 16) : handler_(std::move(handler)) {
    server_.new_task_queue = [worker_threads] { return new httplib::ThreadPool(static_cast<size_t>(worker_threads)); };
    server_.set_keep_alive_max_count(1);
    server_.Post("/v1/chat/completions",
                 [this](const httplib::Request& request, httplib::Response& response) { serve(request, response); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("fake OpenAI server: cannot bind a loopback port");
    thread_ = std::thread([this] {
      server_.listen_after_bind();
      loop_ended_ = true;
    });
    // The socket already listens, so clients may connect even before the accept loop runs.
  }

  ~FakeOpenAiServer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    // httplib's stop() does nothing until the accept loop runs, which it does within microseconds of starting.
    for (int i = 0; i < 2000 && !loop_ended_ && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    server_.stop();
    thread_.join();
  }

  FakeOpenAiServer(const FakeOpenAiServer&) = delete;
  FakeOpenAiServer& operator=(const FakeOpenAiServer&) = delete;

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The part of a spec after "openai:".
  std::string url_and_model(const std::string& model = "test-model") const { return base_url() + "/v1#" + model; }

  int requests() const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(received_.size());
  }
  std::vector<Received> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  int max_concurrent() const {
    std::lock_guard lock(mutex_);
    return max_concurrent_;
  }
  int in_flight() const {
    std::lock_guard lock(mutex_);
    return in_flight_;
  }

  // For handlers: blocks until the server is being destroyed or `timeout` passes (a bounded stall).
  void stall(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [this] { return stopping_; });
  }

  // For handlers: blocks until at least `count` requests are being handled at once, or `timeout` passes.
  // Returns whether the count was reached.
  bool wait_for_concurrent(int count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return stopping_ || in_flight_ >= count; }) && !stopping_;
  }

  // A chat completion body as OpenAI sends it.
  static std::string completion(const std::string& content, const std::string& finish_reason = "stop",
                                int prompt_tokens = 0, int completion_tokens = 0) {
    nlohmann::json body = {{"id", "chatcmpl-test"},
                           {"object", "chat.completion"},
                           {"model", "test-model"},
                           {"choices",
                            {{{"index", 0},
                              {"message", {{"role", "assistant"}, {"content", content}}},
                              {"finish_reason", finish_reason}}}},
                           {"usage",
                            {{"prompt_tokens", prompt_tokens},
                             {"completion_tokens", completion_tokens},
                             {"total_tokens", prompt_tokens + completion_tokens}}}};
    return body.dump();
  }

  // OpenAI's error shape.
  static std::string error_body(const std::string& message) {
    return nlohmann::json{{"error", {{"message", message}, {"type", "invalid_request_error"}}}}.dump();
  }

 private:
  void serve(const httplib::Request& request, httplib::Response& response) {
    int index = 0;
    {
      std::lock_guard lock(mutex_);
      index = static_cast<int>(received_.size());
      received_.push_back(Received{request.body, request.headers});
      ++in_flight_;
      max_concurrent_ = std::max(max_concurrent_, in_flight_);
    }
    changed_.notify_all();
    struct Leave {
      FakeOpenAiServer& server;
      ~Leave() {
        {
          std::lock_guard lock(server.mutex_);
          --server.in_flight_;
        }
        server.changed_.notify_all();
      }
    } leave{*this};
    handler_(request, response, index);
  }

  Handler handler_;
  httplib::Server server_;
  std::thread thread_;
  std::atomic<bool> loop_ended_{false};
  int port_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::vector<Received> received_;
  int in_flight_ = 0;
  int max_concurrent_ = 0;
};

}  // namespace lethe::test
