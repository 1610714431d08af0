// Component test: a real http::Server on a loopback ephemeral port, driven by httplib::Client.
#include "common/http/http_server.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <stdexcept>
#include <string>

#include "common/errors/errors.hpp"
#include "common/metrics/metrics.hpp"

namespace analytics::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::regex kUuidV4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.get("/teapot", [](const httplib::Request&, httplib::Response&) {
      ApiError e(418, "teapot", "I am a teapot", {"short", "stout"});
      e.headers.emplace_back("Retry-After", "7");
      throw e;
    });
    server_.get("/search",
                [](const httplib::Request& req, httplib::Response& res) {
                  res.set_content(req.get_param_value("q"), "text/plain");
                },
                {"q", "limit"});
    server_.get("/bad-input", [](const httplib::Request&, httplib::Response&) {
      throw errors::ClientError("invalid_parameter", "rate must be in (0, 1e7]");
    });
    server_.get("/busy", [](const httplib::Request&, httplib::Response&) {
      throw errors::ClientError("too_many_jobs", "2 jobs are running", 429, 10);
    });
    server_.get("/db-down", [](const httplib::Request&, httplib::Response&) {
      throw errors::DependencyError(
          "warehouse", "connection to server at \"db\" (10.0.0.5), port 5432 failed", true);
    });
    server_.get("/db-broken", [](const httplib::Request&, httplib::Response&) {
      throw errors::DependencyError("warehouse", "syntax error at or near \"SELEC\"", false);
    });
    server_.get("/boom", [](const httplib::Request&, httplib::Response&) {
      throw std::runtime_error("connection to postgres://admin:s3cr3t@db failed");
    });
    server_.get("/quotes-client-bytes", [](const httplib::Request&, httplib::Response&) {
      throw ApiError(400, "bad_value", "field 'caf\xff' is not supported");
    });
    server_.get("/rid", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(request_id(res), "text/plain");
    });
    server_.post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.status = 202;
      res.set_content(req.body, "application/json");
    });
    server_.add_readiness_check("database", [this] { return db_problem_ ? "db down" : ""; });
    server_.add_readiness_check("kafka", [] { return std::string(); });
    port_ = server_.start("127.0.0.1", 0);
    ASSERT_GT(port_, 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_connection_timeout(2);
    client_->set_read_timeout(5);
  }

  void TearDown() override { server_.stop(); }

  httplib::Result get(const std::string& path, const httplib::Headers& headers = {}) {
    return client_->Get(path.c_str(), headers);
  }

  static nlohmann::json json_of(const httplib::Result& res) {
    return nlohmann::json::parse(res->body);
  }

  metrics::Registry registry_;
  Server server_{"test-service", registry_};
  std::atomic<bool> db_problem_{false};
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerTest, HealthzIsAlive) {
  auto res = get("/healthz");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  auto body = json_of(res);
  EXPECT_EQ(body.at("status"), "alive");
  EXPECT_EQ(body.at("service"), "test-service");
}

