// The services never create topics: started against a cluster that lacks this deployment's
// topics, the gateway (even when events are posted) and the transformer leave the cluster as it
// was and say on /readyz which topics are missing; once an operator creates them, both go on.
// The dev broker creates any topic a client asks it to (like a broker with
// auto.create.topics.enable=true), so a client that asked would be caught here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "common/config/build_info.hpp"
#include "common/contracts/schema_registry.hpp"
#include "common/contracts/topic_catalog.hpp"
#include "common/http/http_server.hpp"
#include "common/kafka/producer.hpp"
#include "common/kafka/properties.hpp"
#include "common/pg/migrator.hpp"
#include "event_ingestor.hpp"
#include "gateway_routes.hpp"
#include "integration_env.hpp"
#include "pipeline_fixture.hpp"
#include "transformer_app.hpp"

namespace analytics::testing {
namespace {

using ::testing::HasSubstr;

const std::string kOrder =
    R"({"order_id":"0b7e6a52-7d4e-4c1e-9f59-000000000001","customer_id":4242,)"
    R"("product":"Desk Lamp","category":"Home","quantity":1,"price":9.99,"region":"APAC",)"
    R"("timestamp":"2026-11-01T10:00:00Z","status":"completed"})";

/// Every topic the cluster has whose name starts with `prefix`, from a metadata request for
/// all topics (librdkafka's own, not the code under test; such a request creates nothing).
std::set<std::string> topics_with_prefix(const std::string& brokers, const std::string& prefix) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  EXPECT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err),
            RD_KAFKA_CONF_OK);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  EXPECT_NE(rk, nullptr) << err;
  std::set<std::string> out;
  if (rk == nullptr) return out;
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t got = rd_kafka_metadata(rk, 1, nullptr, &md, 10000);
  EXPECT_EQ(got, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(got);
  if (got == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < md->topic_cnt; ++i) {
      std::string name = md->topics[i].topic;
      if (name.rfind(prefix, 0) == 0) out.insert(name);
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_destroy(rk);
  return out;
}

/// Polls `condition` every 200 ms for up to `timeout_ms`; returns its last value.
template <typename F>
bool eventually(F condition, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return true;
}

TEST(TopicCreationTest, AgainstMissingTopicsNoServiceCreatesOneAndReadinessNamesThem) {
  IntegrationEnv env;
  if (!load_integration_env(env)) GTEST_SKIP() << "environment missing (failed)";
  const std::string name = unique_name("it");
  const std::string prefix = name + ".";
  const std::string database_url = create_database(env, name);
  pg::apply_migrations(database_url, config::source_path("services/transformer/migrations"));
  auto catalog = contracts::TopicCatalog::load(config::source_path("proto/topics.json"), prefix);
  auto schemas = contracts::SchemaRegistry::load(config::source_path("proto/schemas"));
  const std::string orders_topic = prefix + "events.commerce.transaction";

  // The gateway as deployed, with a short delivery timeout so that a post fails quickly.
  metrics::Registry registry;
  kafka::Producer producer({{"bootstrap.servers", env.kafka_brokers},
                            {"client.id", kafka::default_client_id("ingest-gateway")},
                            {"message.timeout.ms", "3000"}});
  gateway::EventIngestor ingestor(schemas, catalog, producer, 3500, 900000, registry);
  http::Server gateway("ingest-gateway", registry);
  gateway::register_gateway_routes(gateway, ingestor, schemas, catalog, {}, auth::ApiKeys{});
  int port = gateway.start("127.0.0.1", 0);
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);

  auto cfg = test_transformer_config(env, name, database_url);
  cfg.consumer_properties = {{"client.id", kafka::default_client_id("transformer")}};
  metrics::Registry transformer_registry;
  transformer::TransformerApp app(cfg, catalog, transformer_registry);
  app.start();

  auto ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_THAT(ready->body, HasSubstr("topics missing on the Kafka cluster"));
  EXPECT_THAT(ready->body, HasSubstr(orders_topic));
  EXPECT_THAT(app.readiness(), HasSubstr("topics missing on the Kafka cluster"));
  EXPECT_THAT(app.readiness(), HasSubstr(orders_topic));

  // Producing to a topic makes librdkafka's producer ask for it; it must not ask to create it.
  auto posted =
      client.Post("/v1/events/commerce.transaction", kOrder + "\n", "application/x-ndjson");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 503) << posted->body;
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the transformer's loop polled too
  EXPECT_EQ(topics_with_prefix(env.kafka_brokers, prefix), std::set<std::string>{});
  EXPECT_THAT(app.readiness(), HasSubstr("topics missing on the Kafka cluster"));

  // An operator creates the topics: both services go on without a restart.
  create_topics(env, prefix);
  EXPECT_TRUE(eventually(
      [&] {
        auto r = client.Get("/readyz");
        return r && r->status == 200;
      },
      30000))
      << client.Get("/readyz")->body;
  EXPECT_TRUE(eventually(
      [&] {
        auto r =
            client.Post("/v1/events/commerce.transaction", kOrder + "\n", "application/x-ndjson");
        return r && r->status == 200;
      },
      60000));
  EXPECT_EQ(wait_for_scalar(database_url, "SELECT count(*) > 0 FROM bronze.events", "t", 60000),
            "t");
  EXPECT_EQ(app.readiness(), "");

  app.stop();
  gateway.stop();
  drop_database(env, name);
}

}  // namespace
}  // namespace analytics::testing
