#include "common/ids/uuid.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace analytics::ids {
namespace {

// RFC 4122 version 4: version nibble 4, variant nibble 8, 9, a or b; lower-case hex.
const std::regex kUuidV4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

TEST(UuidTest, FormatIsRfc4122Version4) {
  for (auto [hi, lo] : {std::pair<uint64_t, uint64_t>{0, 0},
                        {~0ULL, ~0ULL},
                        {0x0123456789abcdefULL, 0xfedcba9876543210ULL},
                        {0xFFFFFFFFFFFF0FFFULL, 0x3FFFFFFFFFFFFFFFULL}}) {
    std::string id = format_uuid_v4(hi, lo);
    EXPECT_EQ(id.size(), 36u);
    EXPECT_TRUE(std::regex_match(id, kUuidV4)) << id;
  }
}

TEST(UuidTest, KeepsTheRandomBitsAndOverwritesVersionAndVariant) {
  EXPECT_EQ(format_uuid_v4(0, 0), "00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(format_uuid_v4(~0ULL, ~0ULL), "ffffffff-ffff-4fff-bfff-ffffffffffff");
  EXPECT_EQ(format_uuid_v4(0x0123456789abcdefULL, 0xfedcba9876543210ULL),
            "01234567-89ab-4def-bedc-ba9876543210");
}

TEST(UuidTest, DeterministicForTheSameInput) {
  EXPECT_EQ(format_uuid_v4(42, 7), format_uuid_v4(42, 7));
  EXPECT_NE(format_uuid_v4(42, 7), format_uuid_v4(42, 8));
  EXPECT_NE(format_uuid_v4(42, 7), format_uuid_v4(43, 7));
}

TEST(UuidTest, RandomUuidsAreValidAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = random_uuid();
    ASSERT_TRUE(std::regex_match(id, kUuidV4)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace analytics::ids
