// AdamW (decoupled weight decay) over host F32 parameters.
#pragma once

#include <cstdint>
#include <vector>

namespace lethe::train {

struct AdamWOptions {
  float learning_rate = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-8f;
  float weight_decay = 0.0f;    // applied only to matrices, not to norm weights
  float clip_grad_norm = 1.0f;  // global L2 norm; <= 0 disables
};

class AdamW {
 public:
  AdamW(const AdamWOptions& options, const std::vector<int64_t>& parameter_sizes);

  // parameters[i] points at parameter_sizes[i] floats; is_matrix[i] selects weight decay. Returns the gradient norm.
  float step(const std::vector<float*>& parameters, const std::vector<bool>& is_matrix,
             const std::vector<std::vector<float>>& gradients);

  // For a schedule: the rate of the following steps.
  void set_learning_rate(float learning_rate) { options_.learning_rate = learning_rate; }

 private:
  AdamWOptions options_;
  std::vector<std::vector<float>> m_, v_;
  int64_t t_ = 0;
};

}  // namespace lethe::train
