// Broker faults injected through kafka-dev-broker's control API. They affect every client of
// the shared dev broker, so ctest runs these tests alone (RUN_SERIAL).
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <pqxx/pqxx>
#include <set>
#include <vector>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/ids/uuid.hpp"
#include "pipeline_fixture.hpp"

namespace analytics {
namespace {

using testing::kWaitMs;

class BrokerFaultTest : public testing::PipelineTest {
 protected:
  void TearDown() override {
    set_all_brokers(true);
    for (int id = 1; id <= 3; ++id) set_rtt(id, 0);
    control().Delete("/v1/faults/request-errors/1");
    control().Delete("/v1/faults/request-errors/0");
    PipelineTest::TearDown();
  }

  httplib::Client control() const { return httplib::Client(env_.broker_control); }

  void set_broker(int id, bool up) {
    auto res = control().Post("/v1/brokers/" + std::to_string(id) + (up ? "/up" : "/down"), "",
                              "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
  }

  void set_all_brokers(bool up) {
    auto cluster = control().Get("/v1/cluster");
    ASSERT_TRUE(cluster);
    int brokers = nlohmann::json::parse(cluster->body)["brokers"];
    for (int id = 1; id <= brokers; ++id) {
      auto res = control().Post("/v1/brokers/" + std::to_string(id) + (up ? "/up" : "/down"), "",
                                "application/json");
      ASSERT_TRUE(res);
      ASSERT_EQ(res->status, 200) << res->body;
    }
  }

  void set_rtt(int broker_id, int ms) {
    auto res = control().Post("/v1/brokers/" + std::to_string(broker_id) + "/rtt",
                              "{\"ms\":" + std::to_string(ms) + "}", "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
  }

  /// Posts `n` new orders in one request (new random ids, added to `sent`) and returns the ids
  /// the gateway acknowledged: all of them (200), some (207, 503 naming failed records) or none
  /// (503 for the whole request, which must say when to retry).
  std::set<std::string> post_new_orders(int n, std::set<std::string>& sent) {
    nlohmann::json orders = nlohmann::json::array();
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      ids.push_back(ids::random_uuid());
      sent.insert(ids.back());
      orders.push_back({{"order_id", ids.back()}, {"customer_id", 4242}, {"product", "Desk Lamp"},
                        {"category", "Home"}, {"quantity", 1}, {"price", 9.99},
                        {"region", "APAC"}, {"timestamp", "2026-11-01T10:00:00Z"},
                        {"status", "completed"}});
    }
    httplib::Client gateway("127.0.0.1", gateway_port_);
    gateway.set_read_timeout(90, 0);
    auto res = gateway.Post("/v1/events/commerce.transaction", orders.dump(), "application/json");
    std::set<std::string> acked;
    EXPECT_TRUE(res) << "the gateway did not answer";
    if (!res) return acked;
    EXPECT_TRUE(res->status == 200 || res->status == 207 || res->status == 503) << res->body;
    if (res->status == 503) {
      EXPECT_FALSE(res->get_header_value("Retry-After").empty());
    }
    auto body = nlohmann::json::parse(res->body, nullptr, false);
    if (!body.contains("results")) return acked;  // refused whole: nothing acknowledged
    for (const auto& r : body["results"]) {
      if (r.value("status", "") == "accepted") acked.insert(ids.at(r.at("index").get<size_t>()));
    }
    return acked;
  }

  /// What the gateway acknowledged is in silver exactly once; nothing in silver was not sent.
  void expect_acknowledged_landed_once(const std::set<std::string>& acked,
                                       const std::set<std::string>& sent) {
    ASSERT_FALSE(acked.empty()) << "nothing was acknowledged: the test proves nothing";
    // Wait (bounded) until every acknowledged order is in silver.
    std::string in_list;
    for (const auto& id : acked) in_list += (in_list.empty() ? "'" : ",'") + id + "'";
    auto landed = testing::wait_for_scalar(
        database_url_,
        "SELECT count(*) FROM silver.orders WHERE order_id IN (" + in_list + ")",
        std::to_string(acked.size()), kWaitMs);
    EXPECT_EQ(landed, std::to_string(acked.size())) << "acknowledged orders lost";
    std::this_thread::sleep_for(std::chrono::seconds(2));  // late duplicates would show now
    EXPECT_EQ(testing::query_scalar(database_url_,
                                    "SELECT count(*) - count(DISTINCT order_id) FROM silver.orders"),
              "0");
    pqxx::connection conn(database_url_);
    pqxx::nontransaction tx(conn);
    for (const auto& row : tx.exec("SELECT order_id::text FROM silver.orders")) {
      EXPECT_TRUE(sent.count(row[0].c_str())) << "in silver but never sent: " << row[0].c_str();
    }
  }

  httplib::Result post_order(const std::string& order_id) {
    nlohmann::json order = {{"order_id", order_id},   {"customer_id", 4242},
                            {"product", "Desk Lamp"}, {"category", "Home"},
                            {"quantity", 1},          {"price", 9.99},
                            {"region", "APAC"},       {"timestamp", "2026-11-01T10:00:00Z"},
                            {"status", "completed"}};
    httplib::Client gateway("127.0.0.1", gateway_port_);
    gateway.set_read_timeout(60, 0);
    return gateway.Post("/v1/events/commerce.transaction", order.dump(), "application/json");
  }
};

TEST_F(BrokerFaultTest, WhileEveryBrokerIsDownNothingIsAcknowledgedAndTheGatewayRecovers) {
  set_all_brokers(false);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // let the clients see the disconnects

  // Bounded: at most 10 attempts. None may be acknowledged while Kafka is down.
  bool saw_unavailable = false;
  for (int attempt = 0; attempt < 10 && !saw_unavailable; ++attempt) {
    auto res = post_order("0b7e6a52-7d4e-4c1e-9f59-2a0d7c1e9b20");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 503) << res->body;
    EXPECT_FALSE(res->get_header_value("Retry-After").empty());
    saw_unavailable = nlohmann::json::parse(res->body)["error"]["code"] == "kafka_unavailable";
  }
  EXPECT_TRUE(saw_unavailable);
  httplib::Client gateway("127.0.0.1", gateway_port_);
  gateway.set_read_timeout(10, 0);
  auto ready = gateway.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503) << ready->body;

