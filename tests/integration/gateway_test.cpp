// The gateway against the real dev broker: what it answers is what is on the topics, API keys
// guard ingestion when configured, and hostile bodies get clear answers without harm.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <zlib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "common/auth/api_keys.hpp"
#include "common/kafka/consumer.hpp"
#include "gateway_routes.hpp"
#include "pipeline_fixture.hpp"

namespace analytics {
namespace {

using ::testing::HasSubstr;

const std::string kOrder =
    R"({"order_id":"%ID%","customer_id":4242,"product":"Desk Lamp","category":"Home",)"
    R"("quantity":1,"price":9.99,"region":"APAC","timestamp":"2026-11-01T10:00:00Z",)"
    R"("status":"completed"})";

std::string order(int n) {
  char id[40];
  std::snprintf(id, sizeof id, "0b7e6a52-7d4e-4c1e-9f59-%012d", n);
  std::string out = kOrder;
  out.replace(out.find("%ID%"), 4, id);
  return out;
}

class GatewayTest : public testing::PipelineTest {
 protected:
  httplib::Result post(const std::string& body, const std::string& type = "application/x-ndjson",
                       const httplib::Headers& headers = {}, int port = 0) {
    httplib::Client client("127.0.0.1", port ? port : gateway_port_);
    client.set_read_timeout(60, 0);
    return client.Post("/v1/events/commerce.transaction", headers, body, type.c_str());
  }

  /// Messages on a topic of this test's prefix: the sum of its partitions' high watermarks.
  int64_t messages_on(const std::string& topic) {
    auto spec = catalog_->for_event_type(topic);
    std::string name = spec ? spec->name : catalog_->dead_letter().name;
    int partitions = spec ? spec->partitions : catalog_->dead_letter().partitions;
    kafka::Consumer consumer(
        {{"bootstrap.servers", env_.kafka_brokers}, {"group.id", name_ + ".watermarks"}}, {name},
        {});
    int64_t total = 0;
    for (int p = 0; p < partitions; ++p) {
      auto marks = consumer.watermarks(name, p, 10000);
      EXPECT_TRUE(marks.has_value()) << name << "/" << p;
      if (marks) total += marks->second;
    }
    return total;
  }
};

TEST_F(GatewayTest, TheAnswerCountsWhatIsOnTheTopics) {
  std::string body;
  for (int i = 0; i < 40; ++i) body += order(i) + "\n";
  body += "{\"order_id\":\"bad\"}\n";                                     // schema_violation
  body += order(41).substr(0, 30) + "\n";                                 // malformed_json
  body += std::string(200, '[') + std::string(200, ']') + "\n";           // too deep
  body += order(42).substr(0, order(42).size() - 1) + ",\"x\":1e400}\n";  // beyond a double
  body += "{\"order_id\":\"\xff\xfe\"}\n";                                // invalid UTF-8
  auto res = post(body);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 207) << res->body;
  auto answer = nlohmann::json::parse(res->body);
  EXPECT_EQ(answer["accepted"], 40);
  EXPECT_EQ(answer["rejected"], 5);
  EXPECT_EQ(answer["failed"], 0);
  EXPECT_EQ(answer["results"][41]["reason"], "malformed_json");
  EXPECT_THAT(answer["results"][41]["errors"][0]["message"].get<std::string>(),
              HasSubstr("line 42"));
  EXPECT_THAT(answer["results"][42]["errors"][0]["message"].get<std::string>(), HasSubstr("64"));
  EXPECT_EQ(messages_on("commerce.transaction"), 40);
  EXPECT_EQ(messages_on("dlq"), 5);
  // And they flow on: bronze keeps every message of both topics, dead letters included.
  EXPECT_EQ(wait_count("bronze.events", 45), "45");
}

TEST_F(GatewayTest, ANestedBodyIsA400AndTheGatewayStaysUp) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto res = post(deep, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_THAT(res->body, HasSubstr("64"));
  auto with_deep_field = order(1).substr(0, order(1).size() - 1) + ",\"x\":" + deep + "}";
  res = post(with_deep_field, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  res = post(with_deep_field);  // as an NDJSON line: that record's rejection
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 422) << res->body;
  httplib::Client client("127.0.0.1", gateway_port_);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

/// `inflated` bytes of NDJSON-looking zeros, gzip-compressed (about 1,000 : 1).
std::string gzip_bomb(size_t inflated) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string chunk(1 << 20, '0');
  std::string out;
  char buf[1 << 16];
  for (size_t done = 0; done < inflated; done += chunk.size()) {
    z.next_in = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_in = static_cast<uInt>(chunk.size());
    int flush = done + chunk.size() >= inflated ? Z_FINISH : Z_NO_FLUSH;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      deflate(&z, flush);
      out.append(buf, sizeof buf - z.avail_out);
    } while (z.avail_out == 0);
  }
  deflateEnd(&z);
  return out;
}

