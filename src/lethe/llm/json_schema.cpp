#include "lethe/llm/json_schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "lethe/llm/llm.hpp"

namespace lethe::llm {

namespace {

using nlohmann::json;

// llama.cpp refuses a repetition count above this and silently unbounds a larger maximum.
constexpr std::uint64_t kRepetitionLimit = 2000;
constexpr int kMaxSchemaDepth = 512;
constexpr int kMaxValueDepth = 256;  // recursion per level is deep; keep well inside an 8 MiB stack under ASan

const std::vector<std::string> kTypeNames = {"object", "array", "string", "number", "integer", "boolean", "null"};

// clang-format off
const std::set<std::string> kUnsupportedKeywords = {
    "pattern", "patternProperties", "propertyNames", "allOf", "not", "if", "then", "else", "dependencies",
    "dependentRequired", "dependentSchemas", "prefixItems", "additionalItems", "contains", "minContains",
    "maxContains", "minProperties", "maxProperties", "unevaluatedItems", "unevaluatedProperties", "$dynamicRef",
    "$recursiveRef"};

// Keywords that constrain values; annotations and unknown keywords may stand anywhere, these may not stand
// beside $ref, anyOf or oneOf.
const std::set<std::string> kAssertionKeywords = {
    "type", "enum", "const", "anyOf", "oneOf", "$ref", "properties", "required", "additionalProperties", "items",
    "minItems", "maxItems", "uniqueItems", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf"};
// clang-format on

// ---------------------------------------------------------------------------------------------------------
// Pointers and messages

std::string escape_pointer_token(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string child(const std::string& pointer, const std::string& token) {
  return pointer + "/" + escape_pointer_token(token);
}

std::string child(const std::string& pointer, std::size_t index) { return pointer + "/" + std::to_string(index); }

std::string where(const std::string& pointer) { return pointer.empty() ? "(root)" : pointer; }

[[noreturn]] void schema_error(const std::string& pointer, const std::string& what) {
  throw Error("JSON schema at " + where(pointer) + ": " + what);
}

std::string kind_of(const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    case json::value_t::null:
      return "null";
    default:
      return "unknown";
  }
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Numbers: exact for integers of either sign, IEEE double for the rest

struct ExactInteger {
  bool negative = false;
  std::uint64_t magnitude = 0;
};

std::optional<ExactInteger> exact_integer(const json& number) {
  if (number.is_number_unsigned()) return ExactInteger{false, number.get<std::uint64_t>()};
  if (number.is_number_integer()) {
    const auto v = number.get<std::int64_t>();
    if (v >= 0) return ExactInteger{false, static_cast<std::uint64_t>(v)};
    return ExactInteger{true, static_cast<std::uint64_t>(-(v + 1)) + 1};
  }
  return std::nullopt;
}

int compare_numbers(const json& a, const json& b) {
  const auto x = exact_integer(a);
  const auto y = exact_integer(b);
  if (x && y) {
    if (x->negative != y->negative) return x->negative ? -1 : 1;
    if (x->magnitude == y->magnitude) return 0;
    const bool x_smaller_magnitude = x->magnitude < y->magnitude;
    return (x_smaller_magnitude != x->negative) ? -1 : 1;
  }
  const double dx = a.get<double>();
  const double dy = b.get<double>();
  return dx < dy ? -1 : (dx > dy ? 1 : 0);
}

bool is_integral(const json& value) {
  if (value.is_number_integer()) return true;  // also true for unsigned
  if (!value.is_number_float()) return false;
  const double d = value.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

bool is_multiple_of(const json& value, const json& divisor) {
  const auto v = exact_integer(value);
  const auto m = exact_integer(divisor);
  if (v && m && m->magnitude != 0) return v->magnitude % m->magnitude == 0;
  const double quotient = value.get<double>() / divisor.get<double>();
  if (!std::isfinite(quotient)) return false;
  return std::fabs(quotient - std::round(quotient)) <= 1e-9 * std::max(1.0, std::fabs(quotient));
}

std::size_t code_points(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool is_valid_utf8(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code = lead & 0x1Fu;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code = lead & 0x0Fu;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code = lead & 0x07u;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3Fu);
    }
    const std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Reading one schema: every keyword checked for shape, the supported ones gathered

struct Bound {
  const json* limit = nullptr;  // a number
  bool exclusive = false;
};

struct SchemaNode {
  bool is_boolean = false;
  bool boolean_value = true;
  std::vector<std::string> types;  // empty when "type" is absent
  const json* enum_values = nullptr;
  const json* const_value = nullptr;
  const json* any_of = nullptr;
  const json* one_of = nullptr;
  const std::string* ref = nullptr;
  const json* properties = nullptr;
  std::vector<std::string> required;
  const json* additional = nullptr;
  // Whether members beyond `properties` may appear, and their schema (nullptr: any value). Lethe's default:
  // not in a schema that states an object shape ("properties" or type "object"), as JSON Schema elsewhere.
  bool additional_allowed = true;
  const json* additional_schema = nullptr;
  const json* items = nullptr;
  std::optional<std::uint64_t> min_items, max_items, min_length, max_length;
  bool unique_items = false;
  std::vector<Bound> lower, upper;
  const json* multiple_of = nullptr;
};

std::uint64_t read_count(const json& schema, const std::string& keyword, const std::string& pointer) {
  const json& v = schema.at(keyword);
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(v.get<std::int64_t>());
  if (v.is_number_float() && is_integral(v) && v.get<double>() >= 0 && v.get<double>() < 1.8e19) {
    return static_cast<std::uint64_t>(v.get<double>());
  }
  schema_error(child(pointer, keyword), "must be a non-negative integer, got " + v.dump());
}

const json& read_schema_array(const json& schema, const std::string& keyword, const std::string& pointer) {
  const json& v = schema.at(keyword);
  if (!v.is_array() || v.empty()) schema_error(child(pointer, keyword), "must be a non-empty array of schemas");
  return v;
}

void read_bounds(const json& schema, const std::string& pointer, const std::string& inclusive_keyword,
                 const std::string& exclusive_keyword, std::vector<Bound>& bounds) {
  bool exclusive_flag = false;
  if (schema.contains(exclusive_keyword)) {
    const json& v = schema.at(exclusive_keyword);
    if (v.is_boolean()) {  // draft 4: modifies the inclusive keyword
      if (v.get<bool>() && !schema.contains(inclusive_keyword)) {
        schema_error(child(pointer, exclusive_keyword), "true needs \"" + inclusive_keyword + "\" beside it");
      }
      exclusive_flag = v.get<bool>();
    } else if (v.is_number()) {
      bounds.push_back({&v, true});
    } else {
      schema_error(child(pointer, exclusive_keyword), "must be a number, got " + kind_of(v));
    }
  }
  if (schema.contains(inclusive_keyword)) {
    const json& v = schema.at(inclusive_keyword);
    if (!v.is_number()) schema_error(child(pointer, inclusive_keyword), "must be a number, got " + kind_of(v));
    bounds.push_back({&v, exclusive_flag});
  }
}

SchemaNode read_node(const json& schema, const std::string& pointer) {
  SchemaNode node;
  if (schema.is_boolean()) {
    node.is_boolean = true;
    node.boolean_value = schema.get<bool>();
    return node;
  }
  if (!schema.is_object()) schema_error(pointer, "a schema must be an object or a boolean, got " + kind_of(schema));

  for (const auto& [keyword, value] : schema.items()) {
    if (kUnsupportedKeywords.count(keyword)) schema_error(child(pointer, keyword), "keyword is not supported");
  }

  if (schema.contains("type")) {
    const json& type = schema.at("type");
    std::vector<json> names;
    if (type.is_string()) {
      names.push_back(type);
    } else if (type.is_array() && !type.empty()) {
      names.assign(type.begin(), type.end());
    } else {
      schema_error(child(pointer, "type"), "must be a type name or a non-empty array of them");
    }
    for (const json& name : names) {
      if (!name.is_string() ||
          std::find(kTypeNames.begin(), kTypeNames.end(), name.get<std::string>()) == kTypeNames.end()) {
        schema_error(child(pointer, "type"), "unknown type " + name.dump() +
                                                 " (expected object, array, string, number, integer, boolean or null)");
      }
      if (std::find(node.types.begin(), node.types.end(), name.get<std::string>()) == node.types.end()) {
        node.types.push_back(name.get<std::string>());
      }
    }
  }
  if (schema.contains("enum")) {
    node.enum_values = &schema.at("enum");
    if (!node.enum_values->is_array()) schema_error(child(pointer, "enum"), "must be an array");
  }
  if (schema.contains("const")) node.const_value = &schema.at("const");
  if (schema.contains("anyOf")) node.any_of = &read_schema_array(schema, "anyOf", pointer);
  if (schema.contains("oneOf")) node.one_of = &read_schema_array(schema, "oneOf", pointer);
  if (schema.contains("$ref")) {
    const json& ref = schema.at("$ref");
    if (!ref.is_string()) schema_error(child(pointer, "$ref"), "must be a string");
    node.ref = &ref.get_ref<const std::string&>();
  }
  for (const char* combinator : {"$ref", "anyOf", "oneOf"}) {
    if (!schema.contains(combinator)) continue;
    for (const auto& [keyword, value] : schema.items()) {
      if (keyword != combinator && kAssertionKeywords.count(keyword)) {
        schema_error(pointer, std::string("keywords beside \"") + combinator + "\" are not supported (found \"" +
                                  keyword + "\"); move them into the referenced schema or into each branch");
      }
    }
  }

  if (schema.contains("properties")) {
    node.properties = &schema.at("properties");
    if (!node.properties->is_object()) schema_error(child(pointer, "properties"), "must be an object");
  }
  if (schema.contains("required")) {
    const json& required = schema.at("required");
    if (!required.is_array()) schema_error(child(pointer, "required"), "must be an array of property names");
    for (const json& name : required) {
      if (!name.is_string()) schema_error(child(pointer, "required"), "must be an array of property names");
      if (std::find(node.required.begin(), node.required.end(), name.get<std::string>()) == node.required.end()) {
        node.required.push_back(name.get<std::string>());
      }
    }
  }
  if (schema.contains("additionalProperties")) {
    node.additional = &schema.at("additionalProperties");
    if (!node.additional->is_boolean() && !node.additional->is_object()) {
      schema_error(child(pointer, "additionalProperties"), "must be a boolean or a schema");
    }
  }
  if (node.additional) {
    node.additional_allowed = node.additional->is_object() || node.additional->get<bool>();
    if (node.additional->is_object()) node.additional_schema = node.additional;
  } else {
    const bool object_shape =
        node.properties || std::find(node.types.begin(), node.types.end(), "object") != node.types.end();
    node.additional_allowed = !object_shape;
  }
  if (schema.contains("items")) {
    node.items = &schema.at("items");
    if (node.items->is_array()) {
      schema_error(child(pointer, "items"), "items as an array (tuple form) is not supported");
    }
    if (!node.items->is_boolean() && !node.items->is_object()) {
      schema_error(child(pointer, "items"), "must be a schema");
    }
  }
  if (schema.contains("minItems")) node.min_items = read_count(schema, "minItems", pointer);
  if (schema.contains("maxItems")) node.max_items = read_count(schema, "maxItems", pointer);
  if (schema.contains("minLength")) node.min_length = read_count(schema, "minLength", pointer);
  if (schema.contains("maxLength")) node.max_length = read_count(schema, "maxLength", pointer);
  if (schema.contains("uniqueItems")) {
    const json& unique = schema.at("uniqueItems");
    if (!unique.is_boolean()) schema_error(child(pointer, "uniqueItems"), "must be a boolean");
    node.unique_items = unique.get<bool>();
  }
  read_bounds(schema, pointer, "minimum", "exclusiveMinimum", node.lower);
  read_bounds(schema, pointer, "maximum", "exclusiveMaximum", node.upper);
  if (schema.contains("multipleOf")) {
    node.multiple_of = &schema.at("multipleOf");
    if (!node.multiple_of->is_number() || node.multiple_of->get<double>() <= 0) {
      schema_error(child(pointer, "multipleOf"), "must be a number greater than 0");
    }
  }
  return node;
}

std::string percent_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

struct ResolvedRef {
  const json* schema = nullptr;
  std::string pointer;  // canonical JSON pointer of the target in the root document
};

ResolvedRef resolve_ref(const json& root, const std::string& ref, const std::string& pointer) {
  const std::string at = child(pointer, "$ref");
  if (ref.empty() || ref[0] != '#') {
    schema_error(at, "only local references (\"#\", \"#/$defs/Name\", ...) are supported, got \"" + ref + "\"");
  }
  const std::string fragment = percent_decode(ref.substr(1));
  if (fragment.empty()) return {&root, ""};
  if (fragment[0] != '/') schema_error(at, "anchors (\"" + ref + "\") are not supported, use a JSON pointer");
  try {
    const json::json_pointer target(fragment);
    if (!root.contains(target)) schema_error(at, "\"" + ref + "\" points to nothing in this schema");
    return {&root.at(target), target.to_string()};
  } catch (const json::exception&) {
    schema_error(at, "\"" + ref + "\" is not a valid JSON pointer into this schema");
  }
}

// ---------------------------------------------------------------------------------------------------------
// Whole-schema check: every reachable subschema read once; no cycle of $ref/anyOf/oneOf that never descends
// into a property or an item (it would describe no finite value and recurse forever).

class SchemaChecker {
 public:
  explicit SchemaChecker(const json& root) : root_(root) {}

  void run() {
    visit(root_, "", 0);
    for (const auto& [pointer, edges] : same_value_edges_) find_cycle(pointer);
  }

 private:
  void visit(const json& schema, const std::string& pointer, int depth) {
    if (!visited_.insert(pointer).second) return;
    if (depth > kMaxSchemaDepth) schema_error(pointer, "schemas nested deeper than 512 levels are not supported");
    const SchemaNode node = read_node(schema, pointer);
    if (node.is_boolean) return;
    auto& edges = same_value_edges_[pointer];
    if (node.ref) {
      const ResolvedRef target = resolve_ref(root_, *node.ref, pointer);
      edges.push_back(target.pointer);
      visit(*target.schema, target.pointer, depth + 1);
    }
    for (const auto& [keyword, branches] : {std::pair{"anyOf", node.any_of}, std::pair{"oneOf", node.one_of}}) {
      if (!branches) continue;
      for (std::size_t i = 0; i < branches->size(); ++i) {
        const std::string branch_pointer = child(child(pointer, keyword), i);
        edges.push_back(branch_pointer);
        visit(branches->at(i), branch_pointer, depth + 1);
      }
    }
    if (node.properties) {
      for (const auto& [name, property] : node.properties->items()) {
        visit(property, child(child(pointer, "properties"), name), depth + 1);
      }
    }
    if (node.additional) visit(*node.additional, child(pointer, "additionalProperties"), depth + 1);
    if (node.items) visit(*node.items, child(pointer, "items"), depth + 1);
  }

  void find_cycle(const std::string& pointer) {
    if (finished_.count(pointer)) return;
    if (!on_path_.insert(pointer).second) {
      schema_error(pointer,
                   "cycle of $ref/anyOf/oneOf that never enters a property or an item "
                   "(it describes no finite value)");
    }
    const auto edges = same_value_edges_.find(pointer);
    if (edges != same_value_edges_.end()) {
      for (const std::string& next : edges->second) find_cycle(next);
    }
    on_path_.erase(pointer);
    finished_.insert(pointer);
  }

  const json& root_;
  std::set<std::string> visited_;
  std::map<std::string, std::vector<std::string>> same_value_edges_;
  std::set<std::string> on_path_;
  std::set<std::string> finished_;
};

// ---------------------------------------------------------------------------------------------------------
// Validation

class Validator {
 public:
  explicit Validator(const json& root) : root_(root) {}

  std::optional<std::string> check(const json& schema, const std::string& schema_pointer, const json& value,
                                   const std::string& value_pointer, int depth) {
    if (depth > kMaxValueDepth) {
      return where(value_pointer) + ": nested deeper than the validator follows (" + std::to_string(kMaxValueDepth) +
             ")";
    }
    const SchemaNode node = read_node(schema, schema_pointer);
    if (node.is_boolean) {
      if (node.boolean_value) return std::nullopt;
      return where(value_pointer) + ": no value is allowed here (schema false at " + where(schema_pointer) + ")";
    }
    if (node.ref) {
      const ResolvedRef target = resolve(*node.ref, schema_pointer);
      return check(*target.schema, target.pointer, value, value_pointer, depth + 1);
    }
    if (!node.types.empty() && !has_any_type(value, node.types)) {
      const std::string expected = node.types.size() == 1 ? node.types.front() : "one of " + join(node.types, ", ");
      return where(value_pointer) + ": expected " + expected + ", got " + kind_of(value);
    }
    if (node.enum_values &&
        std::find(node.enum_values->begin(), node.enum_values->end(), value) == node.enum_values->end()) {
      return where(value_pointer) + ": not one of the " + std::to_string(node.enum_values->size()) +
             " values of the enum";
    }
    if (node.const_value && value != *node.const_value) {
      return where(value_pointer) + ": does not equal the const value";
    }
    if (node.any_of) {
      if (auto problem = check_any_of(*node.any_of, child(schema_pointer, "anyOf"), value, value_pointer, depth)) {
        return problem;
      }
    }
    if (node.one_of) {
      if (auto problem = check_one_of(*node.one_of, child(schema_pointer, "oneOf"), value, value_pointer, depth)) {
        return problem;
      }
    }
    if (value.is_object()) return check_object(node, schema_pointer, value, value_pointer, depth);
    if (value.is_array()) return check_array(node, schema_pointer, value, value_pointer, depth);
    if (value.is_string()) return check_string(node, value, value_pointer);
    if (value.is_number()) return check_number(node, value, value_pointer);
    return std::nullopt;
  }

 private:
  static bool has_type(const json& value, const std::string& type) {
    if (type == "object") return value.is_object();
    if (type == "array") return value.is_array();
    if (type == "string") return value.is_string();
    if (type == "number") return value.is_number();
    if (type == "integer") return is_integral(value);
    if (type == "boolean") return value.is_boolean();
    return value.is_null();
  }

  static bool has_any_type(const json& value, const std::vector<std::string>& types) {
    return std::any_of(types.begin(), types.end(), [&](const std::string& t) { return has_type(value, t); });
  }

  const ResolvedRef& resolve(const std::string& ref, const std::string& schema_pointer) {
    const std::string key = schema_pointer + "\n" + ref;
    auto found = refs_.find(key);
    if (found == refs_.end()) found = refs_.emplace(key, resolve_ref(root_, ref, schema_pointer)).first;
    return found->second;
  }

  std::optional<std::string> check_any_of(const json& branches, const std::string& pointer, const json& value,
                                          const std::string& value_pointer, int depth) {
    std::optional<std::string> first_problem;
    for (std::size_t i = 0; i < branches.size(); ++i) {
      auto problem = check(branches.at(i), child(pointer, i), value, value_pointer, depth + 1);
      if (!problem) return std::nullopt;
      if (!first_problem) first_problem = problem;
    }
    return where(value_pointer) + ": matches none of the " + std::to_string(branches.size()) +
           " anyOf alternatives (the first fails with: " + *first_problem + ")";
  }

  std::optional<std::string> check_one_of(const json& branches, const std::string& pointer, const json& value,
                                          const std::string& value_pointer, int depth) {
    std::vector<std::string> matches;
    std::optional<std::string> first_problem;
    for (std::size_t i = 0; i < branches.size(); ++i) {
      auto problem = check(branches.at(i), child(pointer, i), value, value_pointer, depth + 1);
      if (!problem) {
        matches.push_back(std::to_string(i));
      } else if (!first_problem) {
        first_problem = problem;
      }
    }
    if (matches.size() == 1) return std::nullopt;
    if (matches.empty()) {
      return where(value_pointer) + ": matches none of the " + std::to_string(branches.size()) +
             " oneOf alternatives (the first fails with: " + *first_problem + ")";
    }
    return where(value_pointer) + ": matches oneOf alternatives " + join(matches, " and ") + ", expected exactly one";
  }

  std::optional<std::string> check_object(const SchemaNode& node, const std::string& schema_pointer, const json& value,
                                          const std::string& value_pointer, int depth) {
    for (const std::string& name : node.required) {
      if (!value.contains(name)) return where(value_pointer) + ": missing required property \"" + name + "\"";
    }
    for (const auto& [name, member] : value.items()) {
      const std::string member_pointer = child(value_pointer, name);
      std::optional<std::string> problem;
      if (node.properties && node.properties->contains(name)) {
        problem = check(node.properties->at(name), child(child(schema_pointer, "properties"), name), member,
                        member_pointer, depth + 1);
      } else if (node.additional_schema) {
        problem = check(*node.additional_schema, child(schema_pointer, "additionalProperties"), member, member_pointer,
                        depth + 1);
      } else if (!node.additional_allowed) {
        problem = member_pointer + ": property is not declared in the schema (additionalProperties is false)";
      }
      if (problem) return problem;
    }
    return std::nullopt;
  }

  std::optional<std::string> check_array(const SchemaNode& node, const std::string& schema_pointer, const json& value,
                                         const std::string& value_pointer, int depth) {
    if (node.min_items && value.size() < *node.min_items) {
      return where(value_pointer) + ": " + std::to_string(value.size()) + " items, expected at least " +
             std::to_string(*node.min_items);
    }
    if (node.max_items && value.size() > *node.max_items) {
      return where(value_pointer) + ": " + std::to_string(value.size()) + " items, expected at most " +
             std::to_string(*node.max_items);
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (node.unique_items) {
        for (std::size_t j = 0; j < i; ++j) {
          if (value.at(j) == value.at(i)) {
            return child(value_pointer, i) + ": duplicate of item " + std::to_string(j) + " (uniqueItems)";
          }
        }
      }
      if (node.items) {
        if (auto problem =
                check(*node.items, child(schema_pointer, "items"), value.at(i), child(value_pointer, i), depth + 1)) {
          return problem;
        }
      }
    }
    return std::nullopt;
  }

  static std::optional<std::string> check_string(const SchemaNode& node, const json& value,
                                                 const std::string& value_pointer) {
    const std::size_t length = code_points(value.get_ref<const std::string&>());
    if (node.min_length && length < *node.min_length) {
      return where(value_pointer) + ": " + std::to_string(length) + " characters, expected at least " +
             std::to_string(*node.min_length);
    }
    if (node.max_length && length > *node.max_length) {
      return where(value_pointer) + ": " + std::to_string(length) + " characters, expected at most " +
             std::to_string(*node.max_length);
    }
    return std::nullopt;
  }

  static std::optional<std::string> check_number(const SchemaNode& node, const json& value,
                                                 const std::string& value_pointer) {
    for (const Bound& bound : node.lower) {
      const int order = compare_numbers(value, *bound.limit);
      if (order < 0 || (bound.exclusive && order == 0)) {
        return where(value_pointer) + ": " + value.dump() + " is " + (bound.exclusive ? "not above" : "below") +
               " the minimum " + bound.limit->dump();
      }
    }
    for (const Bound& bound : node.upper) {
      const int order = compare_numbers(value, *bound.limit);
      if (order > 0 || (bound.exclusive && order == 0)) {
        return where(value_pointer) + ": " + value.dump() + " is " + (bound.exclusive ? "not below" : "above") +
               " the maximum " + bound.limit->dump();
      }
    }
    if (node.multiple_of && !is_multiple_of(value, *node.multiple_of)) {
      return where(value_pointer) + ": " + value.dump() + " is not a multiple of " + node.multiple_of->dump();
    }
    return std::nullopt;
  }

  const json& root_;
  std::map<std::string, ResolvedRef> refs_;
};

// ---------------------------------------------------------------------------------------------------------
// Grammar

struct Primitive {
  const char* name;
  const char* body;
  std::vector<const char*> uses;
};

// The building blocks of JSON text, emitted (those used) after the schema's own rules, in this order.
const std::vector<Primitive>& primitives() {
  static const std::vector<Primitive> table = {
      {"value",
       "object | array | string | number | boolean | null",
       {"object", "array", "string", "number", "boolean", "null"}},
      {"object", R"("{" ws ( member ( ws "," ws member )* )? ws "}")", {"member", "ws"}},
      {"member", R"(string ws ":" ws value)", {"string", "ws", "value"}},
      {"array", R"("[" ws ( value ( ws "," ws value )* )? ws "]")", {"value", "ws"}},
      {"string", R"("\"" char* "\"")", {"char"}},
      {"char", R"([^"\\\x00-\x1F] | "\\" escape)", {"escape"}},
      {"escape", R"(["\\/bfnrt] | "u" unicode-escape)", {"unicode-escape"}},
      // \uXXXX outside the surrogates: no lone surrogate, and one escape is one character (for maxLength).
      {"unicode-escape", "[0-9a-cA-CeEfF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2}", {}},
      {"number", "integer fraction? exponent?", {"integer", "fraction", "exponent"}},
      {"integer", R"("-"? natural)", {"natural"}},
      {"natural", R"("0" | [1-9] [0-9]{0,15})", {}},
      {"fraction", R"("." [0-9]{1,16})", {}},
      {"zero-fraction", R"("." "0"{1,16})", {}},
      {"nonzero-fraction", R"("." [0-9]{0,15} [1-9])", {}},
      {"exponent", "[eE] [-+]? [0-9]{1,2}", {}},
      {"boolean", R"("true" | "false")", {}},
      {"null", R"("null")", {}},
      {"ws", R"(" "?)", {}},
  };
  return table;
}

// symbol{min,max} in GBNF; max == nullopt means unbounded. Empty when it can match nothing but "".
std::string repeat(const std::string& symbol, std::uint64_t min, std::optional<std::uint64_t> max) {
  if (!max) {
    if (min == 0) return symbol + "*";
    if (min == 1) return symbol + "+";
    return symbol + "{" + std::to_string(min) + ",}";
  }
  if (*max == 0) return "";
  if (*max == min) return min == 1 ? symbol : symbol + "{" + std::to_string(min) + "}";
  if (min == 0 && *max == 1) return symbol + "?";
  return symbol + "{" + std::to_string(min) + "," + std::to_string(*max) + "}";
}

// A count bound as the grammar can carry it: above llama.cpp's limit, a maximum is dropped (validate_json still
// enforces it) and a minimum cannot be expressed.
std::optional<std::uint64_t> grammar_max(std::optional<std::uint64_t> max) {
  if (max && *max > kRepetitionLimit) return std::nullopt;
  return max;
}

std::string digit_class(char low, char high) {
  if (low == high) return std::string("\"") + low + "\"";
  return std::string("[") + low + "-" + high + "]";
}

std::string any_digits(std::size_t count) {
  if (count == 0) return "";
  return count == 1 ? "[0-9]" : "[0-9]{" + std::to_string(count) + "}";
}

std::string concat(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + " " + b;
}

std::string group(const std::vector<std::string>& alternatives) {
  if (alternatives.size() == 1) return alternatives.front();
  return "( " + join(alternatives, " | ") + " )";
}

// `digit` followed by `rest`, merged into the literal that starts `rest` when there is one.
std::string digit_then(char digit, const std::string& rest) {
  if (!rest.empty() && rest.front() == '"') return "\"" + std::string(1, digit) + rest.substr(1);
  return concat(digit_class(digit, digit), rest);
}

// Alternatives for the decimal numerals from `low` to `high`, both with the same number of digits.
std::vector<std::string> same_length_range(const std::string& low, const std::string& high) {
  if (low == high) return {"\"" + low + "\""};
  if (low[0] == high[0]) return {digit_then(low[0], group(same_length_range(low.substr(1), high.substr(1))))};
  const std::string low_rest = low.substr(1);
  const std::string high_rest = high.substr(1);
  const std::size_t rest = low_rest.size();
  const bool low_rest_is_floor = low_rest == std::string(rest, '0');
  const bool high_rest_is_ceiling = high_rest == std::string(rest, '9');
  std::vector<std::string> alternatives;
  if (!low_rest_is_floor) {
    alternatives.push_back(digit_then(low[0], group(same_length_range(low_rest, std::string(rest, '9')))));
  }
  const char middle_low = low_rest_is_floor ? low[0] : static_cast<char>(low[0] + 1);
  const char middle_high = high_rest_is_ceiling ? high[0] : static_cast<char>(high[0] - 1);
  if (middle_low <= middle_high) alternatives.push_back(concat(digit_class(middle_low, middle_high), any_digits(rest)));
  if (!high_rest_is_ceiling) {
    alternatives.push_back(digit_then(high[0], group(same_length_range(std::string(rest, '0'), high_rest))));
  }
  return alternatives;
}

std::uint64_t power_of_ten(std::size_t exponent) {
  std::uint64_t value = 1;
  for (std::size_t i = 0; i < exponent; ++i) value *= 10;
  return value;
}

// Alternatives for the non-negative integers in [low, high] (high == nullopt: up to 16 digits, like `natural`).
std::vector<std::string> natural_range(std::uint64_t low, std::optional<std::uint64_t> high) {
  constexpr std::size_t kOpenDigits = 16;
  const std::size_t low_digits = std::to_string(low).size();
  std::vector<std::string> alternatives;
  if (!high) {
    for (std::string& alternative : same_length_range(std::to_string(low), std::string(low_digits, '9'))) {
      alternatives.push_back(std::move(alternative));
    }
    if (low_digits < kOpenDigits) {
      alternatives.push_back("[1-9] " + (kOpenDigits - 1 == low_digits ? any_digits(low_digits)
                                                                       : "[0-9]{" + std::to_string(low_digits) + "," +
                                                                             std::to_string(kOpenDigits - 1) + "}"));
    }
    return alternatives;
  }
  const std::size_t high_digits = std::to_string(*high).size();
  for (std::size_t length = low_digits; length <= high_digits; ++length) {
    const std::uint64_t from = length == low_digits ? low : power_of_ten(length - 1);
    const std::string to = length == high_digits ? std::to_string(*high) : std::string(length, '9');
    for (std::string& alternative : same_length_range(std::to_string(from), to)) {
      alternatives.push_back(std::move(alternative));
    }
  }
  return alternatives;
}

std::uint64_t magnitude(std::int64_t negative) { return static_cast<std::uint64_t>(-(negative + 1)) + 1; }

// The integer bound a minimum/maximum keyword sets, or nullopt when it lies beyond 64 bits on the open side.
std::optional<std::int64_t> integer_bound(const Bound& bound, bool lower, const std::string& pointer) {
  constexpr double kLimit = 9.2e18;
  const json& limit = *bound.limit;
  if (const auto exact = exact_integer(limit)) {
    if (!exact->negative && exact->magnitude > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      if (lower) schema_error(pointer, "an integer minimum beyond 64 bits is not supported");
      return std::nullopt;
    }
    const std::int64_t v = exact->negative ? -static_cast<std::int64_t>(exact->magnitude - 1) - 1
                                           : static_cast<std::int64_t>(exact->magnitude);
    if (!bound.exclusive) return v;
    if (lower) {
      if (v == std::numeric_limits<std::int64_t>::max()) schema_error(pointer, "no integer lies above the minimum");
      return v + 1;
    }
    if (v == std::numeric_limits<std::int64_t>::min()) schema_error(pointer, "no integer lies below the maximum");
    return v - 1;
  }
  const double d = limit.get<double>();
  if (lower) {
    if (d > kLimit) schema_error(pointer, "an integer minimum beyond 64 bits is not supported");
    if (d < -kLimit) return std::nullopt;
    const double rounded = bound.exclusive ? std::floor(d) + 1 : std::ceil(d);
    return static_cast<std::int64_t>(rounded);
  }
  if (d < -kLimit) schema_error(pointer, "an integer maximum beyond 64 bits is not supported");
  if (d > kLimit) return std::nullopt;
  const double rounded = bound.exclusive ? std::ceil(d) - 1 : std::floor(d);
  return static_cast<std::int64_t>(rounded);
}

// A bound that is a whole number within 64 bits, for exact number ranges.
struct WholeBound {
  std::int64_t value = 0;
  bool exclusive = false;
};

std::optional<WholeBound> whole_bound(const Bound& bound) {
  constexpr double kLimit = 9.2e18;  // keeps bound ± 1 within 64 bits
  if (const auto exact = exact_integer(*bound.limit)) {
    if (static_cast<double>(exact->magnitude) > kLimit) return std::nullopt;
    const auto magnitude_value = static_cast<std::int64_t>(exact->magnitude);
    return WholeBound{exact->negative ? -magnitude_value : magnitude_value, bound.exclusive};
  }
  const double d = bound.limit->get<double>();
  if (!is_integral(*bound.limit) || std::fabs(d) > kLimit) return std::nullopt;
  return WholeBound{static_cast<std::int64_t>(d), bound.exclusive};
}

// The tightest of several bounds (an exclusive one wins a tie); nullopt also when one is not whole.
std::optional<WholeBound> tightest(const std::vector<Bound>& bounds, bool lower, bool& all_whole) {
  std::optional<WholeBound> best;
  for (const Bound& bound : bounds) {
    const auto b = whole_bound(bound);
    if (!b) {
      all_whole = false;
      return std::nullopt;
    }
    const bool tighter =
        !best || (lower ? b->value > best->value : b->value < best->value) || (b->value == best->value && b->exclusive);
    if (tighter) best = b;
  }
  return best;
}

class GrammarBuilder {
 public:
  explicit GrammarBuilder(const json& root) : root_(root), validator_(root) {
    for (const Primitive& primitive : primitives()) names_.insert(primitive.name);
    names_.insert("root");
    rules_.push_back({"root", ""});
    ref_rules_[""] = "root";
  }

  std::string build() {
    rules_[0].second = body(root_, "", "root");
    std::string grammar;
    for (const auto& [name, rule_body] : rules_) grammar += name + " ::= " + rule_body + "\n";
    const std::set<std::string> needed = primitives_needed();
    for (const Primitive& primitive : primitives()) {
      if (needed.count(primitive.name)) grammar += std::string(primitive.name) + " ::= " + primitive.body + "\n";
    }
    return grammar;
  }

 private:
  static std::string sanitize(const std::string& hint) {
    std::string name;
    for (char c : hint) {
      const auto u = static_cast<unsigned char>(c);
      if (std::isalnum(u) && u < 0x80) {
        name += static_cast<char>(std::tolower(u));
      } else if (!name.empty() && name.back() != '-') {
        name += '-';
      }
    }
    while (!name.empty() && name.back() == '-') name.pop_back();
    return name.empty() ? "rule" : name;
  }

  std::string unique_name(const std::string& hint) {
    const std::string base = sanitize(hint);
    std::string name = base;
    for (int suffix = 2; names_.count(name); ++suffix) name = base + "-" + std::to_string(suffix);
    names_.insert(name);
    return name;
  }

  // A rule for `rule_body` (an existing one when some rule already has exactly this body).
  std::string define(const std::string& hint, const std::string& rule_body) {
    const auto found = name_of_body_.find(rule_body);
    if (found != name_of_body_.end()) return found->second;
    const std::string name = unique_name(hint);
    rules_.push_back({name, rule_body});
    name_of_body_[rule_body] = name;
    return name;
  }

  std::string use(const char* primitive) {
    used_primitives_.insert(primitive);
    return primitive;
  }

  static bool is_name(const std::string& text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
  }

  // The schema as one symbol usable inside a sequence.
  std::string symbol(const json& schema, const std::string& pointer, const std::string& hint) {
    const std::string rule_body = body(schema, pointer, hint);
    return is_name(rule_body) ? rule_body : define(hint, rule_body);
  }

  std::string body(const json& schema, const std::string& pointer, const std::string& hint) {
    const SchemaNode node = read_node(schema, pointer);
    if (node.is_boolean) {
      if (!node.boolean_value) schema_error(pointer, "schema false admits no value here");
      return use("value");
    }
    if (node.ref) return ref_rule(*node.ref, pointer);
    if (node.enum_values || node.const_value) return literal_alternatives(schema, node, pointer);
    if (node.any_of) return branch_alternatives(*node.any_of, child(pointer, "anyOf"), hint);
    if (node.one_of) return branch_alternatives(*node.one_of, child(pointer, "oneOf"), hint);

    const std::vector<std::string> types = node.types.empty() ? implied_types(node) : node.types;
    if (types.empty()) return use("value");
    if (types.size() == 1) return type_body(node, types.front(), pointer, hint);
    std::vector<std::string> alternatives;
    for (const std::string& type : types) {
      const std::string type_hint = hint + "-" + type;
      const std::string alternative = type_body(node, type, pointer, type_hint);
      alternatives.push_back(is_name(alternative) ? alternative : define(type_hint, alternative));
    }
    return join(alternatives, " | ");
  }

  static std::vector<std::string> implied_types(const SchemaNode& node) {
    std::vector<std::string> types;
    if (node.properties || !node.required.empty() || node.additional) types.push_back("object");
    if (node.items || node.min_items || node.max_items || node.unique_items) types.push_back("array");
    if (node.min_length || node.max_length) types.push_back("string");
    if (!node.lower.empty() || !node.upper.empty() || node.multiple_of) types.push_back("number");
    return types;
  }

  std::string ref_rule(const std::string& ref, const std::string& pointer) {
    const ResolvedRef target = resolve_ref(root_, ref, pointer);
    const auto found = ref_rules_.find(target.pointer);
    if (found != ref_rules_.end()) return found->second;
    const std::size_t slash = target.pointer.rfind('/');
    const std::string name = unique_name(target.pointer.substr(slash + 1));
    ref_rules_[target.pointer] = name;
    const std::size_t index = rules_.size();
    rules_.push_back({name, ""});
    rules_[index].second = body(*target.schema, target.pointer, name);
    name_of_body_.emplace(rules_[index].second, name);
    return name;
  }

  std::string literal_alternatives(const json& schema, const SchemaNode& node, const std::string& pointer) {
    std::vector<json> candidates;
    if (node.const_value) {
      candidates.push_back(*node.const_value);
    } else {
      candidates.assign(node.enum_values->begin(), node.enum_values->end());
    }
    std::vector<std::string> alternatives;
    for (const json& candidate : candidates) {
      if (validator_.check(schema, pointer, candidate, "", 0)) continue;
      const std::string literal = gbnf_literal(candidate.dump());
      if (std::find(alternatives.begin(), alternatives.end(), literal) == alternatives.end()) {
        alternatives.push_back(literal);
      }
    }
    if (alternatives.empty()) {
      schema_error(pointer, std::string("no ") + (node.const_value ? "const" : "enum") +
                                " value satisfies the schema's other keywords");
    }
    return join(alternatives, " | ");
  }

  std::string branch_alternatives(const json& branches, const std::string& pointer, const std::string& hint) {
    std::vector<std::string> alternatives;
    for (std::size_t i = 0; i < branches.size(); ++i) {
      const std::string alternative = symbol(branches.at(i), child(pointer, i), hint + "-" + std::to_string(i));
      if (std::find(alternatives.begin(), alternatives.end(), alternative) == alternatives.end()) {
        alternatives.push_back(alternative);
      }
    }
    return join(alternatives, " | ");
  }

  std::string type_body(const SchemaNode& node, const std::string& type, const std::string& pointer,
                        const std::string& hint) {
    if (type == "object") return object_body(node, pointer, hint);
    if (type == "array") return array_body(node, pointer, hint);
    if (type == "string") return string_body(node, pointer);
    if (type == "integer") return integer_body(node, pointer);
    if (type == "number") return number_body(node, pointer);
    if (type == "boolean") return use("boolean");
    return use("null");
  }

  std::string string_body(const SchemaNode& node, const std::string& pointer) {
    if (!node.min_length && !node.max_length) return use("string");
    const std::uint64_t min = node.min_length.value_or(0);
    if (min > kRepetitionLimit) schema_error(child(pointer, "minLength"), "above 2000 is not supported");
    if (node.max_length && *node.max_length < min) {
      schema_error(pointer, "maxLength is below minLength: no string satisfies both");
    }
    const std::string characters = repeat(use("char"), min, grammar_max(node.max_length));
    return concat(concat(R"("\"")", characters), R"("\"")");
  }

  std::string integer_body(const SchemaNode& node, const std::string& pointer) {
    std::optional<std::int64_t> low, high;
    for (const Bound& bound : node.lower) {
      const auto v = integer_bound(bound, true, pointer);
      if (v && (!low || *v > *low)) low = v;
    }
    for (const Bound& bound : node.upper) {
      const auto v = integer_bound(bound, false, pointer);
      if (v && (!high || *v < *high)) high = v;
    }
    if (!low && !high) return use("integer");
    if (low && high && *low > *high) schema_error(pointer, "no integer lies between the minimum and the maximum");
    std::vector<std::string> alternatives;
    if (!low || *low < 0) {
      // Negative values: magnitudes from |min(high, -1)| up to |low|.
      const std::uint64_t smallest = (high && *high < 0) ? magnitude(*high) : 1;
      const auto largest = low ? std::optional<std::uint64_t>(magnitude(*low)) : std::nullopt;
      alternatives.push_back(R"("-" )" + group(natural_range(smallest, largest)));
    }
    if (!high || *high >= 0) {
      const std::uint64_t from = (low && *low > 0) ? static_cast<std::uint64_t>(*low) : 0;
      const std::optional<std::uint64_t> to = high ? std::optional<std::uint64_t>(*high) : std::nullopt;
      for (std::string& alternative : natural_range(from, to)) alternatives.push_back(std::move(alternative));
    }
    return join(alternatives, " | ");
  }

  // Between whole-number bounds a number's range is exact (written without exponent); with a fractional
  // bound the grammar takes any number and validate_json has the last word.
  std::string number_body(const SchemaNode& node, const std::string& pointer) {
    bool all_whole = true;
    const auto low = tightest(node.lower, true, all_whole);
    const auto high = tightest(node.upper, false, all_whole);
    if (!all_whole || (!low && !high)) return use("number");
    std::vector<std::string> alternatives;
    // Values >= 0 (as magnitudes) unless the maximum excludes them all.
    if (!high || high->value > 0 || (high->value == 0 && !high->exclusive)) {
      const WholeBound from = (low && low->value >= 0) ? *low : WholeBound{0, false};
      magnitude_alternatives(from, high, alternatives);
    }
    // Values < 0: magnitudes bounded below by the maximum and above by the minimum.
    if (!low || low->value < 0) {
      const bool high_is_negative = high && (high->value < 0 || (high->value == 0 && high->exclusive));
      const WholeBound from = high_is_negative ? WholeBound{-high->value, high->exclusive} : WholeBound{0, false};
      const auto to = low ? std::optional<WholeBound>(WholeBound{-low->value, low->exclusive}) : std::nullopt;
      std::vector<std::string> negative;
      magnitude_alternatives(from, to, negative);
      if (!negative.empty()) alternatives.push_back(R"("-" )" + group(negative));
    }
    if (alternatives.empty()) schema_error(pointer, "no number lies between the minimum and the maximum");
    return join(alternatives, " | ");
  }

  // Alternatives for the unsigned decimals m with from <(=) m <(=) to, written integer part and fraction.
  void magnitude_alternatives(const WholeBound& from, const std::optional<WholeBound>& to,
                              std::vector<std::string>& alternatives) {
    // Any fraction on integer parts strictly inside the range.
    const std::int64_t first_free = from.exclusive ? from.value + 1 : from.value;
    if (!to || first_free <= to->value - 1) {
      const auto last_free =
          to ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(to->value - 1)) : std::nullopt;
      alternatives.push_back(group(natural_range(static_cast<std::uint64_t>(first_free), last_free)) + " " +
                             use("fraction") + "?");
    }
    // Just above an exclusive minimum: its integer part with a fraction that is not zero.
    if (from.exclusive && (!to || from.value < to->value)) {
      alternatives.push_back("\"" + std::to_string(from.value) + "\" " + use("nonzero-fraction"));
    }
    // At an inclusive maximum: its integer part with a fraction of zeros at most.
    if (to && !to->exclusive && (to->value > from.value || (to->value == from.value && !from.exclusive))) {
      alternatives.push_back("\"" + std::to_string(to->value) + "\" " + use("zero-fraction") + "?");
    }
  }

  std::string array_body(const SchemaNode& node, const std::string& pointer, const std::string& hint) {
    const std::uint64_t min = node.min_items.value_or(0);
    std::optional<std::uint64_t> max = node.max_items;
    if (node.items && node.items->is_boolean() && !node.items->get<bool>()) max = 0;
    if (max && *max < min) schema_error(pointer, "no array satisfies minItems, maxItems and items together");
    if (min > kRepetitionLimit) schema_error(child(pointer, "minItems"), "above 2000 is not supported");
    const std::string open = R"("[" )" + use("ws");
    const std::string close = use("ws") + R"( "]")";
    if (max && *max == 0) return open + " " + close;
    const std::string item = node.items ? symbol(*node.items, child(pointer, "items"), hint + "-item") : use("value");
    max = grammar_max(max);
    const std::string more = "( " + use("ws") + R"( "," ws )" + item + " )";
    const auto less_one = [](std::optional<std::uint64_t> count) {
      return count ? std::optional<std::uint64_t>(*count - 1) : std::nullopt;
    };
    if (min == 0) {
      return open + " ( " + concat(item, repeat(more, 0, less_one(max))) + " )? " + close;
    }
    return open + " " + concat(item, repeat(more, min - 1, less_one(max))) + " " + close;
  }

  struct Member {
    std::string name;
    const json* schema = nullptr;  // nullptr: any value
    std::string pointer;
  };

  std::string object_body(const SchemaNode& node, const std::string& pointer, const std::string& hint) {
    const bool additional_allowed = node.additional_allowed;
    const std::string additional_pointer = child(pointer, "additionalProperties");
    const auto declared = [&](const std::string& name) { return node.properties && node.properties->contains(name); };

    std::vector<Member> required;
    for (const std::string& name : node.required) {
      if (declared(name)) {
        const json& property = node.properties->at(name);
        const std::string property_pointer = child(child(pointer, "properties"), name);
        if (property.is_boolean() && !property.get<bool>()) {
          schema_error(property_pointer, "the property is required but its schema is false");
        }
        required.push_back({name, &property, property_pointer});
      } else if (additional_allowed) {
        required.push_back({name, node.additional_schema, additional_pointer});
      } else {
        schema_error(child(pointer, "required"), "required property \"" + name +
                                                     "\" is not declared in properties and additionalProperties "
                                                     "is false");
      }
    }
    std::vector<Member> optional;
    if (node.properties) {
      for (const auto& [name, property] : node.properties->items()) {
        if (std::find(node.required.begin(), node.required.end(), name) != node.required.end()) continue;
        if (property.is_boolean() && !property.get<bool>()) continue;
        optional.push_back({name, &property, child(child(pointer, "properties"), name)});
      }
    }

    const std::string open = R"("{" )" + use("ws");
    const std::string close = use("ws") + R"( "}")";
    const std::string comma = R"(ws "," ws)";

    if (required.empty() && optional.empty()) {
      if (!additional_allowed) return open + " " + close;
      const std::string value =
          node.additional_schema ? symbol(*node.additional_schema, additional_pointer, hint + "-value") : use("value");
      const std::string entry = define(hint + "-entry", use("string") + R"( ws ":" ws )" + value);
      return open + " ( " + entry + " ( " + comma + " " + entry + " )* )? " + close;
    }

    std::vector<std::string> sequence;
    for (const Member& member : required) sequence.push_back(member_expression(member, hint));
    std::string optional_tail;
    if (!optional.empty()) {
      // rest(i) ::= member_i ( , rest(i+1) )? | rest(i+1): any ordered subset of the optional members.
      std::string rest;
      for (std::size_t i = optional.size(); i-- > 0;) {
        const std::string member = member_expression(optional[i], hint);
        const std::string rest_body = rest.empty() ? member : member + " ( " + comma + " " + rest + " )? | " + rest;
        rest = define(hint + "-rest-" + std::to_string(i), rest_body);
      }
      optional_tail = required.empty() ? rest + "?" : "( " + comma + " " + rest + " )?";
    }
    std::string members = join(sequence, " " + comma + " ");
    return open + " " + concat(members, optional_tail) + " " + close;
  }

  std::string member_expression(const Member& member, const std::string& hint) {
    const std::string key = gbnf_literal(json(member.name).dump());
    const std::string value =
        member.schema ? symbol(*member.schema, member.pointer, hint + "-" + member.name) : use("value");
    return key + R"( ws ":" ws )" + value;
  }

  std::set<std::string> primitives_needed() {
    // Rule bodies name primitives through use(); primitives name one another through their `uses`.
    std::set<std::string> needed;
    std::vector<std::string> pending(used_primitives_.begin(), used_primitives_.end());
    while (!pending.empty()) {
      const std::string name = pending.back();
      pending.pop_back();
      if (!needed.insert(name).second) continue;
      for (const Primitive& primitive : primitives()) {
        if (name == primitive.name) {
          for (const char* dependency : primitive.uses) pending.emplace_back(dependency);
        }
      }
    }
    return needed;
  }

  const json& root_;
  Validator validator_;
  std::vector<std::pair<std::string, std::string>> rules_;  // in order of creation, root first
  std::map<std::string, std::string> name_of_body_;
  std::set<std::string> names_;
  std::map<std::string, std::string> ref_rules_;  // target pointer → rule
  std::set<std::string> used_primitives_;
};

}  // namespace

std::string json_schema_to_gbnf(const nlohmann::json& schema) {
  try {
    SchemaChecker(schema).run();
    return GrammarBuilder(schema).build();
  } catch (const json::exception& e) {
    throw Error(std::string("JSON schema: ") + e.what());
  }
}

std::optional<std::string> validate_json(const nlohmann::json& schema, const nlohmann::json& value) {
  try {
    SchemaChecker(schema).run();
    return Validator(schema).check(schema, "", value, "", 0);
  } catch (const json::exception& e) {
    throw Error(std::string("JSON schema: ") + e.what());
  }
}

std::string gbnf_literal(const std::string& text) {
  if (!is_valid_utf8(text)) throw Error("GBNF literal: the text is not valid UTF-8");
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20 || u == 0x7F) {
          out += fmt::format("\\x{:02X}", u);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string choice_grammar(const std::vector<std::string>& choices) {
  if (choices.empty()) throw Error("choice grammar: there must be at least one choice");
  std::vector<std::string> literals;
  literals.reserve(choices.size());
  for (const std::string& choice : choices) literals.push_back(gbnf_literal(choice));
  return "root ::= " + join(literals, " | ") + "\n";
}

}  // namespace lethe::llm
