// Runs ggml graphs on the CPU backend, reusing one graph allocator across calls.
#pragma once

#include <cstddef>

struct ggml_cgraph;
struct ggml_context;
struct ggml_backend;
struct ggml_gallocr;

namespace lethe::train {

class CpuCompute {
 public:
  explicit CpuCompute(int n_threads);
  ~CpuCompute();
  CpuCompute(const CpuCompute&) = delete;
  CpuCompute& operator=(const CpuCompute&) = delete;

  // Places every not-yet-allocated tensor of the graph (inputs included) in the compute buffer.
  void allocate(ggml_cgraph* graph);
  void compute(ggml_cgraph* graph);

 private:
  ggml_backend* backend_;
  ggml_gallocr* allocator_;
};

// A metadata-only ggml context big enough for a graph of `graph_size` nodes (with gradients if `grads`).
ggml_context* new_graph_context(size_t graph_size, bool grads);

}  // namespace lethe::train
