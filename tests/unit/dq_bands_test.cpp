// DQ_QUARANTINE_BANDS: what an operator writes and what is refused with a reason.
#include <gtest/gtest.h>

#include <stdexcept>

#include "dq_checks.hpp"

namespace analytics::transformer {
namespace {

TEST(DqBandsTest, ParsesReasonsWithTheirRanges) {
  auto bands = parse_rate_bands("total=0-0.25,*=0-0.1,missing_price=0.01-0.05");
  ASSERT_EQ(bands.size(), 3u);
  EXPECT_DOUBLE_EQ(bands.at("total").max, 0.25);
  EXPECT_DOUBLE_EQ(bands.at("*").max, 0.1);
  EXPECT_DOUBLE_EQ(bands.at("missing_price").min, 0.01);
  EXPECT_DOUBLE_EQ(bands.at("missing_price").max, 0.05);
}

TEST(DqBandsTest, DefaultsAreTheDocumentedOnes) {
  DqConfig config;
  EXPECT_DOUBLE_EQ(config.quarantine_bands.at("total").max, 0.25);
  EXPECT_DOUBLE_EQ(config.quarantine_bands.at("*").max, 0.10);
}

TEST(DqBandsTest, RefusesWhatIsNotReasonEqualsMinDashMax) {
  for (const char* bad : {"total", "=0-1", "total=0.5", "total=a-1", "total=0-2", "total=0.3-0.2",
                          "total=-1-0", "total=0-0.5x"}) {
    EXPECT_THROW(parse_rate_bands(bad), std::invalid_argument) << bad;
  }
}

}  // namespace
}  // namespace analytics::transformer
