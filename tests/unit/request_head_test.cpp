#include "common/http/request_head.hpp"

#include <gtest/gtest.h>

#include <string>

namespace analytics::http {
namespace {

std::string head(const std::string& headers) {
  return "POST /v1/load HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n";
}

TEST(RequestHeadTest, OrdinaryHeadsPass) {
  EXPECT_FALSE(check_request_head(head("")));
  EXPECT_FALSE(check_request_head(head("Content-Length: 12\r\nContent-Type: application/json\r\n")));
  EXPECT_FALSE(check_request_head(head("Transfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n")));
  // The same length twice says one thing: RFC 9110 lets a recipient take it.
  EXPECT_FALSE(check_request_head(head("Content-Length: 12\r\ncontent-length:  12\r\n")));
  for (const char* coding : {"gzip", "GZIP", "deflate", "br", "identity"}) {
    EXPECT_FALSE(check_request_head(head(std::string("Content-Encoding: ") + coding + "\r\n")))
        << coding;
  }
}

TEST(RequestHeadTest, AmbiguousBodyLengthsAre400) {
  for (const char* headers : {"Content-Length: 12\r\nContent-Length: 13\r\n",
                              "Content-Length: 12\r\nTransfer-Encoding: chunked\r\n",
                              "Content-Length: -1\r\n", "Content-Length: 1e3\r\n",
                              "Content-Length: 12, 12\r\n", "Content-Length:\r\n"}) {
    auto problem = check_request_head(head(headers));
    ASSERT_TRUE(problem) << headers;
    EXPECT_EQ(problem->status, 400) << headers;
    EXPECT_EQ(problem->code, "bad_request");
  }
}

TEST(RequestHeadTest, MalformedHeaderLinesAre400) {
  for (const std::string& headers :
       {std::string("NoColonHere\r\n"), std::string(": no name\r\n"),
        std::string("Content-Type: application/json\0x\r\n", 34),
        std::string("X-Thing: a\rb\r\n")}) {
    auto problem = check_request_head(head(headers));
    ASSERT_TRUE(problem) << headers;
    EXPECT_EQ(problem->status, 400);
  }
}

TEST(RequestHeadTest, UnknownContentEncodingsAre415) {
  for (const char* coding : {"zstd", "compress", "gzip, br", "x-custom"}) {
    auto problem = check_request_head(head(std::string("Content-Encoding: ") + coding + "\r\n"));
    ASSERT_TRUE(problem) << coding;
    EXPECT_EQ(problem->status, 415) << coding;
    EXPECT_EQ(problem->code, "unsupported_media_type");
  }
}

}  // namespace
}  // namespace analytics::http
