#include "request_body.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/errors/errors.hpp"

namespace analytics::gateway {
namespace {

using ::testing::HasSubstr;

constexpr size_t kMax = 1000;

struct BodyError {
  std::string code;
  std::string message;
  int status = 0;
};

BodyError body_error(std::string_view body, BodyFormat format, size_t max_events = kMax) {
  try {
    split_records(body, format, max_events);
  } catch (const errors::ClientError& e) {
    return {e.code(), e.what(), e.status()};
  }
  ADD_FAILURE() << "no ClientError for: " << body;
  return {};
}

TEST(FormatOfTest, JsonContentTypes) {
  EXPECT_EQ(format_of("application/json"), BodyFormat::kJson);
  EXPECT_EQ(format_of("application/json; charset=utf-8"), BodyFormat::kJson);
  EXPECT_EQ(format_of("application/json ;charset=UTF-8"), BodyFormat::kJson);
  EXPECT_EQ(format_of("Application/JSON"), BodyFormat::kJson);
}

TEST(FormatOfTest, NdjsonContentTypes) {
  EXPECT_EQ(format_of("application/x-ndjson"), BodyFormat::kNdjson);
  EXPECT_EQ(format_of("application/ndjson"), BodyFormat::kNdjson);
  EXPECT_EQ(format_of("application/jsonlines"), BodyFormat::kNdjson);
  EXPECT_EQ(format_of("APPLICATION/X-NDJSON; charset=utf-8"), BodyFormat::kNdjson);
}

TEST(FormatOfTest, UnknownContentTypesAreUnsupported) {
  for (const char* ct : {"text/plain", "", "application/xml", "application/jsonx",
                         "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"}) {
    EXPECT_EQ(format_of(ct), std::nullopt) << ct;
  }
}

TEST(SplitRecordsTest, SingleJsonObjectIsOneRecord) {
  std::string body = R"({"order_id":"a","price":1.5})";
  auto records = split_records(body, BodyFormat::kJson, kMax);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].index, 0u);
  EXPECT_EQ(records[0].line, 0u);
  EXPECT_EQ(records[0].raw, body);
}

TEST(SplitRecordsTest, JsonArrayGivesOneRecordPerElementInOrder) {
  auto records = split_records(R"([{"n":1}, {"n":[2,{"s":"a,]}\"b"}]},  "not an object" ,{"n":4}])",
                               BodyFormat::kJson, kMax);
  ASSERT_EQ(records.size(), 4u);
  for (size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i].index, i);
  EXPECT_EQ(records[0].raw, R"({"n":1})");
  EXPECT_EQ(records[1].raw, R"({"n":[2,{"s":"a,]}\"b"}]})");  // the bytes as sent
  EXPECT_EQ(records[2].raw, R"("not an object")");  // kept: the caller rejects it per record
  EXPECT_EQ(records[3].raw, R"({"n":4})");
}

TEST(SplitRecordsTest, EmptyJsonArrayHasNoRecords) {
  EXPECT_TRUE(split_records(" [ ] ", BodyFormat::kJson, kMax).empty());
}

TEST(SplitRecordsTest, NestingBeyondTheLimitIsOneClearError) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  BodyError e = body_error(deep, BodyFormat::kJson);
  EXPECT_EQ(e.code, "malformed_json");
  EXPECT_THAT(e.message, HasSubstr(std::to_string(kMaxJsonDepth)));
  // An array of events may itself be kMaxJsonDepth deep inside the array.
  std::string at_limit = std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  EXPECT_EQ(split_records(at_limit, BodyFormat::kJson, kMax).size(), 1u);
}

TEST(SplitRecordsTest, NumberBeyondDoubleRangeAndInvalidUtf8AreBodyErrors) {
  EXPECT_EQ(body_error(R"({"price": 1e999999})", BodyFormat::kJson).code, "malformed_json");
  EXPECT_EQ(body_error("{\"order_id\":\"\xff\xfe\"}", BodyFormat::kJson).code, "malformed_json");
}

TEST(SplitRecordsTest, NdjsonSkipsBlankLinesAndHandlesCrlf) {
  std::string body = "{\"n\":1}\r\n\r\n  \n{\"n\":2}\r\n{\"n\":3}";
  auto records = split_records(body, BodyFormat::kNdjson, kMax);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].raw, R"({"n":1})");
  EXPECT_EQ(records[0].line, 1u);
  EXPECT_EQ(records[1].raw, R"({"n":2})");
  EXPECT_EQ(records[1].line, 4u);
  EXPECT_EQ(records[2].line, 5u);
  for (size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i].index, i);
}

TEST(SplitRecordsTest, NdjsonTrailingNewlineAddsNoRecord) {
  auto records = split_records("{\"n\":1}\n{\"n\":2}\n", BodyFormat::kNdjson, kMax);
  EXPECT_EQ(records.size(), 2u);
}

TEST(SplitRecordsTest, MalformedNdjsonLineIsStillARecordWithItsLine) {
  std::string body = "{\"n\":1}\n{\"n\":2,\n{\"n\":3}\n";
  auto records = split_records(body, BodyFormat::kNdjson, kMax);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].raw, "{\"n\":2,");  // parsed, and rejected, on its own later
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_EQ(records[2].raw, "{\"n\":3}");
}

TEST(SplitRecordsTest, MalformedJsonBodyThrowsWithPosition) {
  BodyError e = body_error("{\"order_id\": \"a\",\n \"price\": }", BodyFormat::kJson);
  EXPECT_EQ(e.code, "malformed_json");
  EXPECT_THAT(e.message, HasSubstr("line"));
  EXPECT_THAT(e.message, HasSubstr("line 2"));
}

TEST(SplitRecordsTest, NdjsonSentAsJsonIsMalformed) {
  EXPECT_EQ(body_error("{\"n\":1}\n{\"n\":2}\n", BodyFormat::kJson).code, "malformed_json");
}

TEST(SplitRecordsTest, EmptyBodyThrows) {
  for (const char* body : {"", "   ", "\n\n", "\r\n \t\r\n"}) {
    EXPECT_EQ(body_error(body, BodyFormat::kJson).code, "empty_body") << "'" << body << "'";
    EXPECT_EQ(body_error(body, BodyFormat::kNdjson).code, "empty_body") << "'" << body << "'";
  }
}

TEST(SplitRecordsTest, TooManyEventsThrows) {
  EXPECT_EQ(body_error("[1,2,3,4]", BodyFormat::kJson, 3).code, "too_many_events");
  BodyError e = body_error("{}\n{}\n{}\n{}\n", BodyFormat::kNdjson, 3);
  EXPECT_EQ(e.code, "too_many_events");
  EXPECT_EQ(e.status, 413);
  EXPECT_THAT(e.message, HasSubstr("3"));
}

TEST(SplitRecordsTest, ExactlyMaxEventsIsAccepted) {
  EXPECT_EQ(split_records("[1,2,3]", BodyFormat::kJson, 3).size(), 3u);
  EXPECT_EQ(split_records("{}\n{}\n{}\n", BodyFormat::kNdjson, 3).size(), 3u);
  EXPECT_EQ(split_records("{}", BodyFormat::kJson, 1).size(), 1u);
}

}  // namespace
}  // namespace analytics::gateway
