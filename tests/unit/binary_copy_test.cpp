#include "common/pg/binary_copy.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace analytics::pg {
namespace {

// The bytes one field adds after a row header, as hex.
std::string field(void (*write)(BinaryCopyWriter&)) {
  BinaryCopyWriter w;
  w.row(1);
  write(w);
  std::string all = std::move(w).finish();
  // header (19 bytes) + field count (2) ... trailer (2)
  std::string body = all.substr(19 + 2, all.size() - 19 - 2 - 2);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : body) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

TEST(BinaryCopyTest, HeaderAndTrailerFollowTheFormat) {
  std::string body = BinaryCopyWriter().finish();
  ASSERT_EQ(body.size(), 19u + 2u);
  EXPECT_EQ(body.substr(0, 11), std::string("PGCOPY\n\377\r\n\0", 11));
  EXPECT_EQ(body.substr(19), std::string("\xff\xff", 2));
}

TEST(BinaryCopyTest, IntegersAreBigEndianWithTheirLength) {
  EXPECT_EQ(field([](auto& w) { w.int4(258); }), "0000000400000102");
  EXPECT_EQ(field([](auto& w) { w.int8(-1); }), "00000008ffffffffffffffff");
  EXPECT_EQ(field([](auto& w) { w.boolean(true); }), "0000000101");
  EXPECT_EQ(field([](auto& w) { w.null(); }), "ffffffff");
}

TEST(BinaryCopyTest, NumericCentsUseBase10000Digits) {
  // 123.45: two digits (0123, 4500), weight 0, positive, scale 2.
  EXPECT_EQ(field([](auto& w) { w.numeric_cents(12345); }),
            "0000000c" "0002" "0000" "0000" "0002" "007b" "1194");
  // -0.05: one fractional digit (0500), weight -1, negative.
  EXPECT_EQ(field([](auto& w) { w.numeric_cents(-5); }),
            "0000000a" "0001" "ffff" "4000" "0002" "01f4");
  // 10000.00: digit 1 with weight 1; the zero digit after it is written.
  EXPECT_EQ(field([](auto& w) { w.numeric_cents(1000000); }),
            "0000000c" "0002" "0001" "0000" "0002" "0001" "0000");
  EXPECT_EQ(field([](auto& w) { w.numeric_cents(0); }), "00000008" "0000" "ffff" "0000" "0002");
}

TEST(BinaryCopyTest, TimesCountFromTwoThousand) {
  EXPECT_EQ(field([](auto& w) { w.timestamptz(946684800LL * 1000000 + 1); }),
            "000000080000000000000001");
  EXPECT_EQ(field([](auto& w) { w.date(946684800LL * 1000000 + 86400LL * 1000000 - 1); }),
            "0000000400000000");
  // A moment before 2000 belongs to the day before (floor, not truncation).
  EXPECT_EQ(field([](auto& w) { w.date(946684800LL * 1000000 - 1); }), "00000004ffffffff");
}

TEST(BinaryCopyTest, UuidsAreSixteenBytesAndOnlyCanonicalTextIsAccepted) {
  EXPECT_EQ(field([](auto& w) { w.uuid("00112233-4455-6677-8899-aabbccddeeff"); }),
            "0000001000112233445566778899aabbccddeeff");
  BinaryCopyWriter w;
  EXPECT_THROW(w.uuid("00112233445566778899aabbccddeeff"), std::invalid_argument);
  EXPECT_THROW(w.uuid("0011223x-4455-6677-8899-aabbccddeeff"), std::invalid_argument);
}

TEST(BinaryCopyTest, JsonbStartsWithItsVersion) {
  EXPECT_EQ(field([](auto& w) { w.jsonb("{}"); }), "00000003017b7d");
}

}  // namespace
}  // namespace analytics::pg