TEST_F(HttpServerTest, ReadyzReflectsChecks) {
  db_problem_ = true;
  auto res = get("/readyz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  auto body = json_of(res);
  EXPECT_EQ(body.at("status"), "not_ready");
  EXPECT_EQ(body.at("checks").at("database"), "db down");
  EXPECT_EQ(body.at("checks").at("kafka"), "ok");

  db_problem_ = false;
  res = get("/readyz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  body = json_of(res);
  EXPECT_EQ(body.at("status"), "ready");
  EXPECT_EQ(body.at("checks").at("database"), "ok");
}

TEST(HttpServerReadinessTest, ThrowingCheckMakesServiceNotReady) {
  metrics::Registry registry;
  Server server("svc", registry);
  server.add_readiness_check(
      "broker", []() -> std::string { throw std::runtime_error("broker unreachable"); });
  int port = server.start("127.0.0.1", 0);
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/readyz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(nlohmann::json::parse(res->body).at("checks").at("broker"), "broker unreachable");
  server.stop();
}

TEST_F(HttpServerTest, MetricsCountRequestsByRouteAndStatus) {
  ASSERT_TRUE(get("/healthz"));
  ASSERT_TRUE(get("/teapot"));
  auto res = get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->get_header_value("Content-Type"), HasSubstr("text/plain"));
  EXPECT_THAT(res->body, HasSubstr("# TYPE http_requests_total counter"));
  EXPECT_THAT(res->body,
              HasSubstr(R"(http_requests_total{method="GET",route="/healthz",status="200"} 1)"));
  EXPECT_THAT(res->body,
              HasSubstr(R"(http_requests_total{method="GET",route="/teapot",status="418"} 1)"));
  EXPECT_THAT(res->body, HasSubstr("http_request_duration_seconds_bucket"));
}

TEST_F(HttpServerTest, UnknownRouteIsA404InTheErrorShape) {
  auto res = get("/no/such/route");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  auto body = json_of(res);
  ASSERT_TRUE(body.contains("error"));
  EXPECT_EQ(body["error"].at("code"), "not_found");
  EXPECT_THAT(body["error"].at("message").get<std::string>(), HasSubstr("/no/such/route"));
}

// A known path asked with a method it does not serve: 405 naming what it takes, not a 404
// that says the path does not exist.
TEST_F(HttpServerTest, AKnownPathWithAnotherMethodIs405WithAllow) {
  auto post = client_->Post("/healthz", "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
  auto body = json_of(post);
  EXPECT_EQ(body["error"].at("code"), "method_not_allowed");
  EXPECT_THAT(body["error"].at("message").get<std::string>(), HasSubstr("GET, HEAD"));
  auto del = client_->Delete("/metrics");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
  auto put = client_->Put("/readyz", "", "text/plain");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 405);
  // Still 404 where no method is served.
  auto unknown = client_->Post("/no/such/route", "{}", "application/json");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
}

TEST_F(HttpServerTest, ApiErrorKeepsItsStatusCodeDetailsAndHeaders) {
  auto res = get("/teapot");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 418);
  EXPECT_EQ(res->get_header_value("Retry-After"), "7");
  EXPECT_THAT(res->get_header_value("Content-Type"), HasSubstr("application/json"));
  auto body = json_of(res);
  ASSERT_EQ(body.size(), 1u);
  EXPECT_EQ(body["error"].at("code"), "teapot");
  EXPECT_EQ(body["error"].at("message"), "I am a teapot");
  EXPECT_EQ(body["error"].at("details"), nlohmann::json::array({"short", "stout"}));
}

TEST_F(HttpServerTest, ErrorMessageQuotingInvalidUtf8KeepsItsStatus) {
  auto res = get("/quotes-client-bytes");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json_of(res)["error"].at("code"), "bad_value");
}

