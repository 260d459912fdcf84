// The unlearning prompts in the compact format the small models trained here read (agent/compact_prompt.hpp):
// the same constraints the methods write as text, a few words long, each cell one token ("22" for (2,2)).
//
//  - NL phrasings of a request, the wordings a conversion model writes for a compact agent: a state as "avoid 22",
//    "never enter 22" or "forget 22"; a trajectory as "avoid 12 then 22" or "never enter 12 then 22"; an
//    environment as "forget map" or "forget new map". Each phrasing uses words the others use too, in its own order: a
//    model that learned its words from these prompts can read a phrasing it never saw only if it knows the words
//    (the micro agent holds one phrasing of each scenario out of training).
//  - Code: "if next = 22 : no"; "if last 12 and next = 22 : no"; "if map : reset".
//  - Example: one demonstration, the cells of the direct route and of the route that avoids the target:
//    "eg bad 11 21 22 32 ok 11 12 13 23 33 32".
//  - A forgotten environment, for the hard and example methods: "new map".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lethe/env/grid_layout.hpp"
#include "lethe/unlearn/request.hpp"

namespace lethe::unlearn {

// How many compact NL phrasings a scenario has; compact_request_text takes variant modulo this.
std::size_t compact_phrasings(Scenario scenario);
std::string compact_request_text(const Request& request, std::uint64_t variant = 0);

std::string compact_code_line(const Request& request);

// Up to `examples` demonstrations on `layout` (state and trajectory requests), else one line that names the
// target; "new map" for an environment.
std::vector<std::string> compact_example_lines(const Request& request, const env::GridLayout& layout,
                                               std::size_t examples);

std::string compact_new_environment_line();

}  // namespace lethe::unlearn
