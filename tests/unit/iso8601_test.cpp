#include "common/time/iso8601.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace analytics::time {
namespace {

constexpr UnixMicros kSecond = 1000000;
// 2026-04-18T14:32:01Z
constexpr UnixMicros kExample = 1776522721 * kSecond;

TEST(Iso8601Test, KnownEpochValues) {
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601("2000-01-01T00:00:00Z"), 946684800 * kSecond);
  EXPECT_EQ(parse_iso8601("2026-04-18T14:32:01Z"), kExample);
  EXPECT_EQ(parse_iso8601("1969-12-31T23:59:59Z"), -1 * kSecond);
}

TEST(Iso8601Test, NoZoneMeansUtc) { EXPECT_EQ(parse_iso8601("2026-04-18T14:32:01"), kExample); }

TEST(Iso8601Test, SpaceSeparatorIsAccepted) {
  EXPECT_EQ(parse_iso8601("2026-04-18 14:32:01"), kExample);
  EXPECT_EQ(parse_iso8601("2026-04-18 14:32:01Z"), kExample);
}

TEST(Iso8601Test, OffsetsAreAppliedWithOrWithoutColon) {
  // 16:32:01 at +02:00 is 14:32:01 UTC; 09:02:01 at -05:30 is 14:32:01 UTC.
  EXPECT_EQ(parse_iso8601("2026-04-18T16:32:01+02:00"), kExample);
  EXPECT_EQ(parse_iso8601("2026-04-18T16:32:01+0200"), kExample);
  EXPECT_EQ(parse_iso8601("2026-04-18T09:02:01-05:30"), kExample);
  EXPECT_EQ(parse_iso8601("2026-04-18T09:02:01-0530"), kExample);
  EXPECT_EQ(parse_iso8601("2026-04-18T14:32:01+00:00"), kExample);
}

TEST(Iso8601Test, OffsetCanCrossMidnight) {
  EXPECT_EQ(parse_iso8601("2026-04-19T01:00:00+02:00"), parse_iso8601("2026-04-18T23:00:00Z"));
}

TEST(Iso8601Test, FractionsAreMicrosecondsTruncatedBeyondSix) {
  EXPECT_EQ(parse_iso8601("2026-04-18T14:32:01.5Z"), kExample + 500000);
  EXPECT_EQ(parse_iso8601("2026-04-18T14:32:01.123Z"), kExample + 123000);
  EXPECT_EQ(parse_iso8601("2026-04-18T14:32:01.123456Z"), kExample + 123456);
  EXPECT_EQ(parse_iso8601("2026-04-18T14:32:01.123456789Z"), kExample + 123456);
  EXPECT_EQ(parse_iso8601("2026-04-18T16:32:01.25+02:00"), kExample + 250000);
}

TEST(Iso8601Test, RejectsWhatTheBrokenSourceSends) {
  for (const char* bad : {"not-a-date", "2026/13/45", "yesterday", ""}) {
    EXPECT_EQ(parse_iso8601(bad), std::nullopt) << "'" << bad << "'";
  }
}

TEST(Iso8601Test, RejectsImpossibleDatesAndTimes) {
  for (const char* bad :
       {"2026-02-30T00:00:00", "2026-02-29T00:00:00", "2026-13-01T00:00:00", "2026-00-10T00:00:00",
        "2026-04-00T00:00:00", "2026-04-31T00:00:00", "2026-04-18T24:00:00", "2026-04-18T12:60:00",
        "2026-04-18T12:00:60", "1900-02-29T00:00:00"}) {
    EXPECT_EQ(parse_iso8601(bad), std::nullopt) << bad;
  }
}

TEST(Iso8601Test, AcceptsLeapDays) {
  EXPECT_EQ(parse_iso8601("2024-02-29T00:00:00Z"), 1709164800 * kSecond);
  EXPECT_EQ(parse_iso8601("2000-02-29T12:00:00Z"), 951825600 * kSecond);
}

TEST(Iso8601Test, RejectsMalformedShapes) {
  for (const char* bad : {
           "2026-04-18",                       // date only
           "2026-04-18T14:32",                 // no seconds
           "2026-4-18T14:32:01",               // one-digit month
           "2026-04-18X14:32:01",              // bad separator
           "2026-04-18T14:32:01.",             // empty fraction
           "2026-04-18T14:32:01.1234567890Z",  // more than nine fraction digits
           "2026-04-18T14:32:01+2",            // short offset
           "2026-04-18T14:32:01+24:00",        // offset hour out of range
           "2026-04-18T14:32:01 UTC",          // zone name
           "2026-04-18T14:32:01Zjunk",         // trailing text
           " 2026-04-18T14:32:01",             // leading space
       }) {
    EXPECT_EQ(parse_iso8601(bad), std::nullopt) << bad;
  }
}

// PostgreSQL (and most readers) take years 1-9999 only; anything else would be refused by the
// warehouse after the gateway accepted it.
TEST(Iso8601Test, AcceptsOnlyYearsOneToNineThousandNineHundredNinetyNineInUtc) {
  EXPECT_FALSE(parse_iso8601("0000-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601("0001-01-01T00:00:00+01:00"));  // year 0 in UTC
  EXPECT_FALSE(parse_iso8601("9999-12-31T23:59:59-01:00"));  // year 10000 in UTC
  EXPECT_TRUE(parse_iso8601("0001-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_iso8601("9999-12-31T23:59:59Z"));
}

TEST(Iso8601Test, FormatsUtcWithMicroseconds) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_iso8601(kExample + 123456), "2026-04-18T14:32:01.123456Z");
  EXPECT_EQ(format_iso8601(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(Iso8601Test, FormatDateIsTheUtcDay) {
  EXPECT_EQ(format_date(kExample), "2026-04-18");
  EXPECT_EQ(format_date(*parse_iso8601("2026-04-19T01:00:00+02:00")), "2026-04-18");
}

TEST(Iso8601Test, FormatThenParseRoundTrips) {
  for (UnixMicros t :
       {UnixMicros{0}, kExample, kExample + 1, kExample + 999999, UnixMicros{-1},
        UnixMicros{-86400 * kSecond - 7}, *parse_iso8601("2024-02-29T23:59:59.5Z")}) {
    std::string text = format_iso8601(t);
    EXPECT_EQ(parse_iso8601(text), t) << text;
  }
}

TEST(Iso8601Test, ParseThenFormatNormalisesToUtc) {
  EXPECT_EQ(format_iso8601(*parse_iso8601("2026-04-18T16:32:01+02:00")),
            "2026-04-18T14:32:01.000000Z");
  EXPECT_EQ(format_iso8601(*parse_iso8601("2026-04-18 14:32:01.5")), "2026-04-18T14:32:01.500000Z");
}

TEST(Iso8601Test, NowIsAfterThisCodeWasWritten) {
  UnixMicros now = now_micros();
  EXPECT_GT(now, *parse_iso8601("2025-01-01T00:00:00Z"));
  EXPECT_LT(now, *parse_iso8601("2100-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace analytics::time
