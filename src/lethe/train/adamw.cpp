#include "lethe/train/adamw.hpp"

#include <cmath>

#include "lethe/train/gguf_model.hpp"

namespace lethe::train {

AdamW::AdamW(const AdamWOptions& options, const std::vector<int64_t>& parameter_sizes) : options_(options) {
  for (int64_t n : parameter_sizes) {
    m_.emplace_back(static_cast<size_t>(n), 0.0f);
    v_.emplace_back(static_cast<size_t>(n), 0.0f);
  }
}

float AdamW::step(const std::vector<float*>& parameters, const std::vector<bool>& is_matrix,
                  const std::vector<std::vector<float>>& gradients) {
  if (parameters.size() != m_.size() || gradients.size() != m_.size() || is_matrix.size() != m_.size()) {
    throw Error("AdamW: parameter count changed");
  }
  double squared = 0.0;
  for (const auto& g : gradients) {
    for (float x : g) squared += static_cast<double>(x) * x;
  }
  const auto norm = static_cast<float>(std::sqrt(squared));
  const float clip =
      options_.clip_grad_norm > 0 && norm > options_.clip_grad_norm ? options_.clip_grad_norm / norm : 1.0f;

  ++t_;
  const auto t = static_cast<double>(t_);
  const auto correction1 = static_cast<float>(1.0 - std::pow(static_cast<double>(options_.beta1), t));
  const auto correction2 = static_cast<float>(1.0 - std::pow(static_cast<double>(options_.beta2), t));
  const float lr = options_.learning_rate;
  for (size_t i = 0; i < parameters.size(); ++i) {
    float* p = parameters[i];
    auto& m = m_[i];
    auto& v = v_[i];
    const auto& g = gradients[i];
    if (g.size() != m.size()) throw Error("AdamW: gradient size mismatch");
    const float decay = is_matrix[i] ? 1.0f - lr * options_.weight_decay : 1.0f;
    for (size_t j = 0; j < m.size(); ++j) {
      const float gj = g[j] * clip;
      m[j] = options_.beta1 * m[j] + (1.0f - options_.beta1) * gj;
      v[j] = options_.beta2 * v[j] + (1.0f - options_.beta2) * gj * gj;
      const float m_hat = m[j] / correction1;
      const float v_hat = v[j] / correction2;
      p[j] = p[j] * decay - lr * m_hat / (std::sqrt(v_hat) + options_.epsilon);
    }
  }
  return norm;
}

}  // namespace lethe::train
