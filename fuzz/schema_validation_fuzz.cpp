// Schema validation (common/contracts/compiled_schema.*) against every real schema in
// proto/schemas. A document both parsers accept must get the same verdict from the compiled
// validator as from valijson, the reference the unit tests compare against; a rejection names
// at least one field, an acceptance names none.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>
#include <vector>

#include "common/contracts/compiled_schema.hpp"
#include "common/http/json_limits.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

using analytics::contracts::CompiledSchema;

using analytics::fuzz::require;

struct Schema {
  std::string name;
  nlohmann::json document;
  std::unique_ptr<CompiledSchema> compiled;
  std::unique_ptr<valijson::Schema> reference = std::make_unique<valijson::Schema>();
};

std::vector<Schema> load_schemas() {
  std::vector<Schema> out;
  for (const auto& type :
       std::filesystem::directory_iterator(ANALYTICS_SOURCE_DIR "/proto/schemas")) {
    for (const auto& file : std::filesystem::directory_iterator(type.path())) {
      Schema s;
      s.name = type.path().filename().string() + "/" + file.path().stem().string();
      std::ifstream in(file.path());
      s.document = nlohmann::json::parse(in);
      s.compiled = std::make_unique<CompiledSchema>(CompiledSchema::compile(s.document));
      valijson::SchemaParser parser;
      valijson::adapters::NlohmannJsonAdapter adapter(s.document);
      parser.populateSchema(adapter, *s.reference);
      out.push_back(std::move(s));
    }
  }
  require(out.size() >= 4, "the schemas in proto/schemas load");
  return out;
}

/// Duplicate keys: simdjson keeps each (the compiled validator checks every value), nlohmann
/// only the last, so the two validators would judge different documents.
bool has_duplicate_keys(simdjson::dom::element e) {
  // The array and object are named: ranging over get_array().value_unsafe() would range over
  // a temporary's member that is gone before the loop starts.
  if (e.is_array()) {
    simdjson::dom::array array = e.get_array().value_unsafe();
    for (auto item : array) {
      if (has_duplicate_keys(item)) return true;
    }
  } else if (e.is_object()) {
    std::vector<std::string_view> keys;
    simdjson::dom::object object = e.get_object().value_unsafe();
    for (auto field : object) {
      for (auto k : keys) {
        if (k == field.key) return true;
      }
      keys.push_back(field.key);
      if (has_duplicate_keys(field.value)) return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<Schema> schemas = load_schemas();
  static simdjson::dom::parser parser(1 << 20);
  // One validator for the whole run: it caches the compiled `pattern` regular expressions.
  static valijson::Validator validator;

  std::string_view text(reinterpret_cast<const char*>(data), size);
  // The gateway's bounds: its body parse allows this depth (request_body.cpp).
  if (parser.allocate(text.size(), analytics::http::kDefaultMaxJsonDepth + 1)) return 0;
  simdjson::dom::element doc;
  if (parser.parse(text.data(), text.size()).get(doc)) return 0;
  nlohmann::json reference_doc = nlohmann::json::parse(text, nullptr, false);
  // Both parsers must take it for the verdicts to be comparable: nlohmann refuses what simdjson
  // takes only for numbers beyond double's range (simdjson refuses those too) and depth.
  if (reference_doc.is_discarded() || has_duplicate_keys(doc)) return 0;

  for (const Schema& s : schemas) {
    std::vector<analytics::contracts::FieldError> errors;
    bool ok = s.compiled->validate(doc, errors);
    require(ok == errors.empty(), s.name + ": valid exactly when no field error is reported");
    for (const auto& e : errors) require(!e.message.empty(), s.name + ": every error says why");
    valijson::adapters::NlohmannJsonAdapter target(reference_doc);
    bool expected;
    try {
      expected = validator.validate(*s.reference, target, nullptr);
    } catch (const std::exception&) {
      // valijson 1.0 throws for `format` over an array or object ("JSON value cannot be cast
      // to a string", found by this target): the reference cannot judge; ours did, above.
      continue;
    }
    require(ok == expected, s.name + ": the compiled validator agrees with valijson on " +
                                std::string(text.substr(0, 300)));
  }
  return 0;
}
