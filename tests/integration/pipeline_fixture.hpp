#pragma once

// The whole pipeline in one process, on loopback ports, against the real PostgreSQL and dev
// broker: eventgen -> ingest-gateway -> Kafka -> transformer -> PostgreSQL -> kpi-api. Each test
// gets its own database and topic prefix, so tests can run side by side.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/contracts/schema_registry.hpp"
#include "common/contracts/topic_catalog.hpp"
#include "common/http/http_server.hpp"
#include "common/kafka/producer.hpp"
#include "common/pg/connection_pool.hpp"
#include "event_ingestor.hpp"
#include "integration_env.hpp"
#include "transformer_app.hpp"

namespace analytics::testing {

constexpr int kWaitMs = 60000;

/// A transformer as the tests deploy it: as pipeline_writer (migrations 011, 012) on
/// `database_url`, in consumer group `group`, with the tests' PII key and a 6 s session.
transformer::TransformerConfig test_transformer_config(const IntegrationEnv& env,
                                                       const std::string& group,
                                                       const std::string& database_url);

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  void start_transformer();
  /// Another transformer of this test's consumer group, started, with its metrics in
  /// `registry`; smaller `batch_max_events` make more batches (and more batch boundaries).
  std::unique_ptr<transformer::TransformerApp> make_transformer(metrics::Registry& registry,
                                                                size_t batch_max_events = 5000);
  /// What make_transformer starts: this test's database, brokers, consumer group and PII key.
  transformer::TransformerConfig transformer_config(size_t batch_max_events = 5000) const;
  /// Produces one record to `partition` of this test's `topic` (the catalogue name without the
  /// prefix) with librdkafka directly: neither the gateway nor a partitioner picks the place.
  void produce_to_partition(const std::string& topic, int32_t partition, const std::string& key,
                            const std::string& value);
  /// Checks gold against a recomputation from silver: every fact joins its four dimensions
  /// (fact_orders has no foreign keys, migration 002), each fact carries its silver order's
  /// values, and the KPI view's totals (orders, revenue, customers) equal silver's.
  void expect_gold_matches_silver();
  /// POSTs an NDJSON body to the gateway (e.g. /v1/events/user.interaction); fails the test
  /// unless every event is accepted.
  void post_ndjson(const std::string& path, const std::string& body);
  /// The first value of `sql`'s first row in this test's database.
  std::string q(const std::string& sql) { return query_scalar(database_url_, sql); }
  std::string count(const std::string& table);
  /// Polls until `SELECT count(*) FROM table` is `expected` (at most kWaitMs); returns the last.
  std::string wait_count(const std::string& table, size_t expected);

  IntegrationEnv env_;
  std::string name_, prefix_, database_url_;
  metrics::Registry registry_;
  std::unique_ptr<contracts::TopicCatalog> catalog_;
  std::unique_ptr<contracts::SchemaRegistry> schemas_;
  std::unique_ptr<http::Server> eventgen_, gateway_, kpi_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<gateway::EventIngestor> ingestor_;
  std::unique_ptr<transformer::TransformerApp> transformer_;
  std::unique_ptr<pg::ConnectionPool> pool_;      // superuser: what tests inspect
  std::unique_ptr<pg::ConnectionPool> kpi_pool_;  // kpi-api's, as kpi_reader
  int eventgen_port_ = 0, gateway_port_ = 0, kpi_port_ = 0;
};

}  // namespace analytics::testing
