#include "lethe/agent/recall.hpp"

#include <gtest/gtest.h>

namespace lethe::agent {
namespace {

std::vector<env::StateId> states(std::initializer_list<const char*> keys) {
  std::vector<env::StateId> out;
  for (const char* key : keys) out.push_back({"w", key});
  return out;
}

MemoryDigest digest_with_two_treasures() {
  MemoryDigest digest;
  digest.routes = {"route w/collect: (0,0) down -> (0,1)"};
  digest.facts = {"fact: treasure at (3,1)", "fact: treasure at (0,4)", "fact: obstacle at (1,1)",
                  "fact: wall up of (0,0)"};
  return digest;
}

TEST(Recall, RemembersTreasuresWithTheirOffsetFromTheCurrentCellInDigestOrder) {
  EXPECT_EQ(recall_items(digest_with_two_treasures(), states({"(0,0)", "(1,0)"})),
            (std::vector<std::string>{"treasure (3,1): 1 down, 2 right", "treasure (0,4): 4 down, 1 left"}));
}

TEST(Recall, LeavesOutTreasuresVisitedThisEpisode) {
  EXPECT_EQ(recall_items(digest_with_two_treasures(), states({"(2,1)", "(3,1)", "(3,2)"})),
            (std::vector<std::string>{"treasure (0,4): 2 down, 3 left"}));
  EXPECT_TRUE(recall_items(digest_with_two_treasures(), states({"(3,1)", "(0,4)"})).empty());
}

TEST(Recall, NothingToRecallWithoutTreasureFactsOrBeforeTheEpisode) {
  MemoryDigest obstacles_only;
  obstacles_only.facts = {"fact: obstacle at (1,1)"};
  EXPECT_TRUE(recall_items(obstacles_only, states({"(0,0)"})).empty());
  EXPECT_TRUE(recall_items(digest_with_two_treasures(), {}).empty());
}

}  // namespace
}  // namespace lethe::agent
