#include "lethe/llm/json_schema.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include "lethe/llm/llm.hpp"
#include "lethe_test/grammar_check.hpp"

namespace lethe::llm {
namespace {

using nlohmann::json;
using test::Split;

const test::GrammarChecker& checker() { return test::tiny_vocab_grammar_checker(); }

std::string grammar_of(const std::string& schema_text) { return json_schema_to_gbnf(json::parse(schema_text)); }

// The message of the llm::Error that `action` throws, or "" when it throws none.
template <typename Action>
std::string error_of(Action action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// ---------------------------------------------------------------------------------------------------------
// gbnf_literal and choice_grammar

TEST(GbnfLiteral, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(gbnf_literal("plain"), R"("plain")");
  EXPECT_EQ(gbnf_literal("a\"b\\c\nd\re\tf\x01g\x7f"), R"("a\"b\\c\nd\re\tf\x01g\x7F")");
  EXPECT_EQ(gbnf_literal(""), R"("")");
}

TEST(GbnfLiteral, PassesUtf8Through) { EXPECT_EQ(gbnf_literal("é 日本 🙂"), "\"é 日本 🙂\""); }

TEST(GbnfLiteral, RejectsInvalidUtf8) {
  for (const std::string bad : {"\xff", "ok\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"}) {
    EXPECT_NE(error_of([&] { gbnf_literal(bad); }).find("UTF-8"), std::string::npos);
  }
}

TEST(GbnfLiteral, LlamaCppMatchesExactlyTheText) {
  const std::vector<std::string> texts = {
      "say \"hi\"", "back\\slash",   "new\nline",       "tab\there",  "bell\x01",           "é日本🙂",
      "[a-z]*",     R"(\x41 not A)", "# not a comment", "root ::= x", "{\"json\": [1, 2]}", "ends with backslash \\"};
  for (const std::string& text : texts) {
    const std::string grammar = "root ::= " + gbnf_literal(text) + "\n";
    ASSERT_TRUE(checker().parses(grammar)) << grammar;
    for (Split split : {Split::Tokenizer, Split::Bytes}) {
      EXPECT_EQ(checker().check(grammar, text, split), std::nullopt) << text;
      EXPECT_FALSE(checker().accepts(grammar, text + "x", split)) << text;
      EXPECT_FALSE(checker().accepts(grammar, text.substr(0, text.size() - 1), split)) << text;
    }
  }
}

TEST(ChoiceGrammar, ListsTheChoicesAsAlternatives) {
  EXPECT_EQ(choice_grammar({"yes", "no", "a \"b\""}), "root ::= \"yes\" | \"no\" | \"a \\\"b\\\"\"\n");
}

TEST(ChoiceGrammar, AcceptsExactlyOneChoice) {
  const std::string grammar = choice_grammar({"north", "south", "go north", "日本"});
  for (const std::string text : {"north", "south", "go north", "日本"}) {
    EXPECT_TRUE(checker().accepts(grammar, text)) << text;
  }
  for (const std::string text : {"nort", "northsouth", "west", "go", " north", "日"}) {
    EXPECT_FALSE(checker().accepts(grammar, text)) << text;
  }
}

TEST(ChoiceGrammar, AnEmptyChoiceMeansEndingAtOnce) {
  const std::string grammar = choice_grammar({"", "x"});
  EXPECT_TRUE(checker().accepts(grammar, ""));
  EXPECT_TRUE(checker().accepts(grammar, "x"));
  EXPECT_FALSE(checker().accepts(grammar, "y"));
}

TEST(ChoiceGrammar, RefusesAnEmptyList) {
  EXPECT_NE(error_of([] { choice_grammar({}); }).find("at least one choice"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------------------
// Grammar text

TEST(JsonSchemaToGbnf, SmallObjectGivesTheExpectedGrammar) {
  const std::string grammar = grammar_of(R"({
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0, "maximum": 120}},
    "required": ["name"]})");
  EXPECT_EQ(grammar,
            "root ::= \"{\" ws \"\\\"name\\\"\" ws \":\" ws string ( ws \",\" ws root-rest-0 )? ws \"}\"\n"
            "root-age ::= [0-9] | [1-9] [0-9] | \"1\" ( [0-1] [0-9] | \"20\" )\n"
            "root-rest-0 ::= \"\\\"age\\\"\" ws \":\" ws root-age\n"
            "string ::= \"\\\"\" char* \"\\\"\"\n"
            "char ::= [^\"\\\\\\x00-\\x1F] | \"\\\\\" escape\n"
            "escape ::= [\"\\\\/bfnrt] | \"u\" unicode-escape\n"
            "unicode-escape ::= [0-9a-cA-CeEfF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2}\n"
            "ws ::= \" \"?\n");
}

TEST(JsonSchemaToGbnf, PrimitiveTypesUseSharedRules) {
  EXPECT_EQ(grammar_of(R"({"type": "boolean"})"), "root ::= boolean\nboolean ::= \"true\" | \"false\"\n");
  EXPECT_EQ(grammar_of(R"({"type": "null"})"), "root ::= null\nnull ::= \"null\"\n");
  EXPECT_EQ(grammar_of(R"({"type": ["boolean", "null"]})"),
            "root ::= boolean | null\nboolean ::= \"true\" | \"false\"\nnull ::= \"null\"\n");
  EXPECT_EQ(grammar_of(R"({"const": "x\"y"})"), "root ::= \"\\\"x\\\\\\\"y\\\"\"\n");
}

TEST(JsonSchemaToGbnf, SameSchemaGivesTheSameTextByteForByte) {
  const std::string a = R"({"type": "object", "required": ["b", "a"],
    "properties": {"a": {"enum": [1, "x", null]}, "b": {"type": "array", "items": {"$ref": "#/$defs/t"}},
                   "c": {"anyOf": [{"type": "string", "maxLength": 3}, {"type": "integer", "minimum": 5}]}},
    "$defs": {"t": {"type": "object", "properties": {"next": {"$ref": "#/$defs/t"}}}}})";
  // The same schema written with its keys in another order.
  const std::string b = R"({"$defs": {"t": {"properties": {"next": {"$ref": "#/$defs/t"}}, "type": "object"}},
    "properties": {"c": {"anyOf": [{"maxLength": 3, "type": "string"}, {"minimum": 5, "type": "integer"}]},
                   "b": {"items": {"$ref": "#/$defs/t"}, "type": "array"}, "a": {"enum": [1, "x", null]}},
    "required": ["b", "a"], "type": "object"})";
  const std::string first = grammar_of(a);
  EXPECT_EQ(first, grammar_of(a));
  EXPECT_EQ(first, grammar_of(b));
  EXPECT_TRUE(checker().parses(first)) << first;
}

