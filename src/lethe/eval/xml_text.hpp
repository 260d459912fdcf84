// Text placed inside XML/SVG documents.
#pragma once

#include <string>

namespace lethe::eval {

// `text` with &, <, >, " and ' replaced by their entities, safe in element content and attribute values.
std::string escape_xml(const std::string& text);

}  // namespace lethe::eval
