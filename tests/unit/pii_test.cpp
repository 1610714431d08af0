#include "pii.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <stdexcept>
#include <string>

namespace analytics::transformer {
namespace {

const std::string kKey = "0123456789abcdef-test-key";

TEST(PiiProtectorTest, RejectsShortKeys) {
  EXPECT_THROW(PiiProtector("short"), std::invalid_argument);
  EXPECT_THROW(PiiProtector(std::string(15, 'k')), std::invalid_argument);
  EXPECT_NO_THROW(PiiProtector(std::string(16, 'k')));
}

TEST(PiiProtectorTest, HmacIs64LowerCaseHexChars) {
  PiiProtector pii(kKey);
  std::string digest = pii.hmac_hex("sarah.connor@example.com");
  EXPECT_TRUE(std::regex_match(digest, std::regex("^[0-9a-f]{64}$"))) << digest;
}

TEST(PiiProtectorTest, HmacMatchesRfc4231TestVector) {
  // RFC 4231 test case 1: key = 20 x 0x0b, data = "Hi There".
  PiiProtector pii(std::string(20, '\x0b'));
  EXPECT_EQ(pii.hmac_hex("Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(PiiProtectorTest, HmacIsDeterministic) {
  PiiProtector a(kKey);
  PiiProtector b(kKey);
  EXPECT_EQ(a.hmac_hex("sarah.connor@example.com"), a.hmac_hex("sarah.connor@example.com"));
  EXPECT_EQ(a.hmac_hex("sarah.connor@example.com"), b.hmac_hex("sarah.connor@example.com"));
}

TEST(PiiProtectorTest, HmacDependsOnKeyAndValue) {
  PiiProtector a(kKey);
  PiiProtector b("another-key-of-enough-length");
  EXPECT_NE(a.hmac_hex("sarah.connor@example.com"), b.hmac_hex("sarah.connor@example.com"));
  EXPECT_NE(a.hmac_hex("sarah.connor@example.com"), a.hmac_hex("james.smith@example.com"));
}

TEST(PiiProtectorTest, HmacIsNotAPlainHash) {
  // SHA-256("") — a keyed digest must not equal the unkeyed one.
  PiiProtector pii(kKey);
  EXPECT_NE(pii.hmac_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(PiiProtectorTest, MaskNameKeepsOnlyTheInitial) {
  EXPECT_EQ(PiiProtector::mask_name("Sarah Connor"), "S***");
  EXPECT_EQ(PiiProtector::mask_name("x"), "x***");
  EXPECT_EQ(PiiProtector::mask_name("  Sarah"), "S***");
}

TEST(PiiProtectorTest, MaskNameKeepsMultiByteInitialWhole) {
  EXPECT_EQ(PiiProtector::mask_name("Émile Zola"), "É***");                  // 2-byte UTF-8
  EXPECT_EQ(PiiProtector::mask_name("王小明"), "王***");                     // 3-byte UTF-8
  EXPECT_EQ(PiiProtector::mask_name("\U0001F600 Smiley"), "\U0001F600***");  // 4-byte UTF-8
}

TEST(PiiProtectorTest, MaskNameOfEmptyOrBlankIsEmpty) {
  EXPECT_EQ(PiiProtector::mask_name(""), "");
  EXPECT_EQ(PiiProtector::mask_name("   "), "");
}

}  // namespace
}  // namespace analytics::transformer
