#include "common/config/env_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace analytics::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Only `env` is read, never the process environment, even when it is empty.
EnvConfig config_with(std::map<std::string, std::string> env) { return EnvConfig(std::move(env)); }

std::string finish_message(const EnvConfig& config) {
  try {
    config.finish();
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "finish() did not throw ConfigError";
  return "";
}

TEST(EnvConfigTest, AnEmptyMapIsAnEmptyEnvironment) {
  setenv("ENV_CONFIG_TEST_ONLY_IN_PROCESS", "from-process", 1);
  EnvConfig config = config_with({});
  EXPECT_EQ(config.get_string("ENV_CONFIG_TEST_ONLY_IN_PROCESS", "default", "d"), "default");
  unsetenv("ENV_CONFIG_TEST_ONLY_IN_PROCESS");
}

TEST(EnvConfigTest, UnsetKeysTakeTheirDefaults) {
  EnvConfig config = config_with({});
  EXPECT_EQ(config.get_string("KAFKA_BROKERS", "localhost:9092", "brokers"), "localhost:9092");
  EXPECT_EQ(config.get_secret("PG_PASSWORD", "dev", "password"), "dev");
  EXPECT_EQ(config.get_int("HTTP_PORT", 8080, 1, 65535, "port"), 8080);
  EXPECT_DOUBLE_EQ(config.get_double("DIRT_RATE", 0.05, 0, 1, "rate"), 0.05);
  EXPECT_TRUE(config.get_bool("ENABLE_X", true, "flag"));
  EXPECT_NO_THROW(config.finish());
}

TEST(EnvConfigTest, EmptyValueCountsAsUnset) {
  EnvConfig config = config_with({{"HTTP_PORT", ""}, {"NAME", ""}});
  EXPECT_EQ(config.get_int("HTTP_PORT", 8080, 1, 65535, "port"), 8080);
  EXPECT_EQ(config.get_string("NAME", "default", "name"), "default");
  EXPECT_NO_THROW(config.finish());
}

TEST(EnvConfigTest, ParsesEachTypeFromTheEnvironment) {
  EnvConfig config = config_with({{"KAFKA_BROKERS", "kafka:29092"},
                                  {"HTTP_PORT", "9090"},
                                  {"NEG", "-12"},
                                  {"DIRT_RATE", "0.25"},
                                  {"ENABLE_X", "false"}});
  EXPECT_EQ(config.get_string("KAFKA_BROKERS", "localhost:9092", "brokers"), "kafka:29092");
  EXPECT_EQ(config.get_int("HTTP_PORT", 8080, 1, 65535, "port"), 9090);
  EXPECT_EQ(config.get_int("NEG", 0, -100, 100, "negative"), -12);
  EXPECT_DOUBLE_EQ(config.get_double("DIRT_RATE", 0.05, 0, 1, "rate"), 0.25);
  EXPECT_FALSE(config.get_bool("ENABLE_X", true, "flag"));
  EXPECT_NO_THROW(config.finish());
}

TEST(EnvConfigTest, BooleanAcceptsCommonSpellings) {
  for (const char* yes : {"1", "true", "yes", "on"}) {
    EnvConfig config = config_with({{"FLAG", yes}});
    EXPECT_TRUE(config.get_bool("FLAG", false, "flag")) << yes;
    EXPECT_NO_THROW(config.finish()) << yes;
  }
  for (const char* no : {"0", "false", "no", "off"}) {
    EnvConfig config = config_with({{"FLAG", no}});
    EXPECT_FALSE(config.get_bool("FLAG", true, "flag")) << no;
    EXPECT_NO_THROW(config.finish()) << no;
  }
}

TEST(EnvConfigTest, RangeBoundsAreInclusive) {
  EnvConfig config = config_with({{"LOW", "1"}, {"HIGH", "65535"}, {"RATE", "1.0"}});
  EXPECT_EQ(config.get_int("LOW", 8080, 1, 65535, "port"), 1);
  EXPECT_EQ(config.get_int("HIGH", 8080, 1, 65535, "port"), 65535);
  EXPECT_DOUBLE_EQ(config.get_double("RATE", 0.5, 0, 1, "rate"), 1.0);
  EXPECT_NO_THROW(config.finish());
}

TEST(EnvConfigTest, OutOfRangeIntegerIsReportedAndDefaultKept) {
  EnvConfig config = config_with({{"HTTP_PORT", "70000"}});
  EXPECT_EQ(config.get_int("HTTP_PORT", 8080, 1, 65535, "port"), 8080);
  std::string message = finish_message(config);
  EXPECT_THAT(message, HasSubstr("HTTP_PORT"));
  EXPECT_THAT(message, HasSubstr("70000"));
  EXPECT_THAT(message, HasSubstr("[1, 65535]"));
}

TEST(EnvConfigTest, OutOfRangeDoubleIsReported) {
  EnvConfig config = config_with({{"DIRT_RATE", "1.5"}});
  config.get_double("DIRT_RATE", 0.05, 0, 1, "rate");
  std::string message = finish_message(config);
  EXPECT_THAT(message, HasSubstr("DIRT_RATE"));
  EXPECT_THAT(message, HasSubstr("1.5"));
}

// NaN compares false with both bounds, so a range check written as `v < min || v > max` lets it
// through; MALFORMED_TIMESTAMP_RATE=nan must not start eventgen with a NaN rate.
TEST(EnvConfigTest, NanIsOutsideEveryRange) {
  EnvConfig config = config_with({{"DIRT_RATE", "nan"}});
  EXPECT_DOUBLE_EQ(config.get_double("DIRT_RATE", 0.05, 0, 1, "rate"), 0.05);
  EXPECT_THROW(config.finish(), ConfigError);
}

TEST(EnvConfigTest, NonNumericAndTrailingGarbageAreRejected) {
  EnvConfig config =
      config_with({{"A", "abc"}, {"B", "12abc"}, {"C", "0.5x"}, {"D", "99999999999999999999"}});
  EXPECT_EQ(config.get_int("A", 7, 0, 100, "a"), 7);
  EXPECT_EQ(config.get_int("B", 7, 0, 100, "b"), 7);
  EXPECT_DOUBLE_EQ(config.get_double("C", 0.1, 0, 1, "c"), 0.1);
  config.get_int("D", 7, 0, 100, "d");
  std::string message = finish_message(config);
  EXPECT_THAT(message, HasSubstr("A='abc' is not an integer"));
  EXPECT_THAT(message, HasSubstr("B='12abc' is not an integer"));
  EXPECT_THAT(message, HasSubstr("C='0.5x' is not a number"));
  EXPECT_THAT(message, HasSubstr("D="));
}

TEST(EnvConfigTest, InvalidBooleanIsReported) {
  EnvConfig config = config_with({{"ENABLE_X", "maybe"}});
  EXPECT_TRUE(config.get_bool("ENABLE_X", true, "flag"));
  EXPECT_THAT(finish_message(config), HasSubstr("ENABLE_X='maybe'"));
}

TEST(EnvConfigTest, FinishReportsEveryBadKeyAtOnce) {
  EnvConfig config = config_with({{"HTTP_PORT", "0"},
                                  {"WORKERS", "many"},
                                  {"DIRT_RATE", "-0.1"},
                                  {"ENABLE_X", "perhaps"},
                                  {"GOOD", "5"}});
  config.get_int("HTTP_PORT", 8080, 1, 65535, "port");
  config.get_int("WORKERS", 4, 1, 64, "workers");
  config.get_double("DIRT_RATE", 0.05, 0, 1, "rate");
  config.get_bool("ENABLE_X", false, "flag");
  config.get_int("GOOD", 1, 1, 10, "good");
  std::string message = finish_message(config);
  EXPECT_THAT(message, HasSubstr("HTTP_PORT"));
  EXPECT_THAT(message, HasSubstr("WORKERS"));
  EXPECT_THAT(message, HasSubstr("DIRT_RATE"));
  EXPECT_THAT(message, HasSubstr("ENABLE_X"));
  EXPECT_THAT(message, Not(HasSubstr("GOOD")));
}

TEST(EnvConfigTest, DescribeListsKeysValuesAndDescriptions) {
  EnvConfig config = config_with({{"HTTP_PORT", "9090"}});
  config.get_int("HTTP_PORT", 8080, 1, 65535, "port to listen on");
  config.get_string("KAFKA_BROKERS", "localhost:9092", "bootstrap servers");
  std::string text = config.describe();
  EXPECT_THAT(text, HasSubstr("HTTP_PORT=9090"));
  EXPECT_THAT(text, HasSubstr("port to listen on"));
  EXPECT_THAT(text, HasSubstr("KAFKA_BROKERS=localhost:9092"));
  EXPECT_THAT(text, HasSubstr("bootstrap servers"));
}

TEST(EnvConfigTest, DescribeMasksSecretsFromEnvAndDefaults) {
  EnvConfig config = config_with({{"PG_PASSWORD", "hunter2-from-env"}});
  EXPECT_EQ(config.get_secret("PG_PASSWORD", "default-pw", "database password"),
            "hunter2-from-env");
  EXPECT_EQ(config.get_secret("PII_HMAC_KEY", "default-secret-key", "hmac key"),
            "default-secret-key");
  std::string text = config.describe();
  EXPECT_THAT(text, Not(HasSubstr("hunter2-from-env")));
  EXPECT_THAT(text, Not(HasSubstr("default-secret-key")));
  EXPECT_THAT(text, HasSubstr("PG_PASSWORD=<secret>"));
  EXPECT_THAT(text, HasSubstr("PII_HMAC_KEY=<secret>"));
  EXPECT_THAT(text, HasSubstr("database password"));
}

// Every service listens on loopback unless told otherwise: reachable from this machine only.
TEST(EnvConfigTest, ServicesListenOnLoopbackByDefault) {
  EnvConfig config = config_with({});
  auto settings = read_service_settings(config, 8081);
  EXPECT_EQ(settings.host, "127.0.0.1");
  EXPECT_EQ(settings.port, 8081);
}

}  // namespace
}  // namespace analytics::config
