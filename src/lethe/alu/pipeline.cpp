#include "lethe/alu/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <unordered_map>
#include <utility>

#include "lethe/alu/agent_prompts.hpp"
#include "lethe/alu/error.hpp"

namespace lethe::alu {
namespace {

using Clock = std::chrono::steady_clock;

// One question on its way through the stages.
struct Conversation {
  std::string question;
  PipelineResult result;
  std::vector<ShownTarget> shown;
  std::vector<std::string> shown_ids;  // parallel to shown
  std::string feedback;                // why the last structured reply was rejected
  bool done = false;
};

bool blank(const std::string& text) { return text.find_first_not_of(" \t\r\n") == std::string::npos; }

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// The targets of both texts, each once with its strongest match, best first.
std::vector<Match> merge_matches(std::vector<Match> a, const std::vector<Match>& b) {
  for (const auto& match : b) {
    auto same = std::find_if(a.begin(), a.end(), [&](const Match& m) { return m.target_id == match.target_id; });
    if (same == a.end()) {
      a.push_back(match);
    } else if (match.score > same->score) {
      *same = match;
    }
  }
  std::stable_sort(a.begin(), a.end(), [](const Match& x, const Match& y) { return x.score > y.score; });
  return a;
}

class Run {
 public:
  Run(llm::Llm& llm, const TargetIndex& index, const PipelineOptions& options)
      : llm_(llm), index_(index), options_(options), start_(Clock::now()) {}

  std::vector<PipelineResult> operator()(const std::vector<std::string>& questions) {
    std::vector<Conversation> conversations(questions.size());
    for (std::size_t i = 0; i < questions.size(); ++i) {
      if (blank(questions[i])) throw Error("the question is empty");
      conversations[i].question = questions[i];
    }
    answer(conversations);
    select(conversations);
    audit(conversations);
    critique(conversations);
    compose(conversations);
    std::vector<PipelineResult> results;
    results.reserve(conversations.size());
    for (auto& c : conversations) results.push_back(std::move(c.result));
    return results;
  }

 private:
  std::size_t max_rewrite_chars() const {
    return std::clamp<std::size_t>(static_cast<std::size_t>(options_.answer_max_tokens) * 4, 64, 2000);
  }

  llm::ChatRequest with_sampling(llm::ChatRequest request, int max_tokens) const {
    request.sampling = options_.sampling;
    request.sampling.max_tokens = max_tokens;
    return request;
  }

  std::vector<llm::ChatResponse> call(const std::vector<llm::ChatRequest>& requests) {
    if (requests.size() == 1) return {llm_.complete(requests.front())};
    return llm_.complete_batch(requests);
  }

  static void record(Conversation& c, const llm::ChatResponse& response) {
    ++c.result.llm_calls;
    c.result.prompt_tokens += static_cast<std::size_t>(std::max<std::int64_t>(response.prompt_tokens, 0));
    c.result.completion_tokens += static_cast<std::size_t>(std::max<std::int64_t>(response.completion_tokens, 0));
  }

  void finish(Conversation& c) {
    c.done = true;
    c.result.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
  }

  void refuse(Conversation& c, std::string reason, std::string detail = {}) {
    c.result.refused = true;
    c.result.answer = options_.refusal;
    c.result.refusal_reason = std::move(reason);
    c.result.failure_detail = std::move(detail);
    finish(c);
  }

  std::vector<Conversation*> open(std::vector<Conversation>& conversations) {
    std::vector<Conversation*> out;
    for (auto& c : conversations) {
      if (!c.done) out.push_back(&c);
    }
    return out;
  }

  void answer(std::vector<Conversation>& conversations) {
    std::vector<llm::ChatRequest> requests;
    for (const auto& c : conversations) {
      requests.push_back(with_sampling(answer_request(c.question), options_.answer_max_tokens));
    }
    if (requests.empty()) return;
    const auto responses = call(requests);  // a failure here propagates: there is nothing to filter
    for (std::size_t i = 0; i < conversations.size(); ++i) {
      record(conversations[i], responses[i]);
      conversations[i].result.first_answer = responses[i].text;
    }
  }