TEST(JsonSchemaToGbnf, RuleNamesAreGbnfWordsWhateverThePropertyNames) {
  const std::string grammar = grammar_of(R"({"type": "object", "properties": {
      "First Name!": {"type": "string", "maxLength": 5}, "日本": {"type": "string", "maxLength": 6},
      "string": {"type": "string", "maxLength": 7}, "a--b": {"type": "array", "items": {"type": "integer"}}},
      "$defs": {}, "required": ["日本"]})");
  std::istringstream lines(grammar);
  std::string line;
  const std::regex rule_line(R"(^[a-z0-9]+(-[a-z0-9]+)* ::= .+$)");
  std::set<std::string> names;
  while (std::getline(lines, line)) {
    EXPECT_TRUE(std::regex_match(line, rule_line)) << line;
    EXPECT_TRUE(names.insert(line.substr(0, line.find(' '))).second) << "duplicate rule: " << line;
  }
  EXPECT_TRUE(names.count("root-first-name"));
  EXPECT_TRUE(names.count("root-string"));
  EXPECT_TRUE(checker().parses(grammar)) << grammar;
}

TEST(JsonSchemaToGbnf, IdenticalSubschemasShareOneRule) {
  const std::string grammar = grammar_of(R"({"type": "object", "required": ["a", "b"], "properties": {
      "a": {"type": "string", "maxLength": 4}, "b": {"type": "string", "maxLength": 4}}})");
  EXPECT_NE(grammar.find("root-a ::= "), std::string::npos);
  EXPECT_EQ(grammar.find("root-b ::= "), std::string::npos) << grammar;
}

TEST(JsonSchemaToGbnf, EnumValuesAreEscapedAndMatchedExactly) {
  const json values = json::parse(R"(["say \"hi\"", "back\\slash", "new\nline", "tab\t", "ctl\u0001", "é日本",
                                       3, -2.5, null, true, {"a": [1, "x"]}])");
  const std::string grammar = json_schema_to_gbnf(json{{"enum", values}});
  ASSERT_TRUE(checker().parses(grammar)) << grammar;
  for (const json& value : values) {
    EXPECT_TRUE(checker().accepts(grammar, value.dump())) << value.dump();
    EXPECT_TRUE(checker().accepts(grammar, value.dump(), Split::Bytes)) << value.dump();
  }
  for (const std::string text :
       {"\"say \"hi\"\"", "\"new\nline\"", "\"back\\\\\\\\slash\"", "4", "\"é日\"", "{\"a\": [1, \"x\"]}", "false"}) {
    EXPECT_FALSE(checker().accepts(grammar, text)) << text;
  }
}

TEST(JsonSchemaToGbnf, EnumKeepsOnlyValuesTheOtherKeywordsAllow) {
  const std::string grammar = grammar_of(R"({"type": "string", "maxLength": 3, "enum": ["ab", "abcd", 7, "xyz"]})");
  EXPECT_EQ(grammar, "root ::= \"\\\"ab\\\"\" | \"\\\"xyz\\\"\"\n");
}

// ---------------------------------------------------------------------------------------------------------
// Grammar acceptance in llama.cpp, checked against validate_json

struct AcceptanceCase {
  std::string name;
  std::string schema;
  std::vector<std::string> accepted;
  std::vector<std::string> rejected;
};

