// Component test: a real http::Server on a loopback ephemeral port, driven by raw sockets that
// behave the way hostile or careless clients do (idle, trickling, oversized, pipelining).
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/http/http_server.hpp"
#include "common/metrics/metrics.hpp"
#include "raw_client.hpp"

namespace analytics::http {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using test_support::RawClient;

std::string error_code_of(const std::string& response) {
  auto body = response.substr(response.find("\r\n\r\n") + 4);
  return nlohmann::json::parse(body)["error"].at("code");
}

class HttpConnectionTest : public ::testing::Test {
 protected:
  /// Starts the server; tests adjust `limits_` first.
  void start() {
    server_.set_max_body_bytes(kLimit);
    server_.set_connection_limits(limits_);
    server_.post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "text/plain");
    });
    server_.get("/wait", [this](const httplib::Request&, httplib::Response& res) {
      entered_.set_value();
      release_.wait_for(std::chrono::seconds(5));
      res.set_content("done", "text/plain");
    });
    port_ = server_.start("127.0.0.1", 0);
    ASSERT_GT(port_, 0);
  }

  void TearDown() override { server_.stop(); }

  /// GET /healthz on a fresh connection; returns how long the answer took (or a failure).
  ::testing::AssertionResult healthz_within(milliseconds limit) {
    auto started = Clock::now();
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(5);
    client.set_read_timeout(5);
    auto res = client.Get("/healthz");
    auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    if (!res) return ::testing::AssertionFailure() << httplib::to_string(res.error());
    if (res->status != 200) return ::testing::AssertionFailure() << "status " << res->status;
    if (took > limit) return ::testing::AssertionFailure() << "took " << took.count() << " ms";
    return ::testing::AssertionSuccess() << "took " << took.count() << " ms";
  }

  /// Sends `request` on a new connection; returns all the server sent until it closed it.
  std::string exchange(const std::string& request) {
    RawClient c(port_);
    EXPECT_TRUE(c.send(request));
    return c.read_until_closed();
  }

  static void expect_error(const std::string& answer, int status, const std::string& code) {
    EXPECT_THAT(answer, StartsWith("HTTP/1.1 " + std::to_string(status))) << answer;
    EXPECT_EQ(error_code_of(answer), code);
  }

  static constexpr size_t kLimit = 64 * 1024;
  ConnectionLimits limits_;
  metrics::Registry registry_;
  Server server_{"edge", registry_};
  std::promise<void> entered_;
  std::promise<void> release_promise_;
  std::shared_future<void> release_ = release_promise_.get_future().share();
  int port_ = 0;
};

TEST_F(HttpConnectionTest, HealthzAnswersWhileSlowlorisAndIdleClientsHoldConnections) {
  // Before: 8 workers, each held by a connection until a 5 s read timeout that every trickled
  // byte renewed, so /healthz timed out for as long as such clients stayed.
  start();
  std::vector<std::unique_ptr<RawClient>> idle, slow;
  for (int i = 0; i < 100; ++i) idle.push_back(std::make_unique<RawClient>(port_));
  for (int i = 0; i < 20; ++i) slow.push_back(std::make_unique<RawClient>(port_));
  const std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaa";
  for (size_t byte = 0; byte < 10; ++byte) {
    for (auto& c : slow) ASSERT_TRUE(c->send(head.substr(byte, 1)));
    if (byte % 2 == 1) {
      EXPECT_TRUE(healthz_within(milliseconds(1000)));
    }
    std::this_thread::sleep_for(milliseconds(200));
  }
  // They were all still connected while /healthz answered.
  for (auto& c : idle) EXPECT_FALSE(c->closed_within(milliseconds(0)));
  for (auto& c : slow) EXPECT_FALSE(c->closed_within(milliseconds(0)));
}

TEST_F(HttpConnectionTest, IdleConnectionsAreClosedAfterTheIdleTimeout) {
  limits_.idle_timeout = milliseconds(300);
  start();
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 10; ++i) idle.push_back(std::make_unique<RawClient>(port_));
  for (auto& c : idle) EXPECT_TRUE(c->closed_within(milliseconds(2000)));
}

TEST_F(HttpConnectionTest, KeptAliveConnectionIsClosedAfterTheIdleTimeout) {
  limits_.idle_timeout = milliseconds(300);
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_THAT(c.read_response(), StartsWith("HTTP/1.1 200"));
  EXPECT_TRUE(c.closed_within(milliseconds(2000)));
}

TEST_F(HttpConnectionTest, TricklingHeadIsAnswered408AfterTheHeadTimeout) {
  limits_.head_timeout = milliseconds(500);
  start();
  RawClient c(port_);
  auto started = Clock::now();
  std::string answer;
  for (char byte : std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaa")) {
    if (!c.send(std::string(1, byte))) break;
    answer = c.read_until_closed(milliseconds(100));
    if (!answer.empty()) break;
  }
  expect_error(answer, 408, "request_timeout");
  EXPECT_LT(Clock::now() - started, milliseconds(1500));
}

