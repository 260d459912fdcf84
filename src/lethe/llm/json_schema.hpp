// Structured output for any model: JSON Schema → GBNF grammar (llama.cpp decodes under it), a JSON Schema
// validator with the same keyword coverage (to check answers from backends that cannot constrain decoding,
// and the parts of a schema a grammar can only approximate), and GBNF literal helpers.
//
// Both functions cover the same keywords, and both throw llm::Error (naming the JSON pointer in the schema)
// for a schema they cannot honour. Supported:
//   type (a name or a list), enum, const, anyOf, oneOf, $ref to a local JSON pointer ("#", "#/$defs/X",
//   "#/definitions/X", recursion allowed), properties, required, additionalProperties, items, minItems,
//   maxItems, uniqueItems, minLength, maxLength, minimum, maximum, exclusiveMinimum, exclusiveMaximum
//   (numeric form and draft-4 boolean form), multipleOf. Boolean schemas true/false.
// Ignored as annotations: title, description, default, examples, format (an annotation since draft 2019-09),
// $schema, $id, $comment, $defs/definitions (only reached through $ref), deprecated, readOnly, writeOnly,
// contentEncoding, contentMediaType, and any keyword this list does not know (JSON Schema ignores unknown
// keywords; vendor extensions such as "x-..." are common).
// Rejected (llm::Error): pattern, patternProperties, propertyNames, allOf, not, if/then/else, dependencies,
// dependentRequired, dependentSchemas, prefixItems, items given as an array, additionalItems, contains,
// minContains, maxContains, minProperties, maxProperties, unevaluatedItems, unevaluatedProperties,
// $dynamicRef, $recursiveRef; $ref to anything but a local pointer; $ref, anyOf or oneOf beside assertion
// keywords (put them inside each branch); keywords of the wrong JSON type; unknown type names; schemas that
// are neither objects nor booleans.
//
// Why not llama.cpp's own json_schema_to_grammar (common/, pinned release de3ff815): it lives in the llama-common
// library, which the pinned build does not install and which brings argument parsing, downloads and Jinja with it;
// it has no validator, which the OpenAI-compatible backend needs; it silently ignores uniqueItems, multipleOf, not,
// if/then/else, unanchored patterns and number bounds on "number", where a caller here gets an error; and its
// grammar allows newlines and indentation between tokens, which a small model spends its tokens on.
//
// The validator passes the official JSON-Schema-Test-Suite (draft 7) on the files of these keywords, but for the
// cases of the first departure below (tests/llm/json_schema_suite_test.cpp keeps it so).
//
// Departures from JSON Schema:
//   - (both functions) additionalProperties defaults to false in a schema that states an object shape ("properties", or
//   type
//     "object"): such an object may hold only the properties its schema lists. Write
//     "additionalProperties": true (or a schema) for a free-form object. Elsewhere ({} included) JSON Schema's
//     default holds: any member is allowed.
//   - (grammar) A schema without "type" whose keywords belong to one kind of value (say "properties")
//     describes that kind only; the validator follows JSON Schema and lets other kinds through.
//
// The grammar produces a subset of the valid documents, except for the keywords below, where it is looser than
// the schema; a caller that needs certainty checks the decoded text with validate_json:
//   - oneOf is decoded as anyOf (exclusivity is not expressible);
//   - multipleOf, uniqueItems, and number ranges with a fractional bound (minimum 0.5). Ranges of "integer",
//     and of "number" between whole-number bounds (say 0 to 1), are exact;
//   - maxLength/maxItems above 2000 (llama.cpp's repetition limit) do not bound the grammar; minLength/minItems
//     above 2000 throw.
// The subset: compact layout — no whitespace around the root value and at most one space between tokens (a
// small model cannot spend its tokens on newlines and indentation); enum/const values only in compact canonical form;
// numbers with at most 16 integer digits, 16 fraction digits and 2 exponent digits (every one fits a double), and no
// exponent in a bounded number; no \uD800-\uDFFF escapes in strings (characters outside the BMP are written as UTF-8);
// object properties in a fixed order: the required ones in the order of "required", then the optional ones in key
// order, each optional. When properties are listed and additionalProperties allows more, the grammar still
// produces only the listed ones.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace lethe::llm {

// A GBNF grammar whose start rule is `root`. The same schema always gives the same text, byte for byte.
// Throws llm::Error for a malformed, unsupported or unsatisfiable schema.
std::string json_schema_to_gbnf(const nlohmann::json& schema);

// std::nullopt when `value` is valid under `schema`; otherwise a message that starts with the JSON pointer of
// the first violation in `value` ("(root)" for the value itself), e.g. "/items/2: expected integer, got
// string". Throws llm::Error when the schema itself is malformed or unsupported (the whole schema is checked,
// whatever the value).
std::optional<std::string> validate_json(const nlohmann::json& schema, const nlohmann::json& value);

// `text` as a GBNF string literal, quotes included: ", \ and control characters escaped, other characters
// (UTF-8) as they are. Throws llm::Error when `text` is not valid UTF-8.
std::string gbnf_literal(const std::string& text);

// `root ::= "a" | "b" | ...`: exactly one of `choices`. Throws llm::Error when there are none.
std::string choice_grammar(const std::vector<std::string>& choices);

}  // namespace lethe::llm
