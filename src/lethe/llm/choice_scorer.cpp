#include "lethe/llm/choice_scorer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "lethe/llm/llm.hpp"

namespace lethe::llm {

namespace {

bool is_prefix(const std::vector<ChoiceScorer::Token>& shorter, const std::vector<ChoiceScorer::Token>& longer) {
  return shorter.size() < longer.size() && std::equal(shorter.begin(), shorter.end(), longer.begin());
}

}  // namespace

ChoiceScorer::ChoiceScorer(std::vector<std::vector<Token>> option_tokens, Token end_token)
    : paths_(std::move(option_tokens)) {
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    if (paths_[i].empty()) throw Error("choice " + std::to_string(i) + " is empty");
    for (std::size_t j = 0; j < i; ++j) {
      if (paths_[i] == paths_[j]) {
        throw Error("choices " + std::to_string(j) + " and " + std::to_string(i) + " are the same");
      }
    }
  }
  const auto originals = paths_;
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    const bool prefix_of_another = std::any_of(originals.begin(), originals.end(),
                                               [&](const auto& other) { return is_prefix(originals[i], other); });
    if (prefix_of_another) paths_[i].push_back(end_token);
  }

  nodes_.emplace_back();
  for (const auto& path : paths_) {
    std::size_t node = 0;
    for (Token t : path) {
      std::size_t next = child(node, t);
      if (next == 0) {
        next = nodes_.size();
        nodes_[node].children.emplace_back(t, next);
        nodes_.emplace_back();
      }
      node = next;
    }
  }
}

std::size_t ChoiceScorer::child(std::size_t node, Token token) const {
  for (const auto& [t, index] : nodes_[node].children) {
    if (t == token) return index;
  }
  return 0;
}

std::vector<double> ChoiceScorer::probabilities(const LogitsAt& logits_at) const {
  std::vector<double> out;
  out.reserve(paths_.size());
  for (std::size_t option = 0; option < paths_.size(); ++option) {
    double log_p = 0.0;
    std::size_t node = 0;
    for (std::size_t depth = 0; depth < paths_[option].size(); ++depth) {
      const auto& children = nodes_[node].children;
      const Token token = paths_[option][depth];
      if (children.size() > 1) {  // a single continuation has probability 1: no logits needed
        const float* logits = logits_at(option, depth);
        double max_logit = -std::numeric_limits<double>::infinity();
        for (const auto& c : children) max_logit = std::max(max_logit, static_cast<double>(logits[c.first]));
        double sum = 0.0;
        for (const auto& c : children) sum += std::exp(static_cast<double>(logits[c.first]) - max_logit);
        log_p += static_cast<double>(logits[token]) - max_logit - std::log(sum);
      }
      node = child(node, token);
    }
    out.push_back(std::exp(log_p));
  }
  return out;
}

}  // namespace lethe::llm