  set_all_brokers(true);
  int accepted_status = 0;
  for (int attempt = 0; attempt < 30 && accepted_status != 200; ++attempt) {
    auto res = post_order("0b7e6a52-7d4e-4c1e-9f59-2a0d7c1e9b21");
    ASSERT_TRUE(res);
    accepted_status = res->status;
    if (accepted_status != 200) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  ASSERT_EQ(accepted_status, 200);
  // Exactly the acknowledged event reaches the warehouse; nothing from the refused requests.
  ASSERT_EQ(wait_count("bronze.events", 1), "1");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(count("bronze.events"), "1");
  EXPECT_EQ(count("silver.orders WHERE order_id = '0b7e6a52-7d4e-4c1e-9f59-2a0d7c1e9b21'"), "1");
}

TEST_F(BrokerFaultTest, ProduceErrorsAreRetriedByTheIdempotentProducerWithoutDuplicates) {
  auto injected = control().Post("/v1/faults/request-errors",
                                 R"({"api_key":0,"error":"NOT_ENOUGH_REPLICAS","count":5})",
                                 "application/json");
  ASSERT_TRUE(injected);
  ASSERT_EQ(injected->status, 200) << injected->body;

  httplib::Client eventgen("127.0.0.1", eventgen_port_);
  auto batch = eventgen.Get("/v1/transactions?count=200&seed=21&duplicate_rate=0");
  ASSERT_TRUE(batch);
  httplib::Client gateway("127.0.0.1", gateway_port_);
  gateway.set_read_timeout(60, 0);
  auto posted = gateway.Post("/v1/events/commerce.transaction", batch->body, "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body.substr(0, 300);

  ASSERT_EQ(wait_count("bronze.events", 200), "200");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(count("bronze.events"), "200");
  EXPECT_EQ(testing::query_scalar(database_url_,
                                  "SELECT count(DISTINCT convert_from(payload, 'UTF8')::jsonb "
                                  "->> 'order_id') FROM bronze.events"),
            "200");
}

// The counterpart of the test above, and proof that the injection reaches the producer: an
// error no retry can fix is answered 500 kafka_rejected at once, not a 503 inviting retries.
TEST_F(BrokerFaultTest, ProduceErrorThatCannotClearIsA500NotARetryLoop) {
  auto injected = control().Post("/v1/faults/request-errors",
                                 R"({"api_key":0,"error":"TOPIC_AUTHORIZATION_FAILED","count":1})",
                                 "application/json");
  ASSERT_TRUE(injected);
  ASSERT_EQ(injected->status, 200) << injected->body;
  auto res = post_order("0b7e6a52-7d4e-4c1e-9f59-2a0d7c1e9b22");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500) << res->body;
  auto body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body["error"]["code"], "kafka_rejected");
  EXPECT_TRUE(res->get_header_value("Retry-After").empty());
  // The answer says, per record, that this one is not on Kafka.
  EXPECT_EQ(body["failed"], 1);
  ASSERT_EQ(body["results"].size(), 1u);
  EXPECT_EQ(body["results"][0]["status"], "failed");

