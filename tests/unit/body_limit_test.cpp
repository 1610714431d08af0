// http::BodyCollector, the body cap that http::Server's content reader fills (the server-level
// cases, gzip bombs and chunks, are in http_server_test.cpp; gzip_body_fuzz drives it with
// httplib's decoder).
#include "common/http/body_limit.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace analytics::http {
namespace {

TEST(BodyCollectorTest, TakesPiecesUpToExactlyTheLimit) {
  BodyCollector body(10);
  EXPECT_TRUE(body.append("hello", 5));
  EXPECT_TRUE(body.append("", 0));
  EXPECT_TRUE(body.append("world", 5));
  EXPECT_FALSE(body.over_limit());
  EXPECT_EQ(body.take(), "helloworld");
}

TEST(BodyCollectorTest, ThePieceThatWouldPassTheLimitIsRefusedWhole) {
  BodyCollector body(10);
  EXPECT_TRUE(body.append("hello", 5));
  EXPECT_FALSE(body.append("world!", 6));
  EXPECT_TRUE(body.over_limit());
  EXPECT_EQ(body.body(), "hello");  // nothing of the refused piece
}

TEST(BodyCollectorTest, AfterARefusalEveryPieceIsRefused) {
  BodyCollector body(4);
  EXPECT_FALSE(body.append("12345", 5));
  EXPECT_FALSE(body.append("1", 1));
  EXPECT_FALSE(body.append("", 0));
  EXPECT_EQ(body.body(), "");
}

TEST(BodyCollectorTest, AZeroLimitTakesOnlyNothing) {
  BodyCollector body(0);
  EXPECT_TRUE(body.append("", 0));
  EXPECT_FALSE(body.append("x", 1));
}

TEST(BodyCollectorTest, AHugeDeclaredLengthReservesNoMoreThanTheLimit) {
  // The declared Content-Length is checked against the limit before, but the collector does
  // not rely on it: reserving 2^60 bytes would throw.
  BodyCollector body(1024, uint64_t{1} << 60);
  EXPECT_LE(body.body().capacity(), 4096u);
  EXPECT_TRUE(body.append("x", 1));
}

}  // namespace
}  // namespace analytics::http
