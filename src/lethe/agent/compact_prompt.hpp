// The compact prompt format, for small models trained here (the micro agent) on a vocabulary in which each of
// its words is one token (eval/micro_agent_vocabulary.hpp). The text format (prompt_builder.hpp) says the same
// things in sentences that a general LLM reads; a 0.2M-parameter model learns to read a constraint only when the
// prompt is a few dozen tokens long (see the recall probe in the README). One line, words separated by spaces:
//
//   goto 55 mem t 23 o 34 rules avoid 22 at 12 u 11 d 13 x l 02 r w goal d 4 r 1 recall none :
//
//  - the task: "goto <goal cell>" or "collect";
//  - "mem": memory facts ("t 23" treasure, "o 34" obstacle, "w 03 l" a wall left of 03) and routes
//    ("route 11 r r d 32"); reflections are free text and are left out; "mem none" when empty;
//  - "rules": the unlearning constraints, verbatim (the methods write them in this format, see
//    unlearn/compact_constraints.hpp), joined by " ;"; "rules none" when there are none;
//  - the observation: "at <cell>", then each neighbour as "<u|d|l|r> <cell>" followed by "x" for an obstacle or
//    "t" for a treasure, or "<u|d|l|r> w" for a wall; "see ..." for what else is in view; "goal <offset>" or
//    "got <k> of <n>";
//  - "recall": the remembered treasures not visited yet, "t <cell> <offset>" each; "recall none" when empty;
//  - " :", after which the model answers " up", " down", " left" or " right".
// A cell is written as its two digits "<x><y>", so the format covers grids up to 10x10; an offset is
// "<u|d> <n> <l|r> <n>" (zero parts left out) or "here".
#pragma once

#include <string>
#include <string_view>

#include "lethe/agent/prompt_builder.hpp"
#include "lethe/env/grid_geometry.hpp"

namespace lethe::agent {

// "34" for (3,4); throws env::Error for a coordinate outside 0..9.
std::string compact_cell(env::Cell cell);
// compact_cell of a cell key "(3,4)"; throws env::Error for anything else.
std::string compact_cell(std::string_view cell_key);
// "u", "d", "l", "r" for "up", "down", "left", "right"; throws env::Error otherwise.
std::string compact_move(std::string_view move);

// The compact prompt of the same inputs build_prompt renders as text. The observation must be a GridWorld
// observation text and memory lines those of digest_memory; throws env::Error otherwise.
std::string build_compact_prompt(const PromptInputs& inputs);

}  // namespace lethe::agent
