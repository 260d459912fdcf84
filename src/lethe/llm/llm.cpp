#include "lethe/llm/llm.hpp"

#include <chrono>

namespace lethe::llm {

namespace {

using Clock = std::chrono::steady_clock;

double elapsed_ms(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

std::string to_string(Role role) {
  switch (role) {
    case Role::System:
      return "system";
    case Role::User:
      return "user";
    case Role::Assistant:
      return "assistant";
  }
  return "user";
}

Role role_from_string(const std::string& name) {
  if (name == "system") return Role::System;
  if (name == "user") return Role::User;
  if (name == "assistant") return Role::Assistant;
  throw Error("unknown chat role '" + name + "' (expected system, user or assistant)");
}

std::string to_string(FinishReason reason) {
  switch (reason) {
    case FinishReason::Stop:
      return "stop";
    case FinishReason::Length:
      return "length";
    case FinishReason::Choice:
      return "choice";
  }
  return "stop";
}

FinishReason finish_reason_from_string(const std::string& name) {
  if (name == "stop") return FinishReason::Stop;
  if (name == "length") return FinishReason::Length;
  if (name == "choice") return FinishReason::Choice;
  throw Error("unknown finish reason '" + name + "'");
}

nlohmann::json to_json(const ChatRequest& request) {
  nlohmann::json messages = nlohmann::json::array();
  for (const auto& m : request.messages) messages.push_back({{"role", to_string(m.role)}, {"content", m.content}});
  const auto& s = request.sampling;
  nlohmann::json sampling = {
      {"temperature", s.temperature}, {"top_p", s.top_p}, {"top_k", s.top_k}, {"max_tokens", s.max_tokens}};
  // The seed changes the answer only when sampling is random; leaving it out keeps greedy calls shareable.
  if (s.temperature > 0.0) sampling["seed"] = s.seed;
  nlohmann::json out = {{"messages", messages}, {"sampling", sampling}, {"stop", request.stop}};
  if (!request.grammar.empty()) out["grammar"] = request.grammar;
  if (request.json_schema) out["json_schema"] = *request.json_schema;
  if (!request.choices.empty()) out["choices"] = request.choices;
  return out;
}

nlohmann::json to_json(const ChatResponse& response) {
  nlohmann::json out = {{"text", response.text},
                        {"finish_reason", to_string(response.finish)},
                        {"prompt_tokens", response.prompt_tokens},
                        {"prompt_tokens_evaluated", response.prompt_tokens_evaluated},
                        {"completion_tokens", response.completion_tokens},
                        {"latency_ms", response.latency_ms}};
  if (!response.choice_probs.empty()) out["choice_probs"] = response.choice_probs;
  return out;
}

ChatResponse response_from_json(const nlohmann::json& json) {
  try {
    ChatResponse r;
    r.text = json.at("text").get<std::string>();
    r.finish = finish_reason_from_string(json.at("finish_reason").get<std::string>());
    r.prompt_tokens = json.value("prompt_tokens", std::int64_t{0});
    r.prompt_tokens_evaluated = json.value("prompt_tokens_evaluated", std::int64_t{0});
    r.completion_tokens = json.value("completion_tokens", std::int64_t{0});
    r.latency_ms = json.value("latency_ms", 0.0);
    if (json.contains("choice_probs")) r.choice_probs = json.at("choice_probs").get<std::vector<double>>();
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed stored response: ") + e.what());
  }
}

ChatResponse Llm::complete(const ChatRequest& request) {
  const auto start = Clock::now();
  ChatResponse response = do_complete(request);
  if (!response.from_cache && response.latency_ms == 0.0) response.latency_ms = elapsed_ms(start);
  usage_.record(response);
  return response;
}

std::vector<ChatResponse> Llm::complete_batch(const std::vector<ChatRequest>& requests) {
  const auto start = Clock::now();
  std::vector<ChatResponse> responses = do_complete_batch(requests);
  if (responses.size() != requests.size()) throw Error("backend returned a wrong number of responses");
  const double batch_ms = elapsed_ms(start);
  for (auto& r : responses) {
    if (!r.from_cache && r.latency_ms == 0.0) r.latency_ms = batch_ms;
    usage_.record(r);
  }
  return responses;
}

std::vector<ChatResponse> Llm::do_complete_batch(const std::vector<ChatRequest>& requests) {
  std::vector<ChatResponse> responses;
  responses.reserve(requests.size());
  for (const auto& r : requests) responses.push_back(do_complete(r));
  return responses;
}

}  // namespace lethe::llm
