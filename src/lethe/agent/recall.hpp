// What the agent's memory says about where it stands now: the remembered treasures it has not been to in this
// episode, each with its offset from the current cell ("treasure (1,3): 2 up, 3 left"), in digest order. The
// prompt shows these next to the observation, so a policy can act on memory without doing coordinate arithmetic
// on the Memory section; erasing a fact removes its recall item too.
#pragma once

#include <string>
#include <vector>

#include "lethe/agent/prompt_builder.hpp"
#include "lethe/env/grid_geometry.hpp"
#include "lethe/env/state_id.hpp"

namespace lethe::agent {

// The cells of the digest's "fact: treasure at (x,y)" lines, in digest order.
std::vector<env::Cell> remembered_treasures(const MemoryDigest& digest);

// `episode_states`: the states of the episode so far, the current one last (empty: nothing to recall).
std::vector<std::string> recall_items(const MemoryDigest& digest, const std::vector<env::StateId>& episode_states);

}  // namespace lethe::agent