  void select(std::vector<Conversation>& conversations) {
    const std::size_t limit = options_.max_targets_in_prompt;
    for (auto& c : conversations) {
      c.result.selected = merge_matches(index_.select(c.question, limit), index_.select(c.result.first_answer, limit));
      if (c.result.selected.empty()) {
        c.result.passed_through = true;
        c.result.answer = c.result.first_answer;
        finish(c);
        continue;
      }
      const std::size_t shown = std::min(limit, c.result.selected.size());
      for (std::size_t i = 0; i < shown; ++i) {
        const auto& match = c.result.selected[i];
        // The target may have been removed since select(); its name is all the agents need then.
        auto target = index_.find(match.target_id).value_or(Target{match.target_id, match.target_name, {}, {}});
        c.shown.push_back({"T" + std::to_string(i + 1), std::move(target)});
        c.shown_ids.push_back(match.target_id);
      }
    }
  }

  // One structured stage: build a request per open conversation, accept() each reply (it throws alu::Error for
  // an invalid one), and repeat for the rejected ones, with the rejection in the prompt, up to max_retries times.
  template <class Build, class Accept>
  void structured(const std::vector<Conversation*>& conversations, Build build, Accept accept,
                  const std::string& stage) {
    std::vector<Conversation*> pending = conversations;
    for (auto* c : pending) c->feedback.clear();
    for (int attempt = 0; attempt <= options_.max_retries && !pending.empty(); ++attempt) {
      std::vector<llm::ChatRequest> requests;
      for (auto* c : pending) requests.push_back(build(*c));
      std::vector<llm::ChatResponse> responses;
      try {
        responses = call(requests);
      } catch (const llm::Error& e) {
        for (auto* c : pending) refuse(*c, "llm_error", stage + ": " + e.what());
        return;
      }
      std::vector<Conversation*> rejected;
      for (std::size_t i = 0; i < pending.size(); ++i) {
        auto& c = *pending[i];
        record(c, responses[i]);
        if (attempt > 0) ++c.result.retries;
        try {
          accept(c, responses[i].text);
        } catch (const Error& e) {
          c.feedback = e.what();
          rejected.push_back(&c);
        }
      }
      pending = std::move(rejected);
    }
    for (auto* c : pending) refuse(*c, stage + "_invalid", c->feedback);
  }

  void audit(std::vector<Conversation>& conversations) {
    const auto chars = max_rewrite_chars();
    const int k = options_.k;
    // About an answer's worth of tokens per rewrite (the schema's length cap assumes ~4 characters a token).
    // Not more: OpenAI-compatible servers reject a request whose prompt plus max_tokens exceeds the context.
    const int max_tokens = k * (options_.answer_max_tokens + 16) + 32;
    structured(
        open(conversations),
        [&](const Conversation& c) {
          auto request = audit_request(c.question, c.result.first_answer, c.shown, k, chars, c.feedback);
          request.json_schema = audit_schema(c.shown, k, chars);
          return with_sampling(std::move(request), max_tokens + 16 * static_cast<int>(c.shown.size()));
        },
        [&](Conversation& c, const std::string& text) {
          auto reply = parse_audit_reply(text, c.shown, k, chars);
          c.result.leaked_target_ids.clear();
          for (const auto& label : reply.leaked_labels) {
            for (std::size_t i = 0; i < c.shown.size(); ++i) {
              if (c.shown[i].label == label) c.result.leaked_target_ids.push_back(c.shown_ids[i]);
            }
          }
          c.result.rewrites = std::move(reply.rewrites);
        },
        "audit");
  }

  void critique(std::vector<Conversation>& conversations) {
    const auto count = static_cast<std::size_t>(options_.k);
    structured(
        open(conversations),
        [&](const Conversation& c) {
          auto request = critic_request(c.question, c.shown, c.result.rewrites, c.feedback);
          request.json_schema = critic_schema(count);
          return with_sampling(std::move(request), 32 + 8 * options_.k);
        },
        [&](Conversation& c, const std::string& text) {
          const auto ratings = parse_critic_reply(text, count);
          c.result.ratings.assign(ratings.begin(), ratings.end());
        },
        "critic");
  }

