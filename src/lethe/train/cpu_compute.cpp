#include "lethe/train/cpu_compute.hpp"

#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"
#include "ggml.h"
#include "lethe/train/gguf_model.hpp"

namespace lethe::train {

CpuCompute::CpuCompute(int n_threads) : backend_(ggml_backend_cpu_init()), allocator_(nullptr) {
  if (backend_ == nullptr) throw Error("cannot initialise the ggml CPU backend");
  ggml_backend_cpu_set_n_threads(backend_, n_threads > 0 ? n_threads : 1);
  allocator_ = ggml_gallocr_new(ggml_backend_get_default_buffer_type(backend_));
}

CpuCompute::~CpuCompute() {
  ggml_gallocr_free(allocator_);
  ggml_backend_free(backend_);
}

void CpuCompute::allocate(ggml_cgraph* graph) {
  if (!ggml_gallocr_alloc_graph(allocator_, graph)) throw Error("cannot allocate memory for the compute graph");
}

void CpuCompute::compute(ggml_cgraph* graph) {
  if (ggml_backend_graph_compute(backend_, graph) != GGML_STATUS_SUCCESS) throw Error("ggml graph computation failed");
}

ggml_context* new_graph_context(size_t graph_size, bool grads) {
  ggml_init_params params{ggml_tensor_overhead() * graph_size * 2 + ggml_graph_overhead_custom(graph_size, grads),
                          nullptr, /*no_alloc=*/true};
  ggml_context* ctx = ggml_init(params);
  if (ctx == nullptr) throw Error("cannot create a ggml context");
  return ctx;
}

}  // namespace lethe::train
