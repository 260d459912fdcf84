#include "lethe/train/gguf_model.hpp"

#include <fmt/format.h>

#include <cstring>
#include <filesystem>
#include <utility>

#include "ggml.h"
#include "gguf.h"

namespace lethe::train {
namespace {

constexpr const char* kArch = "llama";

struct GgufFree {
  void operator()(gguf_context* ctx) const { gguf_free(ctx); }
};
struct GgmlFree {
  void operator()(ggml_context* ctx) const { ggml_free(ctx); }
};
using GgufPtr = std::unique_ptr<gguf_context, GgufFree>;
using GgmlPtr = std::unique_ptr<ggml_context, GgmlFree>;

std::string key(const char* suffix) { return fmt::format("{}.{}", kArch, suffix); }

// GGUF writers differ in which integer type they use for hyper-parameters; accept any.
std::optional<int64_t> find_int(const gguf_context* ctx, const std::string& name) {
  const int64_t id = gguf_find_key(ctx, name.c_str());
  if (id < 0) return std::nullopt;
  switch (gguf_get_kv_type(ctx, id)) {
    case GGUF_TYPE_UINT8:
      return gguf_get_val_u8(ctx, id);
    case GGUF_TYPE_INT8:
      return gguf_get_val_i8(ctx, id);
    case GGUF_TYPE_UINT16:
      return gguf_get_val_u16(ctx, id);
    case GGUF_TYPE_INT16:
      return gguf_get_val_i16(ctx, id);
    case GGUF_TYPE_UINT32:
      return gguf_get_val_u32(ctx, id);
    case GGUF_TYPE_INT32:
      return gguf_get_val_i32(ctx, id);
    case GGUF_TYPE_UINT64:
      return static_cast<int64_t>(gguf_get_val_u64(ctx, id));
    case GGUF_TYPE_INT64:
      return gguf_get_val_i64(ctx, id);
    default:
      throw Error(fmt::format("GGUF key {} is not an integer", name));
  }
}

int64_t require_int(const gguf_context* ctx, const std::string& name, const std::string& path) {
  auto value = find_int(ctx, name);
  if (!value) throw Error(fmt::format("{}: GGUF key {} is missing", path, name));
  return *value;
}

std::optional<float> find_float(const gguf_context* ctx, const std::string& name) {
  const int64_t id = gguf_find_key(ctx, name.c_str());
  if (id < 0) return std::nullopt;
  switch (gguf_get_kv_type(ctx, id)) {
    case GGUF_TYPE_FLOAT32:
      return gguf_get_val_f32(ctx, id);
    case GGUF_TYPE_FLOAT64:
      return static_cast<float>(gguf_get_val_f64(ctx, id));
    default:
      throw Error(fmt::format("GGUF key {} is not a float", name));
  }
}

std::vector<float> to_f32(const ggml_tensor* t) {
  const int64_t n = ggml_nelements(t);
  std::vector<float> out(static_cast<size_t>(n));
  if (t->type == GGML_TYPE_F32) {
    std::memcpy(out.data(), t->data, out.size() * sizeof(float));
    return out;
  }
  const auto* traits = ggml_get_type_traits(t->type);
  if (traits == nullptr || traits->to_float == nullptr) {
    throw Error(
        fmt::format("tensor {} has type {}, which cannot be converted to F32", t->name, ggml_type_name(t->type)));
  }
  traits->to_float(t->data, out.data(), n);
  return out;
}

std::vector<std::string> required_tensor_names(int64_t n_layer) {
  std::vector<std::string> names{"token_embd.weight", "output_norm.weight"};
  for (int64_t il = 0; il < n_layer; ++il) {
    auto l = layer_tensor_names(il);
    for (auto* n : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_norm, &l.ffn_gate, &l.ffn_up, &l.ffn_down}) {
      names.push_back(*n);
    }
  }
  return names;
}

}  // namespace

LayerTensorNames layer_tensor_names(int64_t layer) {
  auto n = [layer](const char* what) { return fmt::format("blk.{}.{}.weight", layer, what); };
  return {n("attn_norm"), n("attn_q"),   n("attn_k"), n("attn_v"),  n("attn_output"),
          n("ffn_norm"),  n("ffn_gate"), n("ffn_up"), n("ffn_down")};
}

Model::Model(HyperParams hparams, std::vector<Tensor> tensors, std::shared_ptr<gguf_context> metadata)
    : hparams_(hparams), tensors_(std::move(tensors)), metadata_(std::move(metadata)) {
  if (!metadata_) metadata_ = std::shared_ptr<gguf_context>(gguf_init_empty(), GgufFree{});
}

