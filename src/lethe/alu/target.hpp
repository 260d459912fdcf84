// A knowledge target to suppress (a person, an author, an entity) and the file formats that list them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lethe::alu {

struct Target {
  std::string id;                          // unique within an index; files without ids use the name
  std::string name;                        // the canonical name, e.g. "Basil Mahfouz Al-Kuwaiti"
  std::vector<std::string> aliases;        // other names it goes by (pen names, other spellings, other scripts)
  std::optional<std::string> description;  // free text for the pipeline's prompts; never matched

  bool operator==(const Target&) const = default;
};

// Throws Error when the target cannot be indexed: empty id, a name or alias that is empty, invalid UTF-8, or
// without a single letter or digit.
void validate_target(const Target& target);

// Reads targets from a file. Two formats, told apart by the first non-blank character:
// - JSON ('[' or '{'): an array (or {"targets": array}) whose elements are either a name string or an object
//   {"name": string, "id"?: string, "aliases"?: [string], "description"?: string}; unknown fields are errors.
// - Plain text: one target per line, "Name" or "Name | alias | alias"; blank lines and lines starting with '#'
//   are skipped; surrounding whitespace is trimmed; CRLF line ends are accepted.
// Throws Error naming the file and the line (text) or element and field (JSON) for: a missing or unreadable file,
// malformed JSON, a field of the wrong type, an invalid target (see validate_target), a duplicate id, or a file
// with no targets at all.
std::vector<Target> load_targets_file(const std::filesystem::path& path);

}  // namespace lethe::alu