std::vector<AcceptanceCase> acceptance_cases() {
  return {
      {"any value",
       "{}",
       {R"({"a": [1, 2.5, -3e10, true, null, "x"], "b": {}})", R"("s")", "null", "[]", "-0.25E+3", "false",
        R"({"nested": {"deep": [[], {}]}})"},
       {"{\n  \"nested\": {}\n}", "{a: 1}", "[1,]", "tru", "01", "1.", ".5", "+1", "[1 2]", "{\"a\" 1}", " 1", "'x'",
        "NaN", "12345678901234567", "1e100"}},
      {"strings",
       R"({"type": "string"})",
       {R"("plain")", R"("he said \"hi\"\n\tthen \\ left")", R"("\u00e9\u65E5 and é日本🙂")", R"("")", R"("\/")"},
       {R"("open)", R"("bad \x escape")", R"("\ud800")", "\"raw\nnewline\"", R"("\u12")", "'single'", "5"}},
      {"object with required and optional properties",
       R"({"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"},
           "email": {"type": "string"}}, "required": ["name", "age"]})",
       {R"({"name":"Ann","age":31})", R"({"name": "Ann", "age": 31, "email": "a@b.c"})"},
       {"{\n  \"name\": \"Ann\",\n  \"age\": 31\n}", R"({"name":"Ann"})", R"({"age":31,"name":"Ann"})",
        R"({"name":"Ann","age":31,"x":1})", R"({"name":"Ann","age":"31"})", R"({"name":"Ann","age":31,})",
        R"({"name":"Ann","age":3.5})"}},
      {"optional properties only",
       R"({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"},
           "c": {"type": "integer"}}})",
       {"{}", R"({"a":1})", R"({"b":1,"c":2})", R"({"a":1,"c":2})", R"({ "a" : 1 , "b" : 2 , "c" : 3 })"},
       {R"({"c":1,"a":2})", "{,}", R"({"a":1,})", R"({"d":1})", R"({"a":1,"a":2})"}},
      {"array with bounds",
       R"({"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3})",
       {"[1]", "[1, 2, 3]", "[ -4 ,5 ]"},
       {"[]", "[1,2,3,4]", "[1.5]", "[\"1\"]", "[1,]"}},
      {"enum and const",
       R"({"type": "object", "properties": {"colour": {"enum": ["red", "green", 3, null]},
           "kind": {"const": {"k": [1, 2]}}}, "required": ["colour", "kind"]})",
       {R"({"colour":"red","kind":{"k":[1,2]}})", R"({"colour": null, "kind": {"k":[1,2]}})",
        R"({"colour": 3, "kind": {"k":[1,2]}})"},
       {R"({"colour":"blue","kind":{"k":[1,2]}})", R"({"colour":4,"kind":{"k":[1,2]}})",
        R"({"colour":"red","kind":{"k":[2,1]}})", R"({"colour":"red","kind":{"k": [1,2]}})"}},
      {"anyOf",
       R"({"anyOf": [{"type": "string", "maxLength": 3}, {"type": "integer", "minimum": 10}]})",
       {R"("abc")", R"("")", "10", "123"},
       {R"("abcd")", "9", "-1", "null", "10.5"}},
      {"recursive tree through $defs",
       R"({"$defs": {"node": {"type": "object", "properties": {"value": {"type": "integer"},
           "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}, "required": ["value"]}},
           "$ref": "#/$defs/node"})",
       {R"({"value":1})", R"({"value":1,"children":[{"value":2},{"value":3,"children":[{"value":4}]}]})"},
       {R"({"value":1,"children":[{"children":[]}]})", R"({"value":1,"children":[{"value":"2"}]})",
        R"({"children":[]})"}},
      {"recursion to the root through definitions",
       R"({"type": "object", "properties": {"next": {"anyOf": [{"$ref": "#"}, {"$ref": "#/definitions/end"}]}},
           "required": ["next"], "definitions": {"end": {"type": "null"}}})",
       {R"({"next":null})", R"({"next":{"next":{"next":null}}})"},
       {R"({"next":{}})", R"({"next":{"next":1}})", "null"}},
      {"integer range",
       R"({"type": "integer", "minimum": -15, "maximum": 123})",
       {"-15", "-9", "0", "7", "99", "100", "123"},
       {"-16", "124", "1000", "-0", "007", "5.0"}},
      {"number between whole bounds",
       R"({"type": "object", "properties": {"p": {"type": "number", "minimum": 0, "maximum": 1},
           "t": {"type": "number", "exclusiveMinimum": -40, "exclusiveMaximum": 60}}, "required": ["p", "t"]})",
       {R"({"p": 0, "t": -39.99})", R"({"p": 0.25, "t": 59.5})", R"({"p": 1.000, "t": 0})", R"({"p": 1, "t": -0.5})"},
       {R"({"p": 1.5, "t": 0})", R"({"p": -0.1, "t": 0})", R"({"p": 1e-1, "t": 0})", R"({"p": 0, "t": 60})",
        R"({"p": 0, "t": -40.0})", R"({"p": 0, "t": 60.5})"}},
      {"string length in characters",
       R"({"type": "string", "minLength": 2, "maxLength": 4})",
       {R"("ab")", R"("abcd")", R"("é日")", R"("\n\t")", R"("\u00e9x")"},
       {R"("a")", R"("abcde")", R"("é")", R"("日本語でOK")"}},
      {"type list", R"({"type": ["string", "null"]})", {R"("x")", "null"}, {"1", "true", "{}"}},
      {"free-form map",
       R"({"type": "object", "additionalProperties": {"type": "number"}})",
       {"{}", R"({"x":1,"y":2.5,"z":-1e-3})"},
       {R"({"x":"s"})", R"({"x":1,})", "[]"}},
      {"nested array of objects",
       R"({"type": "object", "properties": {"steps": {"type": "array", "maxItems": 2, "items": {
           "type": "object", "properties": {"action": {"enum": ["go", "take"]}, "target": {"type": "string"}},
           "required": ["action", "target"]}}}, "required": ["steps"]})",
       {R"({"steps":[]})", R"({"steps":[{"action":"go","target":"north"},{"action":"take","target":"key"}]})"},
       {R"({"steps":[{"action":"run","target":"x"}]})", R"({"steps":[{"target":"x","action":"go"}]})",
        R"({"steps":[{"action":"go","target":"a"},{"action":"go","target":"b"},{"action":"go","target":"c"}]})"}},
  };
}

