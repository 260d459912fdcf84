#include "lethe/train/model_init.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <utility>

#include "gguf.h"

namespace lethe::train {
namespace {

// Box-Muller over mt19937_64 so a seed gives the same weights with every standard library.
class Gaussian {
 public:
  explicit Gaussian(uint64_t seed) : engine_(seed) {}
  float operator()(float stddev) {
    constexpr double kTwoPi = 6.283185307179586;
    const double u1 = (static_cast<double>(engine_() >> 11) + 1.0) / 9007199254740993.0;  // (0, 1]
    const double u2 = static_cast<double>(engine_() >> 11) / 9007199254740992.0;
    return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2)) * stddev;
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace

float init_scale(const std::string& tensor_name, int64_t fan_in) {
  if (tensor_name == "token_embd.weight") return 1.0f;
  return static_cast<float>(1.0 / std::sqrt(3.0 * static_cast<double>(fan_in)));
}

void validate_model_config(const ModelConfig& c) {
  if (!(c.init_std >= 0)) throw Error("model config: the initial standard deviation must not be negative");
  if (c.n_layer <= 0 || c.n_embd <= 0 || c.n_head <= 0 || c.n_head_kv <= 0 || c.n_ctx <= 0) {
    throw Error("model config: layers, width, heads and context must be positive");
  }
  if (c.n_embd % c.n_head != 0 || c.n_head % c.n_head_kv != 0 || (c.n_embd / c.n_head) % 2 != 0) {
    throw Error("model config: n_embd must be a multiple of n_head (even head size), n_head of n_head_kv");
  }
}

Model random_model(const ModelConfig& config, int64_t n_vocab) {
  validate_model_config(config);
  if (n_vocab <= 0) throw Error("model config: empty vocabulary");
  HyperParams hp;
  hp.n_embd = config.n_embd;
  hp.n_layer = config.n_layer;
  hp.n_head = config.n_head;
  hp.n_head_kv = config.n_head_kv;
  hp.n_ff = config.n_ff > 0 ? config.n_ff : (8 * config.n_embd / 3 + 31) / 32 * 32;
  hp.n_vocab = n_vocab;
  hp.n_ctx = config.n_ctx;
  hp.n_rot = config.n_embd / config.n_head;
  hp.rope_freq_base = config.rope_freq_base;
  hp.rms_eps = config.rms_eps;

  Gaussian gaussian(config.seed);
  std::vector<Tensor> tensors;
  auto add = [&](const std::string& name, int64_t ne0, int64_t ne1, bool is_norm) {
    Tensor t;
    t.name = name;
    t.ne = {ne0, ne1, 1, 1};
    t.data.resize(static_cast<size_t>(ne0 * ne1));
    const float stddev = config.init_std > 0 ? config.init_std : init_scale(name, ne0);
    for (auto& x : t.data) x = is_norm ? 1.0f : gaussian(stddev);
    tensors.push_back(std::move(t));
  };
  const int64_t kv_width = hp.head_dim() * hp.n_head_kv;
  add("token_embd.weight", hp.n_embd, n_vocab, false);
  add("output_norm.weight", hp.n_embd, 1, true);
  add("output.weight", hp.n_embd, n_vocab, false);
  for (int64_t il = 0; il < hp.n_layer; ++il) {
    const auto n = layer_tensor_names(il);
    add(n.attn_norm, hp.n_embd, 1, true);
    add(n.wq, hp.n_embd, hp.n_embd, false);
    add(n.wk, hp.n_embd, kv_width, false);
    add(n.wv, hp.n_embd, kv_width, false);
    add(n.wo, hp.n_embd, hp.n_embd, false);
    add(n.ffn_norm, hp.n_embd, 1, true);
    add(n.ffn_gate, hp.n_embd, hp.n_ff, false);
    add(n.ffn_up, hp.n_embd, hp.n_ff, false);
    add(n.ffn_down, hp.n_ff, hp.n_embd, false);
  }
  return Model(hp, std::move(tensors), nullptr);
}

Model init_model(const ModelConfig& config, const std::string& vocab_gguf) {
  if (!std::filesystem::is_regular_file(vocab_gguf)) throw Error(fmt::format("{}: no such GGUF file", vocab_gguf));
  gguf_init_params params{/*no_alloc=*/true, /*ctx=*/nullptr};
  std::unique_ptr<gguf_context, decltype(&gguf_free)> source(gguf_init_from_file(vocab_gguf.c_str(), params),
                                                             gguf_free);
  if (!source) throw Error(fmt::format("{}: not a readable GGUF file", vocab_gguf));
  const int64_t tokens_id = gguf_find_key(source.get(), "tokenizer.ggml.tokens");
  if (tokens_id < 0) throw Error(fmt::format("{}: has no tokenizer vocabulary (tokenizer.ggml.tokens)", vocab_gguf));
  const auto n_vocab = static_cast<int64_t>(gguf_get_arr_n(source.get(), tokens_id));

  // Keep general.* and tokenizer.* only; the source architecture's hyper-parameters do not describe the new model.
  std::shared_ptr<gguf_context> metadata(gguf_init_empty(), gguf_free);
  gguf_set_kv(metadata.get(), source.get());
  std::vector<std::string> drop;
  for (int64_t i = 0; i < gguf_get_n_kv(metadata.get()); ++i) {
    const std::string key = gguf_get_key(metadata.get(), i);
    if (key.rfind("general.", 0) != 0 && key.rfind("tokenizer.", 0) != 0) drop.push_back(key);
  }
  for (const auto& key : drop) gguf_remove_key(metadata.get(), key.c_str());

  Model fresh = random_model(config, n_vocab);
  return Model(fresh.hparams(), std::move(fresh.tensors()), std::move(metadata));
}

}  // namespace lethe::train