TEST_F(HttpServerTest, UnexpectedExceptionIsA500ThatLeaksNothing) {
  auto res = get("/boom", {{"X-Request-Id", "req-boom-1"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_THAT(res->body, Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(res->body, Not(HasSubstr("postgres")));
  auto body = json_of(res);
  EXPECT_EQ(body["error"].at("code"), "internal");
  EXPECT_TRUE(body["error"].at("details").is_array());
  // The request id lets an operator find the logged cause.
  EXPECT_THAT(body["error"].at("message").get<std::string>(), HasSubstr("req-boom-1"));
}

TEST_F(HttpServerTest, RequestIdIsEchoed) {
  auto res = get("/rid", {{"X-Request-Id", "client-chosen-id-123"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("X-Request-Id"), "client-chosen-id-123");
  EXPECT_EQ(res->body, "client-chosen-id-123");
}

TEST_F(HttpServerTest, RequestIdIsGeneratedWhenAbsentOrTooLong) {
  auto res = get("/rid");
  ASSERT_TRUE(res);
  std::string generated = res->get_header_value("X-Request-Id");
  EXPECT_TRUE(std::regex_match(generated, kUuidV4)) << generated;
  EXPECT_EQ(res->body, generated);

  auto again = get("/rid");
  ASSERT_TRUE(again);
  EXPECT_NE(again->get_header_value("X-Request-Id"), generated);

  auto too_long = get("/rid", {{"X-Request-Id", std::string(200, 'a')}});
  ASSERT_TRUE(too_long);
  EXPECT_TRUE(std::regex_match(too_long->get_header_value("X-Request-Id"), kUuidV4));
}

TEST_F(HttpServerTest, RequestIdWithUnsafeCharactersIsReplaced) {
  // It travels into logs, Kafka headers and the warehouse: only plain identifiers pass.
  for (const std::string& unsafe : {std::string("id with spaces"), std::string("id\x01ctl"),
                                    std::string("caf\xc3\xa9"), std::string("a\"b")}) {
    auto res = get("/rid", {{"X-Request-Id", unsafe}});
    ASSERT_TRUE(res);
    EXPECT_TRUE(std::regex_match(res->get_header_value("X-Request-Id"), kUuidV4)) << unsafe;
  }
  auto ok = get("/rid", {{"X-Request-Id", "trace:abc.DEF_1-2"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->get_header_value("X-Request-Id"), "trace:abc.DEF_1-2");
}

TEST_F(HttpServerTest, PostRoutesAreServed) {
  auto res = client_->Post("/echo", R"({"a":1})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 202);
  EXPECT_EQ(res->body, R"({"a":1})");
  EXPECT_FALSE(res->get_header_value("X-Request-Id").empty());
}

TEST_F(HttpServerTest, DefaultBodyLimitIsOneMebibyte) {
  EXPECT_EQ(server_.max_body_bytes(), kDefaultMaxBodyBytes);
  auto res = client_->Post("/echo", std::string(kDefaultMaxBodyBytes + 1, ' '), "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 413);
}

TEST_F(HttpServerTest, StopIsIdempotentAndClosesThePort) {
  server_.stop();
  server_.stop();
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(1);
  EXPECT_FALSE(client.Get("/healthz"));
}

/// Bodies are limited after decompression and across chunks, while they are read.
class HttpBodyLimitTest : public ::testing::Test {
 protected:
  static constexpr size_t kLimit = 64 * 1024;
  static constexpr size_t kHuge = 20 * 1024 * 1024;

  void SetUp() override {
    server_.set_max_body_bytes(kLimit);
    server_.post("/size", [this](const httplib::Request& req, httplib::Response& res) {
      ++handled_;
      res.set_content(std::to_string(req.body.size()), "text/plain");
    });
    server_.del("/size", [this](const httplib::Request& req, httplib::Response& res) {
      ++handled_;
      res.set_content(std::to_string(req.body.size()), "text/plain");
    });
    port_ = server_.start("127.0.0.1", 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(10);
  }

  void TearDown() override { server_.stop(); }

  /// Sends `total` bytes of spaces with Transfer-Encoding: chunked, 16 KiB per chunk.
  httplib::Result post_chunked(size_t total, const std::string& path = "/size") {
    auto sent = std::make_shared<size_t>(0);
    return client_->Post(
        path,
        [sent, total](size_t, httplib::DataSink& sink) {
          if (*sent >= total) {
            sink.done();
            return true;
          }
          std::string chunk(std::min<size_t>(16 * 1024, total - *sent), ' ');
          *sent += chunk.size();
          return sink.write(chunk.data(), chunk.size());
        },
        "application/json");
  }

  void expect_payload_too_large(const httplib::Result& res) {
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 413);
    auto body = nlohmann::json::parse(res->body);
    EXPECT_EQ(body["error"].at("code"), "payload_too_large");
    EXPECT_THAT(body["error"].at("message").get<std::string>(), HasSubstr("65536 bytes"));
    EXPECT_TRUE(body["error"].at("details").is_array());
    EXPECT_EQ(handled_, 0) << "the handler must not see a body over the limit";
  }

  metrics::Registry registry_;
  Server server_{"limited", registry_};
  std::atomic<int> handled_{0};
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpBodyLimitTest, DeclaredLengthOverTheLimitIs413) {
  expect_payload_too_large(client_->Post("/size", std::string(kLimit + 1, ' '), "text/plain"));
}

TEST_F(HttpBodyLimitTest, BodyAtTheLimitIsServed) {
  auto res = client_->Post("/size", std::string(kLimit, ' '), "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, std::to_string(kLimit));
}

TEST_F(HttpBodyLimitTest, GzipBodyIsLimitedByItsInflatedSize) {
  // 20 MiB of spaces are ~20 KB of gzip: under the limit on the wire, 320 times over inflated.
  client_->set_compress(true);
  expect_payload_too_large(client_->Post("/size", std::string(kHuge, ' '), "text/plain"));
}

TEST_F(HttpBodyLimitTest, GzipBodyWithinTheLimitArrivesInflated) {
  client_->set_compress(true);
  auto res = client_->Post("/size", std::string(kLimit, ' '), "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, std::to_string(kLimit));
}

TEST_F(HttpBodyLimitTest, ChunkedBodyIsLimitedAcrossChunks) {
  expect_payload_too_large(post_chunked(kHuge));
}

TEST_F(HttpBodyLimitTest, GzipInsideChunksIsLimitedByItsInflatedSize) {
  client_->set_compress(true);
  expect_payload_too_large(post_chunked(kHuge));
}

TEST_F(HttpBodyLimitTest, ChunkedBodyWithinTheLimitIsJoined) {
  auto res = post_chunked(kLimit - 1);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, std::to_string(kLimit - 1));
}

TEST_F(HttpBodyLimitTest, DeleteBodiesAreLimitedToo) {
  auto res = client_->Delete("/size", std::string(kLimit + 1, ' '), "text/plain");
  expect_payload_too_large(res);
}

TEST_F(HttpBodyLimitTest, UnknownRouteIs404WithoutReadingTheBody) {
  // httplib alone reads such a body in full (unbounded when chunked) just to answer 404.
  auto res = post_chunked(kHuge, "/nowhere");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(nlohmann::json::parse(res->body)["error"].at("code"), "not_found");
}

TEST_F(HttpBodyLimitTest, GetOfAPostOnlyPathIs405) {
  auto res = client_->Get("/size");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "POST, DELETE");
}

TEST_F(HttpBodyLimitTest, RefusedBodiesAreCountedUnderTheirRoute) {
  ASSERT_TRUE(client_->Post("/size", std::string(kLimit + 1, ' '), "text/plain"));
  auto res = client_->Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_THAT(res->body,
              HasSubstr(R"(http_requests_total{method="POST",route="/size",status="413"} 1)"));
}

// The one error mapper: errors thrown below HTTP become the right answer without a handler
// translating them, and a dependency's text never reaches the client.
TEST_F(HttpServerTest, ClientErrorsThrownBelowHttpKeepTheirStatusAndCode) {
  auto res = get("/bad-input");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json_of(res)["error"]["code"], "invalid_parameter");
  EXPECT_EQ(json_of(res)["error"]["message"], "rate must be in (0, 1e7]");
  res = get("/busy");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  EXPECT_EQ(res->get_header_value("Retry-After"), "10");
}

TEST_F(HttpServerTest, DependencyFailuresAre503WhenRetryableAnd500OtherwiseWithoutTheirText) {
  auto res = get("/db-down");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->get_header_value("Retry-After"), "5");
  EXPECT_EQ(json_of(res)["error"]["code"], "warehouse_unavailable");
  EXPECT_THAT(res->body, Not(HasSubstr("10.0.0.5")));
  res = get("/db-broken");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(json_of(res)["error"]["code"], "internal");
  EXPECT_THAT(res->body, Not(HasSubstr("SELEC")));
  EXPECT_TRUE(res->get_header_value("Retry-After").empty());
}

// A query parameter a route does not take, or one given twice, is a 400 naming it: ignoring
// `?verison=2` or one of two `?q=` would answer something other than what was asked.
TEST_F(HttpServerTest, UnknownAndRepeatedQueryParametersAre400NamingThem) {
  auto ok = get("/search?q=lamp&limit=3");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "lamp");
  for (const auto& [path, name] :
       std::vector<std::pair<std::string, std::string>>{{"/search?q=lamp&qq=1", "qq"},
                                                        {"/search?q=lamp&q=desk", "q"},
                                                        {"/search?q=lamp&q=lamp", "q"},
                                                        {"/healthz?cache=1", "cache"}}) {
    auto res = get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 400) << path << " " << res->body;
    EXPECT_EQ(json_of(res)["error"]["code"], "invalid_parameter") << path;
    EXPECT_EQ(json_of(res)["error"]["details"][0], name) << path;
  }
  EXPECT_THAT(get("/search?x=1")->body, HasSubstr("allowed: q, limit"));
  EXPECT_THAT(get("/healthz?x=1")->body, HasSubstr("takes none"));
}

}  // namespace
}  // namespace analytics::http