TEST(JsonSchemaToGbnf, LlamaCppAcceptsValidDocumentsAndRejectsInvalidOnes) {
  for (const AcceptanceCase& c : acceptance_cases()) {
    SCOPED_TRACE(c.name);
    const json schema = json::parse(c.schema);
    const std::string grammar = json_schema_to_gbnf(schema);
    ASSERT_TRUE(checker().parses(grammar)) << grammar;
    for (const std::string& text : c.accepted) {
      EXPECT_EQ(checker().check(grammar, text), std::nullopt) << text << "\n" << grammar;
      EXPECT_EQ(checker().check(grammar, text, Split::Bytes), std::nullopt) << text;
      EXPECT_EQ(validate_json(schema, json::parse(text)), std::nullopt) << text;
    }
    for (const std::string& text : c.rejected) {
      EXPECT_FALSE(checker().accepts(grammar, text)) << text << "\n" << grammar;
      EXPECT_FALSE(checker().accepts(grammar, text, Split::Bytes)) << text;
    }
  }
}

// Compact output: at most one space between tokens, so a small model cannot spend its tokens on layout.
TEST(JsonSchemaToGbnf, WhitespaceIsAtMostOneSpaceAndNeverAroundTheRoot) {
  const std::string grammar = grammar_of(R"({"type": "array", "items": {"type": "integer"}})");
  EXPECT_TRUE(checker().accepts(grammar, "[1, 2]"));
  EXPECT_TRUE(checker().accepts(grammar, "[ 1 ]"));
  EXPECT_FALSE(checker().accepts(grammar, "[  1]"));
  EXPECT_FALSE(checker().accepts(grammar, "[\n1]"));
  EXPECT_FALSE(checker().accepts(grammar, " [1]"));
  EXPECT_FALSE(checker().accepts(grammar, "[1] "));
}

TEST(JsonSchemaToGbnf, IntegerRangesAreExact) {
  const std::vector<std::pair<std::string, std::function<bool(int)>>> ranges = {
      {R"({"type": "integer", "minimum": -15, "maximum": 123})", [](int v) { return v >= -15 && v <= 123; }},
      {R"({"type": "integer", "minimum": 7})", [](int v) { return v >= 7; }},
      {R"({"type": "integer", "maximum": -10})", [](int v) { return v <= -10; }},
      {R"({"type": "integer", "exclusiveMinimum": -101, "exclusiveMaximum": 99.5})",
       [](int v) { return v > -101 && v < 99.5; }},
      {R"({"type": "integer", "minimum": 5, "exclusiveMinimum": true, "maximum": 200})",
       [](int v) { return v > 5 && v <= 200; }},
      {R"({"type": "integer", "minimum": -250.5, "maximum": -3})", [](int v) { return v >= -250 && v <= -3; }},
      {R"({"type": "integer", "minimum": 10, "maximum": 10})", [](int v) { return v == 10; }},
  };
  for (const auto& [schema_text, in_range] : ranges) {
    SCOPED_TRACE(schema_text);
    const json schema = json::parse(schema_text);
    const std::string grammar = json_schema_to_gbnf(schema);
    for (int v = -320; v <= 320; ++v) {
      ASSERT_EQ(checker().accepts(grammar, std::to_string(v), Split::Bytes), in_range(v)) << v << "\n" << grammar;
      ASSERT_EQ(validate_json(schema, v) == std::nullopt, in_range(v)) << v;
    }
  }
}

