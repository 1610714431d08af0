// The gateway's compiled validator against valijson, the reference implementation: over every
// record eventgen makes (every kind of dirt) and over mutations that hit every rule of every
// schema in proto/, both must accept and reject exactly the same records.
#include "common/contracts/compiled_schema.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>
#include <vector>

#include "common/contracts/schema_registry.hpp"
#include "common/time/iso8601.hpp"
#include "interaction_generator.hpp"
#include "transaction_generator.hpp"

namespace analytics::contracts {
namespace {

using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;

const std::string kSchemas = ANALYTICS_SOURCE_DIR "/proto/schemas";

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

/// valijson's verdict, the reference.
class Reference {
 public:
  explicit Reference(const nlohmann::json& schema_doc) {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(schema_doc);
    parser.populateSchema(adapter, schema_);
  }
  bool accepts(const std::string& text) const {
    auto doc = nlohmann::json::parse(text);
    valijson::Validator validator;
    valijson::adapters::NlohmannJsonAdapter target(doc);
    return validator.validate(schema_, target, nullptr);
  }

 private:
  valijson::Schema schema_;
};

struct Verdict {
  bool ok;
  std::vector<FieldError> errors;
};

Verdict compiled_verdict(const CompiledSchema& schema, const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(text).value();
  Verdict v;
  v.ok = schema.validate(doc, v.errors);
  EXPECT_EQ(v.ok, v.errors.empty()) << text;
  return v;
}

/// Values that probe every keyword: types, bounds, lengths (ASCII and multi-byte), enums,
/// patterns.
std::vector<nlohmann::json> probes_for(const nlohmann::json& rule) {
  std::vector<nlohmann::json> out = {"x",
                                     "",
                                     0,
                                     -1,
                                     1,
                                     1.5,
                                     1.0,
                                     true,
                                     nullptr,
                                     nlohmann::json::array(),
                                     nlohmann::json::object(),
                                     "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b",
                                     "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6bX",
                                     "3F2B8C1E-5D4A-4E6F-9A7B-1C2D3E4F5A6B",
                                     "EUR",
                                     "eur",
                                     "EURO",
                                     2147483647,
                                     2147483648LL,
                                     9223372036854775807LL};
  for (const char* bound : {"minimum", "maximum"}) {
    if (!rule.contains(bound)) continue;
    double b = rule[bound].get<double>();
    for (double d : {-1.0, -0.5, 0.0, 0.5, 1.0}) out.push_back(b + d);
    out.push_back(static_cast<int64_t>(b) - 1);
    out.push_back(static_cast<int64_t>(b));
    out.push_back(static_cast<int64_t>(b) + 1);
  }
  for (const char* bound : {"minLength", "maxLength"}) {
    if (!rule.contains(bound)) continue;
    size_t n = rule[bound].get<size_t>();
    for (size_t len : {n == 0 ? 0 : n - 1, n, n + 1}) {
      out.push_back(std::string(len, 'a'));
      std::string multibyte;
      for (size_t i = 0; i < len; ++i) multibyte += "\xc3\xa9";  // é: 2 bytes, 1 code point
      out.push_back(multibyte);
    }
  }
  if (rule.contains("enum")) {
    for (const auto& v : rule["enum"]) out.push_back(v);
    out.push_back("not-in-the-enum");
  }
  return out;
}

class CompiledSchemaTest : public ::testing::Test {
 protected:
  /// Every record must get the same verdict from both; returns how many were rejected.
  /// `schema`: "commerce.transaction/v1".
  size_t compare_all(const std::string& schema, const std::vector<std::string>& texts) {
    nlohmann::json doc = read_json(kSchemas + "/" + schema + ".json");
    Reference reference(doc);
    CompiledSchema compiled = CompiledSchema::compile(doc);
    size_t rejected = 0;
    for (const auto& text : texts) {
      bool expected = reference.accepts(text);
      Verdict got = compiled_verdict(compiled, text);
      EXPECT_EQ(got.ok, expected) << schema << ": " << text << "\n  first error: "
                                  << (got.errors.empty()
                                          ? ""
                                          : got.errors[0].field + " " + got.errors[0].message);
      rejected += !expected;
    }
    return rejected;
  }