TEST_F(HttpConnectionTest, OversizedHeadIsAnswered431) {
  start();
  expect_error(exchange("GET /healthz HTTP/1.1\r\nX-Pad: " + std::string(70 * 1024, 'a')), 431,
               "header_too_large");
}

TEST_F(HttpConnectionTest, BeyondMaxConnectionsTheLongestIdleAreClosed) {
  limits_.max_connections = 20;
  start();
  std::vector<std::unique_ptr<RawClient>> older, newer;
  for (int i = 0; i < 20; ++i) older.push_back(std::make_unique<RawClient>(port_));
  // Let the server adopt the first group before the second arrives, so "oldest" is defined.
  ASSERT_TRUE(healthz_within(milliseconds(1000)));
  for (int i = 0; i < 10; ++i) newer.push_back(std::make_unique<RawClient>(port_));
  ASSERT_TRUE(healthz_within(milliseconds(1000)));
  int older_closed = 0;
  for (auto& c : older) older_closed += c->closed_within(milliseconds(50)) ? 1 : 0;
  EXPECT_GE(older_closed, 10);
  for (auto& c : newer) EXPECT_FALSE(c->closed_within(milliseconds(0)));
}

TEST_F(HttpConnectionTest, FullRequestQueueIsAnswered503) {
  limits_.workers = 1;
  limits_.max_queued_requests = 1;
  start();
  RawClient busy(port_), queued(port_), refused(port_);
  ASSERT_TRUE(busy.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(entered_.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  ASSERT_TRUE(queued.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(refused.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto answer = refused.read_until_closed();
  expect_error(answer, 503, "overloaded");
  EXPECT_THAT(answer, HasSubstr("Retry-After: 1"));
  release_promise_.set_value();
  EXPECT_THAT(busy.read_response(), StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(queued.read_response(), StartsWith("HTTP/1.1 200"));
}

TEST_F(HttpConnectionTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(
      c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst"
             "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nsecond"));
  auto first = c.read_response();
  auto second = c.read_response();
  EXPECT_THAT(first, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(first, HasSubstr("\r\n\r\nfirst"));
  EXPECT_THAT(second, HasSubstr("\r\n\r\nsecond"));
}

TEST_F(HttpConnectionTest, PostWithoutLengthHasAnEmptyBodyAndIsAnsweredAtOnce) {
  // httplib 0.11 alone waits for the client to close (5 s) and then answers 400.
  start();
  RawClient c(port_);
  auto started = Clock::now();
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto answer = c.read_response();
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200"));
  EXPECT_LT(Clock::now() - started, milliseconds(1000));
}

TEST_F(HttpConnectionTest, StalledBodyIsAnswered400AndHoldsNoWorkerForLong) {
  limits_.read_timeout = milliseconds(300);
  limits_.workers = 1;
  start();
  expect_error(exchange("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten.."),
               400, "bad_request");
  EXPECT_TRUE(healthz_within(milliseconds(1000)));
}

TEST_F(HttpConnectionTest, GetBodyIsNeverParsedAsANextRequest) {
  start();
  const std::string smuggled = "DELETE /echo HTTP/1.1\r\nHost: x\r\n\r\n";
  auto answer = exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                         std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(answer, HasSubstr("Connection: close"));
  EXPECT_EQ(answer.find("HTTP/1.1", 1), std::string::npos) << answer;
}

TEST_F(HttpConnectionTest, GetWithADeclaredBodyOverTheLimitIs413) {
  start();
  expect_error(exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n"),
               413, "payload_too_large");
}

TEST_F(HttpConnectionTest, ExpectContinueWithABodyOverTheLimitIsRefusedBeforeItIsSent) {
  start();
  expect_error(exchange("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                        "Content-Length: 1000000\r\n\r\n"),
               413, "payload_too_large");
}

TEST_F(HttpConnectionTest, UnservedMethodWithABodyIs405) {
  // httplib would read a PRI body in full, without any limit.
  start();
  expect_error(exchange("PRI /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"), 405,
               "method_not_allowed");
}

TEST_F(HttpConnectionTest, DroppedConnectionsAreCountedByReason) {
  limits_.max_connections = 5;
  start();
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 10; ++i) idle.push_back(std::make_unique<RawClient>(port_));
  ASSERT_TRUE(idle.front()->closed_within(milliseconds(1000)));
  httplib::Client client("127.0.0.1", port_);
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_THAT(res->body, HasSubstr(R"(http_connections_dropped_total{reason="evicted"})"));
  EXPECT_THAT(res->body, HasSubstr("http_connections_open "));
}

}  // namespace
}  // namespace analytics::http
