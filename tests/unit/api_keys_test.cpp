#include "common/auth/api_keys.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

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

}  // namespace
}  // namespace analytics::auth