TEST(JsonSchemaToGbnf, NumberRangesBetweenWholeBoundsAreExact) {
  const std::vector<std::string> schemas = {
      R"({"type": "number", "minimum": 0, "maximum": 1})",
      R"({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1})",
      R"({"type": "number", "minimum": -1, "maximum": 2})",
      R"({"type": "number", "exclusiveMaximum": 0})",
      R"({"type": "number", "minimum": -2, "exclusiveMinimum": true})",
      R"({"type": "number", "exclusiveMinimum": -3, "exclusiveMaximum": -1})",
      R"({"type": "number", "maximum": 10})",
      R"({"type": "number", "minimum": 3, "exclusiveMinimum": 2})",
      R"({"type": "number", "minimum": 1.0, "maximum": 2.0})",
      R"({"type": ["number", "null"], "minimum": 9, "maximum": 9})",
  };
  std::vector<std::string> numbers;
  for (const std::string sign : {"", "-"}) {
    for (const std::string whole : {"0", "1", "2", "3", "9", "10", "11"}) {
      for (const std::string fraction : {"", ".5", ".05", ".001", ".9", ".0", ".50", ".00"}) {
        numbers.push_back(sign + whole + fraction);
      }
    }
  }
  for (const std::string& schema_text : schemas) {
    SCOPED_TRACE(schema_text);
    const json schema = json::parse(schema_text);
    const std::string grammar = json_schema_to_gbnf(schema);
    int accepted = 0;
    for (const std::string& number : numbers) {
      const bool in_grammar = checker().accepts(grammar, number, Split::Bytes);
      const bool valid = validate_json(schema, json::parse(number)) == std::nullopt;
      accepted += in_grammar ? 1 : 0;
      if (in_grammar) {
        EXPECT_TRUE(valid) << number << " accepted\n" << grammar;
      }
      // The grammar writes a nonzero fraction without trailing zeros and zero without a sign where no negative
      // is allowed; every other valid number is in it.
      const bool trailing_zero = number.find('.') != std::string::npos && number.back() == '0';
      const bool negative_zero = number[0] == '-' && json::parse(number) == 0;
      if (valid && !trailing_zero && !negative_zero) {
        EXPECT_TRUE(in_grammar) << number << " rejected\n" << grammar;
      }
    }
    EXPECT_GT(accepted, 0);
  }
}

TEST(JsonSchemaToGbnf, FractionalNumberBoundsLeaveTheCheckToTheValidator) {
  const json schema = json::parse(R"({"type": "number", "minimum": 0.5})");
  EXPECT_EQ(json_schema_to_gbnf(schema), grammar_of(R"({"type": "number"})"));
  EXPECT_TRUE(checker().accepts(json_schema_to_gbnf(schema), "0.25"));
  EXPECT_NE(validate_json(schema, 0.25), std::nullopt);
}

TEST(JsonSchemaToGbnf, IntegerRangeNearTheLimitsOf64Bits) {
  const std::string grammar = grammar_of(R"({"type": "integer", "minimum": -9223372036854775808,
                                             "maximum": 9223372036854775806})");
  for (const std::string text : {"-9223372036854775808", "9223372036854775806", "0", "-1", "1000000000000000000"}) {
    EXPECT_TRUE(checker().accepts(grammar, text)) << text;
  }
  for (const std::string text : {"-9223372036854775809", "9223372036854775807", "10000000000000000000"}) {
    EXPECT_FALSE(checker().accepts(grammar, text)) << text;
  }
}

TEST(JsonSchemaToGbnf, CountsBeyondLlamaCppsRepetitionLimitLeaveTheMaximumToTheValidator) {
  const json schema = json::parse(R"({"type": "array", "maxItems": 2500, "items": {"type": "string",
                                      "maxLength": 3000}})");
  const std::string grammar = json_schema_to_gbnf(schema);
  ASSERT_TRUE(checker().parses(grammar)) << grammar;
  const json long_string = std::string(2600, 'a');
  EXPECT_TRUE(checker().accepts(grammar, json::array({long_string}).dump()));
  EXPECT_EQ(validate_json(schema, json::array({long_string})), std::nullopt);
  EXPECT_NE(validate_json(schema, json::array({std::string(3001, 'a')})), std::nullopt);
  EXPECT_NE(error_of([] { grammar_of(R"({"type": "array", "minItems": 2001})"); }).find("/minItems"),
            std::string::npos);
}

// Random walks through the grammar in llama.cpp: every document it lets a model write must parse and be valid.
TEST(JsonSchemaToGbnf, EveryDocumentTheGrammarGeneratesIsValid) {
  const llama_token eos = llama_vocab_eos(checker().vocab());
  std::mt19937 rng(20240611);
  for (const AcceptanceCase& c : acceptance_cases()) {
    SCOPED_TRACE(c.name);
    const json schema = json::parse(c.schema);
    const std::string grammar = json_schema_to_gbnf(schema);
    // Candidates: the tokens of the valid examples (multi-character pieces), single bytes of a small alphabet.
    // Lone non-ASCII bytes only from "é": llama.cpp's UTF-8 decoder takes overlong sequences (F0 82 ...), so
    // freely mixed byte tokens could spell invalid UTF-8 that no grammar over characters can rule out.
    std::set<llama_token> pool = {eos};
    for (const std::string& text : c.accepted) {
      for (llama_token t : checker().tokens(text, Split::Tokenizer)) {
        const std::string p = checker().piece(t);
        if (p.size() > 1 || static_cast<unsigned char>(p[0]) < 0x80) pool.insert(t);
      }
    }
    for (char ch : std::string("{}[]\":,-+.0123456789eE \n\\/abcdefghijklmnopqrstuvwxyz\xc3\xa9")) {
      pool.insert(checker().token_of_piece(std::string(1, ch)));
    }
    const std::vector<llama_token> candidates(pool.begin(), pool.end());

    int complete = 0;
    for (int walk_index = 0; walk_index < 40; ++walk_index) {
      test::GrammarSession walk = checker().session(grammar);
      std::string text;
      bool ended = false;
      for (int step = 0; step < 400 && !ended; ++step) {
        std::vector<llama_token> allowed = walk.allowed(candidates);
        const bool can_end = std::find(allowed.begin(), allowed.end(), eos) != allowed.end();
        allowed.erase(std::remove(allowed.begin(), allowed.end(), eos), allowed.end());
        if (can_end && (allowed.empty() || std::uniform_int_distribution<int>(0, 2)(rng) == 0)) {
          ended = true;
          break;
        }
        if (allowed.empty()) break;  // nothing in this small alphabet continues; not a complete document
        const llama_token token = allowed[std::uniform_int_distribution<std::size_t>(0, allowed.size() - 1)(rng)];
        ASSERT_TRUE(walk.accept(token)) << "the grammar rejected a token it allowed, after: " << text;
        text += checker().piece(token);
      }
      if (!ended) continue;
      ++complete;
      json parsed;
      ASSERT_NO_THROW(parsed = json::parse(text)) << text << "\n" << grammar;
      EXPECT_EQ(validate_json(schema, parsed), std::nullopt) << text;
    }
    EXPECT_GE(complete, 25) << "too few random walks ended; the test would prove little";
  }
}