  // Readiness reflects the failing deliveries until one succeeds again.
  httplib::Client gateway("127.0.0.1", gateway_port_);
  gateway.set_read_timeout(10, 0);
  auto ready = gateway.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503) << ready->body;
  EXPECT_NE(ready->body.find("deliveries failing"), std::string::npos) << ready->body;
  auto ok = post_order("0b7e6a52-7d4e-4c1e-9f59-2a0d7c1e9b23");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  ready = gateway.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
}

// One broker of three goes away while a batch is in flight, and comes back: the partitions it
// leads cannot take writes meanwhile (the mock moves no leadership), so the answer is a success
// after the broker returns or a 503 naming what failed; either way exactly what was
// acknowledged lands, once.
TEST_F(BrokerFaultTest, OneBrokerDownLosesNothingAcknowledged) {
  std::set<std::string> sent, acked;
  acked.merge(post_new_orders(20, sent));  // before: all up
  set_broker(2, false);
  std::thread revive([this] {
    std::this_thread::sleep_for(std::chrono::seconds(4));
    set_broker(2, true);
  });
  acked.merge(post_new_orders(60, sent));
  revive.join();
  acked.merge(post_new_orders(20, sent));  // after
  expect_acknowledged_landed_once(acked, sent);
}

// Every broker answers 400 ms late: ingest is slower, not wrong.
TEST_F(BrokerFaultTest, ASlowClusterIsSlowerButLosesNothing) {
  for (int id = 1; id <= 3; ++id) set_rtt(id, 400);
  std::set<std::string> sent, acked;
  auto start = std::chrono::steady_clock::now();
  acked.merge(post_new_orders(50, sent));
  acked.merge(post_new_orders(50, sent));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(400)) << "the injected latency did not apply";
  for (int id = 1; id <= 3; ++id) set_rtt(id, 0);
  EXPECT_EQ(acked.size(), 100u) << "a slow cluster within the delivery timeout still takes all";
  expect_acknowledged_landed_once(acked, sent);
}

// The transformer's fetches fail for a while: it retries and resumes, without loss or
// duplicates.
TEST_F(BrokerFaultTest, FetchErrorsDelayTheTransformerButLoseNothing) {
  auto injected = control().Post("/v1/faults/request-errors",
                                 R"({"api_key":1,"error":"NOT_LEADER_FOR_PARTITION","count":30})",
                                 "application/json");
  ASSERT_TRUE(injected);
  ASSERT_EQ(injected->status, 200) << injected->body;
  std::set<std::string> sent, acked;
  for (int i = 0; i < 4; ++i) acked.merge(post_new_orders(50, sent));
  EXPECT_EQ(acked.size(), 200u);
  expect_acknowledged_landed_once(acked, sent);
}

}  // namespace
}  // namespace analytics