  /// The clean record with each listed property (and each property of nested objects) removed
  /// and set to every probe value.
  static std::vector<std::string> mutations(
      const nlohmann::json& clean, const nlohmann::json& schema,
      const nlohmann::json::json_pointer& at = nlohmann::json::json_pointer()) {
    std::vector<std::string> out;
    for (const auto& [name, rule] : schema["properties"].items()) {
      auto ptr = at / name;
      nlohmann::json removed = clean;
      if (removed.contains(ptr)) {
        removed.at(ptr.parent_pointer()).erase(name);
        out.push_back(removed.dump());
      }
      for (const auto& probe : probes_for(rule)) {
        nlohmann::json changed = clean;
        changed[ptr] = probe;
        out.push_back(changed.dump());
      }
      if (rule.contains("properties")) {
        nlohmann::json nested = clean;
        if (!nested.contains(ptr) || !nested[ptr].is_object())
          nested[ptr] = nlohmann::json::object();
        auto deeper = mutations(nested, rule, ptr);
        out.insert(out.end(), deeper.begin(), deeper.end());
      }
    }
    return out;
  }
};

const time::UnixMicros kAnchor = *time::parse_iso8601("2026-04-18T00:00:00Z");

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_F(CompiledSchemaTest, AgreesWithValijsonOnEveryGeneratedTransaction) {
  eventgen::DirtRates dirty{0.2, 0.2, 0.2};
  auto lines = lines_of(
      eventgen::generate_transactions(3000, 7, dirty, kAnchor, eventgen::BatchFormat::kNdjson));
  ASSERT_EQ(lines.size(), 3000u);
  compare_all("commerce.transaction/v1", lines);
  compare_all("commerce.transaction/v2", lines);
}

TEST_F(CompiledSchemaTest, AgreesWithValijsonOnEveryGeneratedInteraction) {
  auto lines = lines_of(eventgen::generate_interactions(
      3000, 7, eventgen::DirtRates{0.2, 0.2, 0.2}, 0.2, kAnchor, eventgen::BatchFormat::kNdjson));
  ASSERT_EQ(lines.size(), 3000u);
  compare_all("user.interaction/v1", lines);
}

TEST_F(CompiledSchemaTest, AgreesWithValijsonOnEveryRuleOfEverySchema) {
  std::map<std::string, nlohmann::json> clean = {{"commerce.transaction", nlohmann::json::parse(R"({
        "order_id": "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b", "customer_id": 4711,
        "customer_name": "Sarah Connor", "email": "s@example.com", "product": "Headphones",
        "category": "Electronics", "quantity": 2, "price": 79.99, "region": "EU-West",
        "timestamp": "2026-04-18T14:32:01Z", "status": "completed"})")},
                                                 {"user.interaction", nlohmann::json::parse(R"({
        "event_id": "evt-1", "user_id": "u-42", "session_id": "s-7", "event_type": "purchase",
        "platform": "WEB", "occurred_at": "2026-04-18T14:32:01Z", "product": "Yoga Mat",
        "quantity": 1, "price": 20, "properties": {"utm_source": "mail", "currency": "EUR"}})")},
                                                 {"dlq", nlohmann::json::parse(R"({
        "event_type": "commerce.transaction", "schema_version": 1, "request_id": "r-1",
        "record_index": 0, "reason": "schema_violation",
        "errors": [{"field": "price", "message": "must be a number"}],
        "raw": "{}", "received_at": "2026-04-18T14:32:01Z"})")}};
  size_t schemas = 0;
  for (const auto& type_dir : std::filesystem::directory_iterator(kSchemas)) {
    for (const auto& file : std::filesystem::directory_iterator(type_dir.path())) {
      std::string type = type_dir.path().filename();
      std::string schema = type + "/" + file.path().stem().string();
      ASSERT_TRUE(clean.count(type)) << "add a clean record for " << type;
      auto cases = mutations(clean[type], read_json(file.path()));
      cases.push_back(clean[type].dump());
      cases.push_back("[1,2]");
      cases.push_back("\"a string\"");
      size_t rejected = compare_all(schema, cases);
      EXPECT_GT(rejected, cases.size() / 3) << schema << ": the probes must hit the rules";
      ++schemas;
    }
  }
  EXPECT_GE(schemas, 4u);
}

TEST(CompiledSchemaErrorsTest, EachFailedRuleNamesItsField) {
  auto schema = CompiledSchema::compile(read_json(kSchemas + "/user.interaction/v1.json"));
  Verdict v = compiled_verdict(schema, R"({"event_id": "", "user_id": 5, "session_id": "s",
      "event_type": "teleport", "platform": "WEB", "quantity": 0,
      "properties": {"currency": "euro"}})");
  EXPECT_FALSE(v.ok);
  EXPECT_THAT(v.errors, Contains(Field(&FieldError::field, "event_id")));
  EXPECT_THAT(v.errors, Contains(Field(&FieldError::field, "user_id")));
  EXPECT_THAT(v.errors, Contains(Field(&FieldError::field, "event_type")));
  EXPECT_THAT(v.errors, Contains(Field(&FieldError::field, "quantity")));
  EXPECT_THAT(v.errors, Contains(Field(&FieldError::field, "properties.currency")));
  EXPECT_THAT(v.errors, Contains(Field(&FieldError::field, "occurred_at")));  // required
  for (const auto& e : v.errors) {
    if (e.field == "event_type") {
      EXPECT_THAT(e.message, HasSubstr("page_view"));
    } else if (e.field == "quantity") {
      EXPECT_THAT(e.message, HasSubstr("at least 1"));
    } else if (e.field == "occurred_at") {
      EXPECT_EQ(e.message, "is required");
    }
  }
}

TEST(CompiledSchemaErrorsTest, UnsupportedKeywordsAreRefusedAtCompile) {
  for (const char* schema :
       {R"({"type": "object", "oneOf": []})", R"({"properties": {"a": {"format": "date-time"}}})",
        R"({"properties": {"a": {"pattern": "("}}})", R"({"type": "strnig"})"}) {
    EXPECT_THROW(CompiledSchema::compile(nlohmann::json::parse(schema)), std::invalid_argument)
        << schema;
  }
}

}  // namespace
}  // namespace analytics::contracts