// ---------------------------------------------------------------------------------------------------------
// Schemas that cannot be used

TEST(JsonSchemaErrors, BadSchemasThrowWithThePointerOfTheProblem) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {R"({"type": "strin"})", {"/type", "unknown type \"strin\""}},
      {R"({"type": []})", {"/type", "non-empty array"}},
      {R"({"$ref": "#/$defs/missing"})", {"/$ref", "points to nothing"}},
      {R"({"$ref": "https://example.com/s.json"})", {"/$ref", "only local references"}},
      {R"({"$ref": "#anchor"})", {"/$ref", "anchors"}},
      {"42", {"(root)", "must be an object or a boolean, got integer"}},
      {R"({"properties": {"a": "string"}})", {"/properties/a", "must be an object or a boolean, got string"}},
      {R"({"type": "string", "pattern": "^a"})", {"/pattern", "not supported"}},
      {R"({"type": "object", "properties": {"a/b": {"allOf": []}}})", {"/properties/a~1b/allOf", "not supported"}},
      {R"({"type": "array", "items": [{"type": "string"}]})", {"/items", "tuple form"}},
      {R"({"type": "array", "minItems": -1})", {"/minItems", "non-negative integer"}},
      {R"({"type": "number", "multipleOf": 0})", {"/multipleOf", "greater than 0"}},
      {R"({"anyOf": []})", {"/anyOf", "non-empty array"}},
      {R"({"$ref": "#/$defs/a", "type": "object", "$defs": {"a": {}}})", {"beside \"$ref\"", "\"type\""}},
      {R"({"type": "string", "anyOf": [{"maxLength": 2}]})", {"beside \"anyOf\""}},
      {R"({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"})",
       {"cycle", "/$defs/"}},
      {R"({"anyOf": [{"$ref": "#"}, {"type": "null"}]})", {"cycle"}},
      {R"({"type": "integer", "exclusiveMinimum": true})", {"/exclusiveMinimum", "needs \"minimum\""}},
  };
  for (const auto& [schema_text, fragments] : cases) {
    SCOPED_TRACE(schema_text);
    const json schema = json::parse(schema_text);
    const std::string grammar_error = error_of([&] { json_schema_to_gbnf(schema); });
    const std::string validate_error = error_of([&] { validate_json(schema, json(nullptr)); });
    ASSERT_FALSE(grammar_error.empty());
    EXPECT_EQ(grammar_error, validate_error) << "both functions cover the same keywords";
    for (const std::string& fragment : fragments) {
      EXPECT_NE(grammar_error.find(fragment), std::string::npos) << grammar_error;
    }
  }
}

TEST(JsonSchemaErrors, AbsurdlyDeepSchemasAreRefusedNotOverflowed) {
  json schema = json::object();
  for (int i = 0; i < 5000; ++i) {
    json outer = {{"type", "array"}};
    outer["items"] = std::move(schema);
    schema = std::move(outer);
  }
  EXPECT_NE(error_of([&] { json_schema_to_gbnf(schema); }).find("deeper than 512"), std::string::npos);
  EXPECT_NE(error_of([&] { validate_json(schema, json::array()); }).find("deeper than 512"), std::string::npos);
}

TEST(JsonSchemaErrors, UnsatisfiableSchemasHaveNoGrammar) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"type": "object", "required": ["x"], "properties": {"y": {}}})", "\"x\" is not declared"},
      {R"({"type": "string", "enum": [1, 2]})", "no enum value"},
      {R"({"type": "string", "const": 1})", "no const value"},
      {R"({"type": "integer", "minimum": 5, "maximum": 3})", "no integer"},
      {R"({"type": "number", "exclusiveMinimum": 1, "maximum": 1})", "no number"},
      {R"({"type": "string", "minLength": 5, "maxLength": 3})", "maxLength is below minLength"},
      {R"({"type": "array", "minItems": 2, "items": false})", "no array"},
      {R"({"type": "object", "properties": {"a": false}, "required": ["a"]})", "schema is false"},
      {R"({"type": "string", "minLength": 2001})", "/minLength"},
      {"false", "admits no value"},
  };
  for (const auto& [schema_text, fragment] : cases) {
    SCOPED_TRACE(schema_text);
    const std::string message = error_of([&] { grammar_of(schema_text); });
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
  }
}