size_t rss_kb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

TEST_F(GatewayTest, AGzipBombIsRefusedWithoutInflatingIt) {
  std::string bomb = gzip_bomb(size_t{256} << 20);  // 256 MiB inflated
  ASSERT_LT(bomb.size(), size_t{2} << 20);
  size_t before = rss_kb();
  auto res = post(bomb, "application/x-ndjson", {{"Content-Encoding", "gzip"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413) << res->body.substr(0, 300);
  EXPECT_THAT(res->body, HasSubstr("payload_too_large"));
  // The gateway's limit is 10 MiB; nothing near the 256 MiB may have been held.
  EXPECT_LT(rss_kb(), before + 64 * 1024) << "RSS grew from " << before << " kB";
  auto again = post(order(1));  // and the next request is served
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200) << again->body;
}

TEST_F(GatewayTest, ApiKeysGuardIngestionButNotTheRegistryOrHealth) {
  const std::string all = "all-types-key-0123456789abcdef";
  const std::string orders_only = "orders-only-key-0123456789abcdef";
  auto keys =
      auth::ApiKeys::parse(all + ",\n# a comment\n" + orders_only + "@commerce.transaction");
  http::Server guarded("ingest-gateway", registry_);
  gateway::register_gateway_routes(guarded, *ingestor_, *schemas_, *catalog_, {}, keys);
  int port = guarded.start("127.0.0.1", 0);
  auto status_of = [&](const std::string& path, const httplib::Headers& headers) {
    httplib::Client client("127.0.0.1", port);
    auto res = client.Post(path.c_str(), headers, order(7), "application/json");
    return res ? res->status : -1;
  };
  const std::string orders = "/v1/events/commerce.transaction";
  const std::string clicks = "/v1/events/user.interaction";
  EXPECT_EQ(status_of(orders, {}), 401);
  EXPECT_EQ(status_of(orders, {{"X-API-Key", "wrong-key-0123456789abcdef"}}), 401);
  EXPECT_EQ(status_of(orders, {{"X-API-Key", all}}), 200);
  EXPECT_EQ(status_of(orders, {{"Authorization", "Bearer " + orders_only}}), 200);
  EXPECT_EQ(status_of(clicks, {{"X-API-Key", orders_only}}), 403);
  httplib::Client client("127.0.0.1", port);
  auto denied = client.Post(orders.c_str(), {{"X-API-Key", "wrong-key-0123456789abcdef"}}, order(8),
                            "application/json");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->get_header_value("WWW-Authenticate").rfind("Bearer", 0), 0u);
  EXPECT_EQ(denied->body.find("wrong-key"), std::string::npos) << "a key is never echoed";
  for (const char* open : {"/healthz", "/metrics", "/v1/schemas",
                           "/v1/schemas/commerce.transaction/versions/latest"}) {
    auto res = client.Get(open);
    ASSERT_TRUE(res) << open;
    EXPECT_EQ(res->status, 200) << open;
  }
  guarded.stop();
  // The fixture's gateway has no keys: open, as before.
  auto res = post(order(9), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
}

}  // namespace
}  // namespace analytics
