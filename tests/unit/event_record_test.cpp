// What the gateway makes of one record: accepted with its own bytes plus received_at, or
// rejected with a reason a client can act on — whatever the client sends.
#include "event_record.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/contracts/schema_registry.hpp"
#include "request_body.hpp"

namespace analytics::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr std::string_view kReceivedAt = "2026-11-22T10:00:00.000000Z";
const std::string kOrder =
    R"({"order_id":"3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b","customer_id":4711,"product":"Lamp",)"
    R"("category":"Home","quantity":2,"price":39.5,"region":"APAC",)"
    R"("timestamp":"2026-11-01T10:00:00Z","status":"completed"})";

class RecordCheckerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = new contracts::SchemaRegistry(
        contracts::SchemaRegistry::load(ANALYTICS_SOURCE_DIR "/proto/schemas"));
  }
  static void TearDownTestSuite() { delete registry_; }

  CheckedRecord check(std::string_view raw, size_t line = 0, int version = 1,
                      size_t max_bytes = 900000) {
    RecordChecker checker(*registry_, "commerce.transaction", "customer_id", max_bytes);
    CheckedRecord out;
    checker.check(raw, line, version, kReceivedAt, out);
    return out;
  }

  static contracts::SchemaRegistry* registry_;
};

contracts::SchemaRegistry* RecordCheckerTest::registry_ = nullptr;

/// `order` with `"extra": <value>` added as its last field.
std::string with_extra(const std::string& value) {
  return kOrder.substr(0, kOrder.size() - 1) + R"(,"extra":)" + value + "}";
}

TEST_F(RecordCheckerTest, CleanOrderKeepsItsBytesAndGetsReceivedAt) {
  CheckedRecord r = check(kOrder);
  ASSERT_TRUE(r.accepted()) << r.reason;
  EXPECT_EQ(r.payload, kOrder.substr(0, kOrder.size() - 1) +
                           R"(,"received_at":"2026-11-22T10:00:00.000000Z"})");
  EXPECT_EQ(r.key, "4711");
  EXPECT_EQ(r.version, 1);
}

TEST_F(RecordCheckerTest, WhitespaceAndAnEmptyObjectStillSpliceToValidJson) {
  RecordChecker checker(*registry_, "user.interaction", "user_id", 900000);
  CheckedRecord out;
  std::string pretty =
      "{\n  \"event_id\": \"e\", \"user_id\": \"u-1\", \"session_id\": \"s\",\n"
      "  \"event_type\": \"page_view\", \"platform\": \"WEB\",\n"
      "  \"occurred_at\": \"x\", \"properties\": {}\n}  ";
  checker.check(pretty, 0, 1, kReceivedAt, out);
  ASSERT_TRUE(out.accepted()) << out.reason;
  auto doc = nlohmann::json::parse(out.payload);
  EXPECT_EQ(doc["received_at"], kReceivedAt);
  EXPECT_EQ(doc["user_id"], "u-1");
  EXPECT_EQ(out.key, "u-1");
}

TEST_F(RecordCheckerTest, ClientReceivedAtIsReplacedNotDuplicated) {
  std::string raw = with_extra("1");
  raw.insert(1, R"("received_at":"1999-01-01T00:00:00Z",)");
  CheckedRecord r = check(raw);
  ASSERT_TRUE(r.accepted()) << r.reason;
  EXPECT_EQ(r.payload.find("1999"), std::string::npos) << r.payload;
  auto doc = nlohmann::json::parse(r.payload);
  EXPECT_EQ(doc["received_at"], kReceivedAt);
  EXPECT_EQ(doc["extra"], 1);
  EXPECT_EQ(doc["order_id"], "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b");
}

