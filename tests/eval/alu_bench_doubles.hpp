// A scripted stand-in for the LLM behind the ALU pipeline: it tells the four agents apart by their system prompt
// and structured-output schema, and reports prompt tokens as characters / 4 so that cost figures move with prompt
// size.
#pragma once

#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "lethe/llm/llm.hpp"

namespace lethe::eval::test {

class AgentScriptLlm final : public llm::Llm {
 public:
  // The answer agent's reply to a question; the other agents: valid replies (no leak, every rating 5).
  using Answer = std::function<std::string(const std::string& question)>;
  explicit AgentScriptLlm(Answer answer, std::string composed = "A careful answer without names.",
                          std::string reader_pick = "C")
      : answer_(std::move(answer)), composed_(std::move(composed)), reader_pick_(std::move(reader_pick)) {}

  std::string describe() const override { return "scripted-agents"; }
  std::string identity() const override { return "scripted-agents"; }

  std::size_t reader_calls() const {
    std::lock_guard lock(mutex_);
    return reader_calls_;
  }

 protected:
  llm::ChatResponse do_complete(const llm::ChatRequest& request) override {
    llm::ChatResponse response;
    std::size_t chars = 0;
    for (const auto& m : request.messages) chars += m.content.size();
    response.prompt_tokens = static_cast<std::int64_t>(chars / 4);
    response.prompt_tokens_evaluated = response.prompt_tokens;
    response.completion_tokens = 1;
    const std::string system =
        request.messages.front().role == llm::Role::System ? request.messages.front().content : "";
    if (!request.choices.empty()) {
      std::lock_guard lock(mutex_);
      ++reader_calls_;
      response.text = reader_pick_;
      response.finish = llm::FinishReason::Choice;
      for (const auto& c : request.choices) response.choice_probs.push_back(c == reader_pick_ ? 0.7 : 0.1);
    } else if (request.json_schema && request.json_schema->dump().find("rewrites") != std::string::npos) {
      const auto k = request.json_schema->at("properties").at("rewrites").at("minItems").get<int>();
      response.text =
          nlohmann::json{
              {"leaked", nlohmann::json::array()},
              {"rewrites", std::vector<std::string>(static_cast<std::size_t>(k), "A rewrite that names nobody.")}}
              .dump();
    } else if (request.json_schema && request.json_schema->dump().find("ratings") != std::string::npos) {
      const auto n = request.json_schema->at("properties").at("ratings").at("minItems").get<int>();
      response.text = nlohmann::json{{"ratings", std::vector<int>(static_cast<std::size_t>(n), 5)}}.dump();
    } else if (system.find("composer") != std::string::npos) {
      response.text = composed_;
    } else if (request.messages.size() == 1) {
      // Not a pipeline agent: the scale bench's token count of a target list.
      response.text = "x";
    } else {
      response.text = answer_(request.messages.back().content);
    }
    return response;
  }

 private:
  Answer answer_;
  std::string composed_;
  std::string reader_pick_;
  mutable std::mutex mutex_;
  std::size_t reader_calls_ = 0;
};

}  // namespace lethe::eval::test