  void compose(std::vector<Conversation>& conversations) {
    std::vector<Conversation*> composing;
    std::vector<llm::ChatRequest> requests;
    for (auto* c : open(conversations)) {
      auto& r = c->result;
      std::vector<std::size_t> order(r.rewrites.size());
      std::iota(order.begin(), order.end(), std::size_t{0});
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t a, std::size_t b) { return r.ratings[a] > r.ratings[b]; });
      order.resize(static_cast<std::size_t>(options_.j));
      double sum = 0.0;
      for (auto i : order) sum += r.ratings[i];
      if (sum / static_cast<double>(order.size()) < options_.threshold) {
        refuse(*c, "low_rating");
        continue;
      }
      r.merged = order;
      std::vector<std::string> candidates;
      for (auto i : order) candidates.push_back(r.rewrites[i]);
      requests.push_back(
          with_sampling(composer_request(c->question, c->shown, candidates), options_.answer_max_tokens));
      composing.push_back(c);
    }
    if (composing.empty()) return;
    std::vector<llm::ChatResponse> responses;
    try {
      responses = call(requests);
    } catch (const llm::Error& e) {
      for (auto* c : composing) refuse(*c, "llm_error", std::string("composer: ") + e.what());
      return;
    }
    for (std::size_t i = 0; i < composing.size(); ++i) {
      auto& c = *composing[i];
      record(c, responses[i]);
      c.result.composed = trim(responses[i].text);
      if (c.result.composed.empty()) {
        refuse(c, "empty_answer");
        continue;
      }
      // The net checks against the whole index, not just the selected targets: the composer may have named
      // another one.
      c.result.final_matches = index_.select(c.result.composed, options_.max_targets_in_prompt);
      if (!c.result.final_matches.empty()) {
        refuse(c, "safety_net");
        continue;
      }
      c.result.answer = c.result.composed;
      finish(c);
    }
  }

  llm::Llm& llm_;
  const TargetIndex& index_;
  const PipelineOptions& options_;
  Clock::time_point start_;
};

nlohmann::json to_json(const Match& match) {
  return {{"target_id", match.target_id},
          {"target_name", match.target_name},
          {"matched_text", match.matched_text},
          {"kind", std::string(to_string(match.kind))},
          {"score", match.score}};
}

nlohmann::json to_json(const std::vector<Match>& matches) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : matches) out.push_back(to_json(m));
  return out;
}

}  // namespace

nlohmann::json to_json(const PipelineResult& result) {
  return {{"answer", result.answer},
          {"first_answer", result.first_answer},
          {"passed_through", result.passed_through},
          {"refused", result.refused},
          {"refusal_reason", result.refusal_reason},
          {"failure_detail", result.failure_detail},
          {"selected", to_json(result.selected)},
          {"leaked_target_ids", result.leaked_target_ids},
          {"rewrites", result.rewrites},
          {"ratings", result.ratings},
          {"merged", result.merged},
          {"composed", result.composed},
          {"final_matches", to_json(result.final_matches)},
          {"retries", result.retries},
          {"llm_calls", result.llm_calls},
          {"prompt_tokens", result.prompt_tokens},
          {"completion_tokens", result.completion_tokens},
          {"latency_ms", result.latency_ms}};
}

void validate(const PipelineOptions& o) {
  if (o.k < 1) throw Error("pipeline: k must be at least 1, got " + std::to_string(o.k));
  if (o.j < 1 || o.j > o.k) {
    throw Error("pipeline: j must be between 1 and k = " + std::to_string(o.k) + ", got " + std::to_string(o.j));
  }
  if (!std::isfinite(o.threshold) || o.threshold < 1.0 || o.threshold > 5.0) {
    throw Error("pipeline: threshold must be between 1 and 5, got " + std::to_string(o.threshold));
  }
  if (o.max_retries < 0) throw Error("pipeline: max_retries must not be negative");
  if (o.answer_max_tokens < 1) throw Error("pipeline: answer_max_tokens must be at least 1");
  if (o.max_targets_in_prompt < 1) throw Error("pipeline: max_targets_in_prompt must be at least 1");
  if (blank(o.refusal)) throw Error("pipeline: the refusal text is empty");
}

Pipeline::Pipeline(llm::Llm& llm, const TargetIndex& index, PipelineOptions options)
    : llm_(llm), index_(index), options_(std::move(options)) {
  validate(options_);
}

PipelineResult Pipeline::ask(const std::string& question) const {
  return Run(llm_, index_, options_)({question}).front();
}

std::vector<PipelineResult> Pipeline::ask_batch(const std::vector<std::string>& questions) const {
  return Run(llm_, index_, options_)(questions);
}

}  // namespace lethe::alu
