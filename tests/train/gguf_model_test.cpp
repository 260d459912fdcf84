#include "lethe/train/gguf_model.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "gguf.h"
#include "lethe/train/llama_graph.hpp"
#include "lethe/train/model_init.hpp"
#include "lethe_test/paths.hpp"
#include "llama_cpp_reference.hpp"

namespace lethe::train {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::string& path) {
  try {
    Model::load(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(GgufModel, LoadsStoriesHyperParametersAndTensors) {
  const Model model = Model::load(test::stories_model());
  const auto& hp = model.hparams();
  EXPECT_EQ(hp.n_vocab, 512);
  EXPECT_GT(hp.n_layer, 0);
  EXPECT_EQ(hp.n_embd % hp.n_head, 0);
  EXPECT_EQ(model.tensor("token_embd.weight").elements(), hp.n_embd * hp.n_vocab);
  EXPECT_EQ(model.tensor(layer_tensor_names(hp.n_layer - 1).ffn_down).ne[0], hp.n_ff);
}

TEST(GgufModel, RejectsFileThatIsNotGguf) {
  const auto path = test::scratch_dir("gguf_not_gguf") / "model.gguf";
  std::ofstream(path) << "definitely not a gguf file\n";
  EXPECT_THAT(error_of(path.string()), HasSubstr("not a readable GGUF"));
  EXPECT_THAT(error_of((path.parent_path() / "absent.gguf").string()), HasSubstr("no such model file"));
}

TEST(GgufModel, RejectsNonLlamaArchitecture) {
  const auto path = (test::scratch_dir("gguf_arch") / "gpt2.gguf").string();
  std::unique_ptr<gguf_context, decltype(&gguf_free)> ctx(gguf_init_empty(), gguf_free);
  gguf_set_val_str(ctx.get(), "general.architecture", "gpt2");
  ASSERT_TRUE(gguf_write_to_file(ctx.get(), path.c_str(), false));
  EXPECT_THAT(error_of(path), HasSubstr("architecture 'gpt2' is not supported"));
}

TEST(GgufModel, NamesMissingTensor) {
  ModelConfig config;
  config.n_embd = 16;
  Model model = random_model(config, 32);
  auto& tensors = model.tensors();
  tensors.erase(
      std::remove_if(tensors.begin(), tensors.end(), [](const Tensor& t) { return t.name == "blk.1.ffn_up.weight"; }),
      tensors.end());
  const auto path = (test::scratch_dir("gguf_missing") / "model.gguf").string();
  model.save(path);
  EXPECT_THAT(error_of(path), HasSubstr("tensor blk.1.ffn_up.weight is missing"));
}

TEST(GgufModel, SaveKeepsMetadataAndReloadsInLlamaCpp) {
  const Model model = Model::load(test::stories_model());
  const auto path = (test::scratch_dir("gguf_roundtrip") / "copy.gguf").string();
  model.save(path);
  const Model copy = Model::load(path);
  ASSERT_EQ(copy.tensors().size(), model.tensors().size());
  for (size_t i = 0; i < model.tensors().size(); ++i) EXPECT_EQ(copy.tensors()[i].data, model.tensors()[i].data);
  for (int64_t i = 0; i < gguf_get_n_kv(model.metadata()); ++i) {
    const char* key = gguf_get_key(model.metadata(), i);
    const int64_t id = gguf_find_key(copy.metadata(), key);
    ASSERT_GE(id, 0) << key;
    EXPECT_EQ(gguf_get_kv_type(copy.metadata(), id), gguf_get_kv_type(model.metadata(), i)) << key;
  }
  const int64_t tokens_id = gguf_find_key(copy.metadata(), "tokenizer.ggml.tokens");
  ASSERT_GE(tokens_id, 0);
  EXPECT_EQ(gguf_get_arr_n(copy.metadata(), tokens_id), 512u);
  const std::vector<int32_t> tokens{1, 70, 200, 31, 5, 400};
  EXPECT_LE(max_abs_diff(llama_cpp_logits(path, tokens), compute_logits(model, tokens)), 1e-4f);
}

}  // namespace
}  // namespace lethe::train
