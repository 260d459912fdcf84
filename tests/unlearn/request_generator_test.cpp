#include "lethe/unlearn/request_generator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "lethe/env/grid_generator.hpp"
#include "lethe/unlearn/verifier.hpp"

namespace lethe::unlearn {
namespace {

std::vector<env::GridLayout> layouts() {
  std::vector<env::GridLayout> out;
  for (std::uint64_t seed = 1; seed <= 2; ++seed) {
    env::GeneratorOptions options;
    options.width = 6;
    options.height = 6;
    options.treasures = 2;
    options.seed = seed;
    out.push_back(env::generate_layout(options));
  }
  return out;
}

std::string kind_of(const std::string& template_id) { return template_id.substr(0, template_id.find('/')); }

TEST(RequestGenerator, HeldOutTemplatesAreDisjointFromTrainingOnesAndCoverEveryScenario) {
  const RequestGenerator generator(layouts());
  const auto train = generator.template_ids(TemplateSplit::train);
  const auto held = generator.template_ids(TemplateSplit::held_out);
  std::vector<std::string> common;
  std::set_intersection(train.begin(), train.end(), held.begin(), held.end(), std::back_inserter(common));
  EXPECT_TRUE(common.empty()) << common.front();
  EXPECT_EQ(train.size() + held.size(), 26u);
  for (const std::string kind : {"state", "trajectory", "environment", "several"}) {
    EXPECT_TRUE(std::any_of(train.begin(), train.end(), [&](const auto& id) { return kind_of(id) == kind; })) << kind;
    EXPECT_TRUE(std::any_of(held.begin(), held.end(), [&](const auto& id) { return kind_of(id) == kind; })) << kind;
  }
}

TEST(RequestGenerator, RequestsUseOnlyTheirSplitsTemplates) {
  const RequestGenerator generator(layouts(), RequestGeneratorOptions{7});
  for (const auto split : {TemplateSplit::train, TemplateSplit::held_out}) {
    const auto ids = generator.template_ids(split);
    for (const auto& request : generator.requests(split, 40)) {
      EXPECT_TRUE(std::binary_search(ids.begin(), ids.end(), request.template_id))
          << to_string(split) << ": " << request.template_id;
    }
  }
}

TEST(RequestGenerator, TheSplitDependsOnlyOnTheSplitSeed) {
  const RequestGenerator a(layouts(), RequestGeneratorOptions{1, 0});
  const RequestGenerator b(layouts(), RequestGeneratorOptions{99, 0});
  EXPECT_EQ(a.template_ids(TemplateSplit::held_out), b.template_ids(TemplateSplit::held_out));
  bool differs = false;
  for (std::uint64_t split_seed = 1; split_seed <= 5 && !differs; ++split_seed) {
    const RequestGenerator c(layouts(), RequestGeneratorOptions{1, split_seed});
    differs = c.template_ids(TemplateSplit::held_out) != a.template_ids(TemplateSplit::held_out);
  }
  EXPECT_TRUE(differs);
}

TEST(RequestGenerator, IsDeterministicAndVariesWithTheSeed) {
  const RequestGenerator a(layouts(), RequestGeneratorOptions{3});
  const RequestGenerator again(layouts(), RequestGeneratorOptions{3});
  const RequestGenerator other(layouts(), RequestGeneratorOptions{4});
  std::size_t different = 0;
  for (std::uint64_t i = 0; i < 12; ++i) {
    const auto first = a.generate(TemplateSplit::train, i);
    const auto second = again.generate(TemplateSplit::train, i);
    EXPECT_EQ(first.text, second.text);
    EXPECT_EQ(first.targets, second.targets);
    different += other.generate(TemplateSplit::train, i).text != first.text ? 1 : 0;
  }
  EXPECT_GT(different, 6u);
}

TEST(RequestGenerator, CoversTheScenariosWithTargetsThatMatter) {
  const RequestGenerator generator(layouts(), RequestGeneratorOptions{5});
  const auto requests = generator.requests(TemplateSplit::train, 24);
  std::set<RequestKind> kinds;
  for (const auto& request : requests) {
    kinds.insert(request.kind);
    ASSERT_FALSE(request.targets.empty());
    EXPECT_EQ(request.text.find('{'), std::string::npos) << request.text;
    EXPECT_NE(request.text.find(request.environment), std::string::npos) << request.text;
    const auto& layout = generator.layout_of(request);
    for (const auto& target : request.targets) {
      EXPECT_EQ(target.text, request.text);
      EXPECT_EQ(target.environment, request.environment);
      EXPECT_NO_THROW(validate(target, layout));
      EXPECT_FALSE(unlearning_tasks(target, layout, 1).empty()) << target.describe() << " in " << request.text;
    }
    switch (request.kind) {
      case RequestKind::state:
        EXPECT_EQ(request.targets.size(), 1u);
        EXPECT_EQ(request.targets[0].scenario, Scenario::state);
        break;
      case RequestKind::several_states:
        EXPECT_GE(request.targets.size(), 2u);
        break;
      case RequestKind::trajectory:
        EXPECT_EQ(request.targets[0].scenario, Scenario::trajectory);
        EXPECT_GE(request.targets[0].states.size(), 2u);
        break;
      case RequestKind::environment:
        EXPECT_EQ(request.targets[0].scenario, Scenario::environment);
        break;
    }
  }
  EXPECT_EQ(kinds.size(), 4u);
}

TEST(RequestGenerator, DescribesPlacesIndirectly) {
  // S . . .
  // . # T .
  // . . . .
  const auto house = env::layout_from_json({{"id", "house"}, {"rows", {"S...", ".#T.", "...."}}}, "test");
  EXPECT_EQ(indirect_place(house, {3, 2}, 0), "the cell 3 steps right and 2 steps down of the start (0,0)");
  EXPECT_EQ(indirect_place(house, {1, 0}, 3), "the cell 1 step right of the start (0,0)");
  EXPECT_EQ(indirect_place(house, {3, 2}, 1), "the cell in column 3 of row 2");
  EXPECT_EQ(indirect_place(house, {3, 1}, 2), "the cell just right of the treasure at (2,1)");
  EXPECT_EQ(indirect_place(house, {2, 2}, 2), "the cell just below the treasure at (2,1)");
}

TEST(RequestGenerator, RejectsUnusableInput) {
  EXPECT_THROW(RequestGenerator({}), Error);
  const auto corridor = env::layout_from_json({{"id", "corridor"}, {"rows", {"S.."}}}, "test");
  EXPECT_THROW(RequestGenerator({corridor}), Error);  // no route can avoid anything
  EXPECT_THROW(RequestGenerator(layouts(), RequestGeneratorOptions{0, 0, 1.0}), Error);
}

}  // namespace
}  // namespace lethe::unlearn
