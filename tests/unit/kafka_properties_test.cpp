#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "common/kafka/properties.hpp"

namespace analytics::kafka {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(KafkaPropertiesTest, ParsesPairsSeparatedByCommasOrNewlines) {
  auto props = parse_properties(" linger.ms = 10,\ncompression.type=zstd\n\n,sasl.password=a=b ");
  EXPECT_EQ(props.size(), 3u);
  EXPECT_EQ(props["linger.ms"], "10");
  EXPECT_EQ(props["compression.type"], "zstd");
  EXPECT_EQ(props["sasl.password"], "a=b");  // only the first '=' separates
  EXPECT_TRUE(parse_properties("").empty());
}

TEST(KafkaPropertiesTest, AnEntryWithoutKeyOrEqualsIsRefusedWithoutItsValue) {
  EXPECT_THROW(parse_properties("linger.ms"), std::invalid_argument);
  try {
    parse_properties("=s3cr3t-password");
    ADD_FAILURE() << "accepted an entry without a key";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), Not(HasSubstr("s3cr3t")));
  }
}

}  // namespace
}  // namespace analytics::kafka