TEST(JsonSchemaErrors, AnnotationsAndUnknownKeywordsAreIgnored) {
  const json schema = json::parse(R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "x",
      "title": "T", "description": "D", "type": "string", "format": "date-time", "default": "a",
      "examples": ["b"], "x-vendor": {"anything": 1}, "deprecated": false, "$comment": "c"})");
  EXPECT_EQ(json_schema_to_gbnf(schema), grammar_of(R"({"type": "string"})"));
  EXPECT_EQ(validate_json(schema, "not a date"), std::nullopt);
}

// ---------------------------------------------------------------------------------------------------------
// validate_json

std::optional<std::string> validate(const std::string& schema, const std::string& value) {
  return validate_json(json::parse(schema), json::parse(value));
}

void expect_violation(const std::string& schema, const std::string& value, const std::string& prefix,
                      const std::string& fragment = "") {
  const auto message = validate(schema, value);
  ASSERT_TRUE(message.has_value()) << schema << " accepted " << value;
  EXPECT_EQ(message->rfind(prefix, 0), 0u) << *message;
  EXPECT_NE(message->find(fragment), std::string::npos) << *message;
}

TEST(ValidateJson, Type) {
  EXPECT_EQ(validate(R"({"type": "integer"})", "2"), std::nullopt);
  EXPECT_EQ(validate(R"({"type": "integer"})", "2.0"), std::nullopt);
  EXPECT_EQ(validate(R"({"type": "number"})", "2"), std::nullopt);
  EXPECT_EQ(validate(R"({"type": ["string", "null"]})", "null"), std::nullopt);
  expect_violation(R"({"type": "integer"})", "\"x\"", "(root): ", "expected integer, got string");
  expect_violation(R"({"type": "integer"})", "2.5", "(root): ", "got number");
  expect_violation(R"({"type": ["string", "null"]})", "1", "(root): ", "expected one of string, null, got integer");
  expect_violation(R"({"type": "boolean"})", "0", "(root): ");
  expect_violation(R"({"type": "object"})", "[]", "(root): ", "expected object, got array");
}

TEST(ValidateJson, PointersEscapeAndNest) {
  const std::string schema = R"({"type": "object", "properties": {"a/b": {"type": "object", "properties": {
      "c~d": {"type": "array", "items": {"type": "integer"}}}}}})";
  EXPECT_EQ(validate(schema, R"({"a/b": {"c~d": [1, 2]}})"), std::nullopt);
  expect_violation(schema, R"({"a/b": {"c~d": [1, "x"]}})", "/a~1b/c~0d/1: ", "expected integer");
}

TEST(ValidateJson, RequiredAndAdditionalProperties) {
  const std::string schema = R"({"type": "object", "properties": {"a": {}, "b": {}}, "required": ["b", "a"]})";
  EXPECT_EQ(validate(schema, R"({"a": 1, "b": [2]})"), std::nullopt);
  expect_violation(schema, R"({"a": 1})", "(root): ", "missing required property \"b\"");
  expect_violation(schema, R"({"a": 1, "b": 2, "z": 3})", "/z: ", "not declared");
  expect_violation(R"({"type": "object"})", R"({"z": 3})", "/z: ", "additionalProperties is false");
  EXPECT_EQ(validate(R"({"type": "object", "additionalProperties": true})", R"({"z": 3})"), std::nullopt);
  expect_violation(R"({"type": "object", "additionalProperties": {"type": "string"}})", R"({"z": 3})",
                   "/z: ", "expected string");
  EXPECT_EQ(validate(R"({})", R"({"anything": {"goes": [1]}})"), std::nullopt);
  EXPECT_EQ(validate(R"({"required": ["a"]})", R"({"a": 1, "b": 2})"), std::nullopt);
  EXPECT_EQ(validate(R"({"properties": {"a": {"type": "string"}}})", "5"), std::nullopt) << "JSON Schema semantics";
}

TEST(ValidateJson, EnumAndConst) {
  EXPECT_EQ(validate(R"({"enum": ["a", 1, null, {"k": [1]}]})", R"({"k": [1.0]})"), std::nullopt);
  expect_violation(R"({"enum": ["a", 1]})", "\"b\"", "(root): ", "not one of the 2 values");
  expect_violation(R"({"enum": [1]})", "true", "(root): ");
  EXPECT_EQ(validate(R"({"const": {"a": [1, "x"]}})", R"({"a": [1, "x"]})"), std::nullopt);
  expect_violation(R"({"type": "array", "items": {"const": 3}})", "[3, 4]", "/1: ", "const");
}

TEST(ValidateJson, ArrayKeywords) {
  const std::string schema = R"({"type": "array", "minItems": 2, "maxItems": 3, "uniqueItems": true,
                                 "items": {"type": "integer"}})";
  EXPECT_EQ(validate(schema, "[1, 2, 3]"), std::nullopt);
  expect_violation(schema, "[1]", "(root): ", "1 items, expected at least 2");
  expect_violation(schema, "[1, 2, 3, 4]", "(root): ", "expected at most 3");
  expect_violation(schema, "[1, 2, 1.0]", "/2: ", "duplicate of item 0");
  expect_violation(schema, "[1, \"2\"]", "/1: ", "expected integer");
  EXPECT_EQ(validate(R"({"type": "array", "items": false})", "[]"), std::nullopt);
  expect_violation(R"({"type": "array", "items": false})", "[0]", "/0: ", "no value is allowed");
}