Model Model::load(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw Error(fmt::format("{}: no such model file", path));
  ggml_context* raw_ggml = nullptr;
  gguf_init_params params{/*no_alloc=*/false, /*ctx=*/&raw_ggml};
  GgufPtr gguf(gguf_init_from_file(path.c_str(), params));
  GgmlPtr ggml(raw_ggml);
  if (!gguf) throw Error(fmt::format("{}: not a readable GGUF file", path));

  const int64_t arch_id = gguf_find_key(gguf.get(), "general.architecture");
  if (arch_id < 0 || gguf_get_kv_type(gguf.get(), arch_id) != GGUF_TYPE_STRING) {
    throw Error(fmt::format("{}: GGUF has no general.architecture", path));
  }
  const std::string arch = gguf_get_val_str(gguf.get(), arch_id);
  if (arch != kArch) throw Error(fmt::format("{}: architecture '{}' is not supported (only llama)", path, arch));

  HyperParams hp;
  const auto* g = gguf.get();
  hp.n_embd = require_int(g, key("embedding_length"), path);
  hp.n_layer = require_int(g, key("block_count"), path);
  hp.n_head = require_int(g, key("attention.head_count"), path);
  hp.n_head_kv = find_int(g, key("attention.head_count_kv")).value_or(hp.n_head);
  hp.n_ff = require_int(g, key("feed_forward_length"), path);
  hp.n_ctx = require_int(g, key("context_length"), path);
  hp.n_rot = find_int(g, key("rope.dimension_count")).value_or(hp.n_embd / hp.n_head);
  hp.rope_freq_base = find_float(g, key("rope.freq_base")).value_or(10000.0f);
  hp.rms_eps = find_float(g, key("attention.layer_norm_rms_epsilon")).value_or(1e-5f);
  if (hp.n_head <= 0 || hp.n_head_kv <= 0 || hp.n_embd % hp.n_head != 0 || hp.n_head % hp.n_head_kv != 0) {
    throw Error(fmt::format("{}: inconsistent head counts", path));
  }

  std::vector<Tensor> tensors;
  auto take = [&](const std::string& name) {
    ggml_tensor* t = ggml_get_tensor(ggml.get(), name.c_str());
    if (t == nullptr) throw Error(fmt::format("{}: tensor {} is missing", path, name));
    Tensor out;
    out.name = name;
    for (int d = 0; d < 4; ++d) out.ne[static_cast<size_t>(d)] = t->ne[d];
    out.data = to_f32(t);
    tensors.push_back(std::move(out));
  };
  for (const auto& name : required_tensor_names(hp.n_layer)) take(name);
  if (ggml_get_tensor(ggml.get(), "output.weight") != nullptr) take("output.weight");
  hp.n_vocab = tensors.front().ne[1];

  std::shared_ptr<gguf_context> metadata(gguf_init_empty(), GgufFree{});
  gguf_set_kv(metadata.get(), gguf.get());
  return Model(hp, std::move(tensors), std::move(metadata));
}

bool Model::output_tied() const {
  for (const auto& t : tensors_) {
    if (t.name == "output.weight") return false;
  }
  return true;
}

Tensor& Model::tensor(const std::string& name) {
  for (auto& t : tensors_) {
    if (t.name == name) return t;
  }
  throw Error(fmt::format("model has no tensor {}", name));
}

const Tensor& Model::tensor(const std::string& name) const {
  for (const auto& t : tensors_) {
    if (t.name == name) return t;
  }
  throw Error(fmt::format("model has no tensor {}", name));
}

void Model::save(const std::string& path) const {
  GgufPtr out(gguf_init_empty());
  gguf_set_kv(out.get(), metadata_.get());
  auto* o = out.get();
  gguf_set_val_str(o, "general.architecture", kArch);
  auto set_u32 = [o](const char* suffix, int64_t v) {
    gguf_set_val_u32(o, key(suffix).c_str(), static_cast<uint32_t>(v));
  };
  set_u32("embedding_length", hparams_.n_embd);
  set_u32("block_count", hparams_.n_layer);
  set_u32("attention.head_count", hparams_.n_head);
  set_u32("attention.head_count_kv", hparams_.n_head_kv);
  set_u32("feed_forward_length", hparams_.n_ff);
  set_u32("context_length", hparams_.n_ctx);
  set_u32("rope.dimension_count", hparams_.n_rot);
  set_u32("vocab_size", hparams_.n_vocab);
  gguf_set_val_f32(o, key("rope.freq_base").c_str(), hparams_.rope_freq_base);
  gguf_set_val_f32(o, key("attention.layer_norm_rms_epsilon").c_str(), hparams_.rms_eps);
  gguf_set_val_u32(o, "general.file_type", 0);  // all F32

  ggml_init_params params{ggml_tensor_overhead() * (tensors_.size() + 1), nullptr, /*no_alloc=*/true};
  GgmlPtr ctx(ggml_init(params));
  for (const auto& t : tensors_) {
    ggml_tensor* gt = ggml_new_tensor_4d(ctx.get(), GGML_TYPE_F32, t.ne[0], t.ne[1], t.ne[2], t.ne[3]);
    ggml_set_name(gt, t.name.c_str());
    gt->data = const_cast<float*>(t.data.data());  // only read by gguf_write_to_file
    gguf_add_tensor(o, gt);
  }
  if (!gguf_write_to_file(o, path.c_str(), /*only_meta=*/false))
    throw Error(fmt::format("{}: cannot write GGUF", path));
}

}  // namespace lethe::train
