#include "record_version.hpp"

#include <gtest/gtest.h>

namespace analytics::transformer {
namespace {

TEST(RecordVersionTest, InOnePartitionTheHigherOffsetIsLaterWhateverTheClocksSay) {
  RecordVersion earlier{"orders", 3, 10, 2'000'000};
  RecordVersion later{"orders", 3, 11, 1'000'000};  // a gateway whose clock stepped back
  EXPECT_TRUE(is_later(later, earlier));
  EXPECT_FALSE(is_later(earlier, later));
}

TEST(RecordVersionTest, OneRequestsRecordsShareReceivedAtAndOffsetsOrderThem) {
  RecordVersion first{"orders", 3, 10, 5'000'000};
  RecordVersion second{"orders", 3, 12, 5'000'000};
  EXPECT_TRUE(is_later(second, first));
}

TEST(RecordVersionTest, AcrossPartitionsTheLaterReceivedAtWins) {
  RecordVersion old_key{"orders", 9, 900, 1'000'000};  // keyed differently, higher offset
  RecordVersion newer{"orders", 2, 5, 2'000'000};
  EXPECT_TRUE(is_later(newer, old_key));
  EXPECT_FALSE(is_later(old_key, newer));
}

TEST(RecordVersionTest, AVersionWithoutReceivedAtIsOlderThanOneWithIt) {
  RecordVersion unknown{"orders", 9, 900, std::nullopt};
  RecordVersion known{"orders", 2, 5, 1};
  EXPECT_TRUE(is_later(known, unknown));
}

TEST(RecordVersionTest, TiesAcrossPartitionsBreakDeterministically) {
  RecordVersion a{"orders", 1, 7, 42};
  RecordVersion b{"orders", 2, 3, 42};
  EXPECT_NE(is_later(a, b), is_later(b, a));
  EXPECT_FALSE(is_later(a, a));
}

}  // namespace
}  // namespace analytics::transformer