TEST(ValidateJson, StringLengthCountsCharactersNotBytes) {
  const std::string schema = R"({"type": "string", "minLength": 2, "maxLength": 3})";
  EXPECT_EQ(validate(schema, R"("日本語")"), std::nullopt);
  EXPECT_EQ(validate(schema, R"("🙂🙂")"), std::nullopt);
  expect_violation(schema, R"("é")", "(root): ", "1 characters, expected at least 2");
  expect_violation(schema, R"("abcd")", "(root): ", "4 characters, expected at most 3");
}

TEST(ValidateJson, NumberKeywords) {
  EXPECT_EQ(validate(R"({"minimum": 0, "maximum": 1})", "0.5"), std::nullopt);
  EXPECT_EQ(validate(R"({"minimum": 0, "maximum": 1})", "1"), std::nullopt);
  expect_violation(R"({"minimum": 0})", "-0.1", "(root): ", "below the minimum 0");
  expect_violation(R"({"maximum": 1})", "1.5", "(root): ", "above the maximum 1");
  expect_violation(R"({"exclusiveMinimum": 0})", "0", "(root): ", "not above the minimum 0");
  expect_violation(R"({"exclusiveMaximum": 1})", "1.0", "(root): ", "not below the maximum 1");
  expect_violation(R"({"maximum": 1, "exclusiveMaximum": true})", "1", "(root): ", "not below");
  EXPECT_EQ(validate(R"({"multipleOf": 0.1})", "0.3"), std::nullopt);
  EXPECT_EQ(validate(R"({"multipleOf": 3})", "-12"), std::nullopt);
  expect_violation(R"({"multipleOf": 2})", "7", "(root): ", "not a multiple of 2");
  // Exact beyond 2^53, where doubles would call these equal.
  expect_violation(R"({"maximum": 9007199254740992})", "9007199254740993", "(root): ", "above");
  EXPECT_EQ(validate(R"({"minimum": -9223372036854775808})", "-9223372036854775808"), std::nullopt);
  EXPECT_EQ(validate(R"({"maximum": 18446744073709551615})", "18446744073709551615"), std::nullopt);
  EXPECT_EQ(validate(R"({"minimum": 5})", "\"not a number\""), std::nullopt) << "applies to numbers only";
}

TEST(ValidateJson, AnyOfAndOneOf) {
  const std::string any = R"({"anyOf": [{"type": "string"}, {"type": "integer"}]})";
  EXPECT_EQ(validate(any, "1"), std::nullopt);
  expect_violation(any, "null", "(root): ", "none of the 2 anyOf alternatives");
  const std::string one = R"({"type": "object", "properties": {"v": {"oneOf": [{"type": "integer"},
                             {"type": "number", "minimum": 10}]}}})";
  EXPECT_EQ(validate(one, R"({"v": 3})"), std::nullopt);
  EXPECT_EQ(validate(one, R"({"v": 10.5})"), std::nullopt);
  expect_violation(one, R"({"v": 12})", "/v: ", "matches oneOf alternatives 0 and 1");
  expect_violation(one, R"({"v": "x"})", "/v: ", "none of the 2 oneOf alternatives");
}

TEST(ValidateJson, RefsAndRecursion) {
  const std::string tree = R"({"$ref": "#/definitions/node", "definitions": {"node": {"type": "object",
      "properties": {"kids": {"type": "array", "items": {"$ref": "#/definitions/node"}}, "v": {"type": "integer"}},
      "required": ["v"]}}})";
  EXPECT_EQ(validate(tree, R"({"v": 1, "kids": [{"v": 2, "kids": [{"v": 3}]}]})"), std::nullopt);
  expect_violation(tree, R"({"v": 1, "kids": [{"v": 2, "kids": [{}]}]})",
                   "/kids/0/kids/0: ", "missing required property \"v\"");
  const std::string self = R"({"type": "array", "items": {"$ref": "#"}})";
  EXPECT_EQ(validate(self, "[[], [[]]]"), std::nullopt);
  expect_violation(self, "[[], [[1]]]", "/1/0/0: ", "expected array");
}

TEST(ValidateJson, BooleanSchemas) {
  EXPECT_EQ(validate("true", "[1, {}]"), std::nullopt);
  expect_violation("false", "1", "(root): ", "no value is allowed");
  expect_violation(R"({"type": "object", "properties": {"secret": false}})", R"({"secret": 1})", "/secret: ");
  EXPECT_EQ(validate(R"({"type": "object", "properties": {"secret": false}})", "{}"), std::nullopt);
}

TEST(ValidateJson, DeepValuesGiveAMessageNotACrash) {
  json deep = json::array();
  for (int i = 0; i < 3000; ++i) {
    json outer = json::array();
    outer.push_back(std::move(deep));
    deep = std::move(outer);
  }
  const auto message = validate_json(json::parse(R"({"type": "array", "items": {"$ref": "#"}})"), deep);
  ASSERT_TRUE(message.has_value());
  EXPECT_NE(message->find("nested deeper"), std::string::npos) << *message;
}

}  // namespace
}  // namespace lethe::llm
