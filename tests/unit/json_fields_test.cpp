#include "json_fields.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/http/bounded_json.hpp"

namespace analytics::transformer {
namespace {

using ::testing::Optional;

TEST(ParseRecordJsonTest, ARecordWithoutRepeatedKeysParsesAsItIs) {
  auto parsed = parse_record_json(R"({"a":1,"b":{"a":2,"c":[{"a":3},{"a":4}]},"d":[1,2]})");
  EXPECT_EQ(parsed.repeated_key, std::nullopt);
  EXPECT_EQ(parsed.doc["b"]["c"][1]["a"], 4);
}

TEST(ParseRecordJsonTest, ARepeatedKeyIsNamedByItsPath) {
  EXPECT_THAT(parse_record_json(R"({"order_id":"a","x":1,"order_id":"b"})").repeated_key,
              Optional(std::string("order_id")));
  EXPECT_THAT(parse_record_json(R"({"p":{"utm":"a","utm":"b"}})").repeated_key,
              Optional(std::string("p.utm")));
  // Array positions are not named, as the gateway names the key.
  EXPECT_THAT(parse_record_json(R"({"items":[{"sku":1},{"sku":2,"sku":3}]})").repeated_key,
              Optional(std::string("items.sku")));
  EXPECT_THAT(parse_record_json(R"([{"k":1,"k":1}])").repeated_key, Optional(std::string("k")));
}

TEST(ParseRecordJsonTest, KeysSpeltWithEscapesAreTheSameKey) {
  EXPECT_THAT(parse_record_json(R"({"price":1,"pr\u0069ce":1000000})").repeated_key,
              Optional(std::string("price")));
}

TEST(ParseRecordJsonTest, ARepeatAmongThousandsOfKeysIsFound) {
  std::string doc = "{";
  for (int i = 0; i < 10000; ++i)
    doc += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  EXPECT_EQ(parse_record_json(doc + "\"last\":0}").repeated_key, std::nullopt);
  EXPECT_THAT(parse_record_json(doc + "\"k9999\":0}").repeated_key, Optional(std::string("k9999")));
}

TEST(ParseRecordJsonTest, RefusesWhatTheBoundedParserRefusesInItsWords) {
  for (const std::string& bad :
       {std::string(100000, '[') + std::string(100000, ']'), std::string("{\"a\":"),
        std::string("{\"a\":\"\xff\"}"), std::string("{\"a\":1e400}"), std::string()}) {
    std::string expected;
    try {
      http::parse_bounded_json(bad);
    } catch (const http::JsonRefused& e) {
      expected = e.what();
    }
    ASSERT_FALSE(expected.empty());
    try {
      parse_record_json(bad);
      ADD_FAILURE() << "accepted " << bad.substr(0, 40);
    } catch (const http::JsonRefused& e) {
      EXPECT_EQ(e.what(), expected);
    }
  }
}

TEST(ParseRecordJsonTest, NestingUpToTheBoundIsAccepted) {
  size_t depth = http::kDefaultMaxJsonDepth;
  auto parsed = parse_record_json(std::string(depth, '[') + std::string(depth, ']'));
  EXPECT_TRUE(parsed.doc.is_array());
  EXPECT_THROW(parse_record_json(std::string(depth + 1, '[') + std::string(depth + 1, ']')),
               http::JsonRefused);
}

}  // namespace
}  // namespace analytics::transformer