TEST_F(RecordCheckerTest, DeepNestingIsRejectedNamingTheLimitWithoutCrashing) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  std::string deep_objects;
  for (int i = 0; i < 70000; ++i) deep_objects += "{\"a\":";
  deep_objects += "1" + std::string(70000, '}');
  for (const std::string& raw : {deep, with_extra(deep), with_extra(deep_objects)}) {
    CheckedRecord r = check(raw, 3);
    EXPECT_EQ(r.reason, "malformed_json");
    ASSERT_THAT(r.errors, SizeIs(1));
    EXPECT_THAT(r.errors[0].message, HasSubstr(std::to_string(kMaxJsonDepth)));
    EXPECT_THAT(r.errors[0].message, HasSubstr("line 3"));
  }
  std::string at_limit = std::string(kMaxJsonDepth - 1, '[') + std::string(kMaxJsonDepth - 1, ']');
  EXPECT_TRUE(check(with_extra(at_limit)).accepted());
}

TEST_F(RecordCheckerTest, NumbersBeyondRangeAndInvalidUtf8AreTheClientsMistake) {
  for (const std::string& bad :
       {with_extra("1e999999"), with_extra("1e400"), with_extra("-1e400"),
        with_extra("123456789012345678901234567890"), with_extra("\"\xff\xfe\""),
        with_extra("\"a\xc3\""), with_extra("\"tab\there\"")}) {
    CheckedRecord r = check(bad);
    EXPECT_EQ(r.reason, "malformed_json") << bad;
    ASSERT_THAT(r.errors, SizeIs(1));
    EXPECT_FALSE(r.errors[0].message.empty());
  }
}

TEST_F(RecordCheckerTest, RepeatedKeysAreRejectedAnywhere) {
  std::string top = kOrder.substr(0, kOrder.size() - 1) + R"(,"price":"free"})";
  CheckedRecord r = check(top);
  EXPECT_EQ(r.reason, "schema_violation");
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_EQ(r.errors[0].field, "price");
  EXPECT_THAT(r.errors[0].message, HasSubstr("more than once"));
  CheckedRecord nested = check(with_extra(R"({"a":[{"b":1,"b":2}]})"));
  EXPECT_EQ(nested.reason, "schema_violation");
  ASSERT_THAT(nested.errors, SizeIs(1));
  EXPECT_EQ(nested.errors[0].field, "extra.a.b");
  std::string many = "{";
  for (int i = 0; i < 500; ++i) many += "\"k" + std::to_string(i) + "\":1,";
  EXPECT_EQ(check(with_extra(many + "\"k7\":2}")).errors.at(0).field, "extra.k7");
}

TEST_F(RecordCheckerTest, NonObjectsAndSchemaViolationsSayWhy) {
  EXPECT_EQ(check("[1,2]").reason, "not_an_object");
  EXPECT_EQ(check("42").reason, "not_an_object");
  CheckedRecord r = check(R"({"order_id":"nope"})");
  EXPECT_EQ(r.reason, "schema_violation");
  EXPECT_GE(r.errors.size(), 2u);
  EXPECT_TRUE(r.payload.empty());
}

TEST_F(RecordCheckerTest, TooLargeOnceStamped) {
  CheckedRecord r = check(kOrder, 0, 1, kOrder.size() + 10);
  EXPECT_EQ(r.reason, "too_large");
  EXPECT_THAT(r.errors.at(0).message, HasSubstr(std::to_string(kOrder.size() + 10)));
  EXPECT_TRUE(check(kOrder, 0, 1, kOrder.size() + 60).accepted());
}

TEST_F(RecordCheckerTest, SchemaVersionOfTheRecordWinsAndMustExist) {
  EXPECT_EQ(check(with_extra("0").replace(1, 0, R"("schema_version":1,)")).version, 1);
  for (const char* bad : {"99", "\"1\"", "1.0", "null"}) {
    std::string raw = kOrder;
    raw.insert(1, std::string(R"("schema_version":)") + bad + ",");
    CheckedRecord r = check(raw);
    EXPECT_EQ(r.reason, "schema_violation") << bad;
    ASSERT_THAT(r.errors, SizeIs(1));
    EXPECT_EQ(r.errors[0].field, "schema_version");
    EXPECT_THAT(r.errors[0].message, HasSubstr("1"));
  }
}

}  // namespace
}  // namespace analytics::gateway
