#include "common/text/encoding.hpp"

#include <gtest/gtest.h>

namespace analytics::text {
namespace {

TEST(EncodingTest, HexIsLowerCaseTwoDigitsPerByte) {
  EXPECT_EQ(hex_encode(""), "");
  EXPECT_EQ(hex_encode(std::string("\x00\x0f\xff A", 5)), "000fff2041");
}

TEST(EncodingTest, HexDecodesWhatHexEncodes) {
  std::string bytes("\x00\xff{a}\x80", 6);
  EXPECT_EQ(hex_decode(hex_encode(bytes)), bytes);
  EXPECT_EQ(hex_decode("7B7d"), "{}");
  EXPECT_EQ(hex_decode(""), "");
  EXPECT_EQ(hex_decode("7"), std::nullopt);
  EXPECT_EQ(hex_decode("zz"), std::nullopt);
}

TEST(EncodingTest, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xff\xfe"), "//4=");
}

TEST(EncodingTest, StorableUtf8AcceptsWellFormedText) {
  EXPECT_TRUE(is_storable_utf8(""));
  EXPECT_TRUE(is_storable_utf8("plain ascii"));
  EXPECT_TRUE(is_storable_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // é € 😀
  EXPECT_TRUE(is_storable_utf8("\xf4\x8f\xbf\xbf"));                           // U+10FFFF
}

TEST(EncodingTest, StorableUtf8RejectsWhatPostgresAndJsonRefuse) {
  EXPECT_FALSE(is_storable_utf8(std::string("a\0b", 3)));  // NUL
  EXPECT_FALSE(is_storable_utf8("\xff"));                  // never valid
  EXPECT_FALSE(is_storable_utf8("\xc3"));                  // truncated
  EXPECT_FALSE(is_storable_utf8("\x80"));                  // stray continuation
  EXPECT_FALSE(is_storable_utf8("\xc0\xaf"));              // overlong '/'
  EXPECT_FALSE(is_storable_utf8("\xe0\x80\xaf"));          // overlong
  EXPECT_FALSE(is_storable_utf8("\xed\xa0\x80"));          // surrogate U+D800
  EXPECT_FALSE(is_storable_utf8("\xf4\x90\x80\x80"));      // above U+10FFFF
}

}  // namespace
}  // namespace analytics::text
