// Component test: kpi-api's routes on a real http::Server whose warehouse does not answer.
#include "kpi_routes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "common/metrics/metrics.hpp"
#include "common/pg/connection_pool.hpp"

namespace analytics::kpi {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Nothing listens on port 1: every connection attempt fails at once.
constexpr const char* kUnreachable = "postgresql://kpi_reader:s3cr3t-pass@127.0.0.1:1/analytics";

TEST(KpiRoutesTest, AWarehouseThatDoesNotAnswerIsSaidWithoutItsConnectionDetails) {
  metrics::Registry registry;
  pg::ConnectionPool pool(kUnreachable, 1);
  http::Server server("kpi-api", registry);
  register_kpi_routes(server, pool, registry);
  int port = server.start("127.0.0.1", 0);
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  for (const char* path : {"/readyz", "/v1/kpi/summary"}) {
    auto res = client.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 503) << path << " " << res->body;
    for (const char* secret : {"s3cr3t", "kpi_reader", "127.0.0.1:1", "port 1"}) {
      EXPECT_THAT(res->body, Not(HasSubstr(secret))) << path << " " << res->body;
    }
  }
  auto ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(nlohmann::json::parse(ready->body)["checks"]["postgres"],
            "the warehouse does not answer");
  server.stop();
}

}  // namespace
}  // namespace analytics::kpi
