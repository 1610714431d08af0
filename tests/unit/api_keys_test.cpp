#include "common/auth/api_keys.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include "common/auth/api_keys_from_env.hpp"

namespace analytics::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Verdict = ApiKeys::Verdict;

const std::string kAll = "all-types-key-0123456789";
const std::string kOrders = "orders-key-0123456789abc";

TEST(ApiKeysTest, ParsesEntriesCommentsAndScopes) {
  auto keys = ApiKeys::parse(" " + kAll + " ,\n# operators\n\n" + kOrders +
                             "@commerce.transaction|refund.issued\r\n");
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys.check(kAll, "user.interaction"), Verdict::kAllowed);
  EXPECT_EQ(keys.check(kOrders, "commerce.transaction"), Verdict::kAllowed);
  EXPECT_EQ(keys.check(kOrders, "refund.issued"), Verdict::kAllowed);
  EXPECT_EQ(keys.check(kOrders, "user.interaction"), Verdict::kNotInScope);
}

TEST(ApiKeysTest, MissingWrongAndNearMissKeysAreRefused) {
  auto keys = ApiKeys::parse(kAll);
  EXPECT_EQ(keys.check("", "x"), Verdict::kMissing);
  EXPECT_EQ(keys.check("nope", "x"), Verdict::kUnknown);
  EXPECT_EQ(keys.check(kAll.substr(0, kAll.size() - 1), "x"), Verdict::kUnknown);  // prefix
  EXPECT_EQ(keys.check(kAll + "9", "x"), Verdict::kUnknown);                       // longer
  std::string flipped = kAll;
  flipped[0] ^= 0x20;  // case differs: keys are exact
  EXPECT_EQ(keys.check(flipped, "x"), Verdict::kUnknown);
}

TEST(ApiKeysTest, NoEntriesMeansOpen) {
  EXPECT_TRUE(ApiKeys::parse("").empty());
  EXPECT_TRUE(ApiKeys::parse("\n# nothing yet\n , \n").empty());
}

TEST(ApiKeysTest, MalformedEntriesAreRefusedWithoutEchoingTheKey) {
  for (const std::string& bad : {std::string("short-key"), kAll + "@", kAll + "@a||b"}) {
    try {
      ApiKeys::parse("# first\n" + bad);
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), HasSubstr("entry 1"));
      EXPECT_THAT(e.what(), Not(HasSubstr(bad.substr(0, 9))));
    }
  }
}

TEST(PresentedKeyTest, XApiKeyFirstThenBearer) {
  EXPECT_EQ(presented_key(" k1 ", "Bearer k2"), "k1");
  EXPECT_EQ(presented_key("", "Bearer k2"), "k2");
  EXPECT_EQ(presented_key("", "bearer   k2 "), "k2");
  EXPECT_EQ(presented_key("", "Basic dXNlcjpwYXNz"), "");
  EXPECT_EQ(presented_key("", "Bearer"), "");
  EXPECT_EQ(presented_key("", ""), "");
}

using Vars = std::map<std::string, std::string>;

TEST(ApiKeysFromEnvTest, KeysFromTheVariableAndTheFileAreMerged) {
  std::string file = ::testing::TempDir() + "/operator-keys";
  std::ofstream(file) << "# operators\n" << kOrders << "@load\n";
  config::EnvConfig env(Vars{{"EVENTGEN_API_KEYS", kAll}, {"EVENTGEN_API_KEYS_FILE", file}});
  auto keys = api_keys_from_env(env, "EVENTGEN", "who may start load jobs");
  std::ostringstream errors;
  EXPECT_TRUE(env.check(errors)) << errors.str();
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys.check(kOrders, "load"), Verdict::kAllowed);
  EXPECT_EQ(keys.check(kOrders, "control"), Verdict::kNotInScope);
  // The variable is a secret: --help shows its name, never its value.
  EXPECT_THAT(env.describe(), HasSubstr("EVENTGEN_API_KEYS"));
  EXPECT_THAT(env.describe(), Not(HasSubstr(kAll)));
  std::remove(file.c_str());
}

TEST(ApiKeysFromEnvTest, BadEntriesAndUnreadableFilesAreConfigurationErrorsThatHideTheKeys) {
  config::EnvConfig bad_entry(Vars{{"DEV_BROKER_API_KEYS", kAll + "@"}});
  EXPECT_TRUE(api_keys_from_env(bad_entry, "DEV_BROKER", "control").empty());
  std::ostringstream errors;
  EXPECT_FALSE(bad_entry.check(errors));
  EXPECT_THAT(errors.str(), HasSubstr("DEV_BROKER_API_KEYS"));
  EXPECT_THAT(errors.str(), Not(HasSubstr(kAll)));

  config::EnvConfig no_file(Vars{{"GATEWAY_API_KEYS_FILE", "/nonexistent/keys"}});
  api_keys_from_env(no_file, "GATEWAY", "who may post events");
  std::ostringstream file_errors;
  EXPECT_FALSE(no_file.check(file_errors));
  EXPECT_THAT(file_errors.str(), HasSubstr("/nonexistent/keys"));
}

TEST(ApiKeysFromEnvTest, OnlyLoopbackAddressesCountAsLocal) {
  for (const char* host : {"127.0.0.1", "127.8.9.1", "::1", "localhost"}) {
    EXPECT_TRUE(is_loopback_host(host)) << host;
  }
  for (const char* host : {"0.0.0.0", "::", "10.0.0.5", "192.168.1.2", "eventgen", "1270.0.0.1",
                           "127.example.com", "::ffff:10.0.0.1"}) {
    EXPECT_FALSE(is_loopback_host(host)) << host;
  }
}

}  // namespace
}  // namespace analytics::auth
