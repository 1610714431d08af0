#include "pipeline_fixture.hpp"

#include <httplib.h>

#include "common/config/build_info.hpp"
#include "common/pg/migrator.hpp"
#include "eventgen_routes.hpp"
#include "gateway_routes.hpp"
#include "kpi_routes.hpp"

namespace analytics::testing {

void PipelineTest::SetUp() {
  if (!load_integration_env(env_)) GTEST_SKIP() << "environment missing (failed)";
  name_ = unique_name("it");
  prefix_ = name_ + ".";
  database_url_ = create_database(env_, name_);
  pg::apply_migrations(database_url_, config::source_path("services/transformer/migrations"));
  create_topics(env_, prefix_);
  catalog_ = std::make_unique<contracts::TopicCatalog>(
      contracts::TopicCatalog::load(config::source_path("proto/topics.json"), prefix_));
  schemas_ = std::make_unique<contracts::SchemaRegistry>(
      contracts::SchemaRegistry::load(config::source_path("proto/schemas")));

  eventgen_ = std::make_unique<http::Server>("eventgen", registry_);
  eventgen::register_eventgen_routes(*eventgen_, registry_, eventgen::DirtRates{});
  eventgen_port_ = eventgen_->start("127.0.0.1", 0);

  producer_ = std::make_unique<kafka::Producer>(
      kafka::Properties{{"bootstrap.servers", env_.kafka_brokers}});
  ingestor_ = std::make_unique<gateway::EventIngestor>(*schemas_, *catalog_, *producer_, 30000,
                                                       900000, registry_);
  gateway_ = std::make_unique<http::Server>("ingest-gateway", registry_);
  gateway::register_gateway_routes(*gateway_, *ingestor_, *schemas_, *catalog_, {},
                                   auth::ApiKeys{});
  gateway_port_ = gateway_->start("127.0.0.1", 0);

  start_transformer();

  pool_ = std::make_unique<pg::ConnectionPool>(database_url_, 2, "SET TIME ZONE 'UTC'");
  kpi_ = std::make_unique<http::Server>("kpi-api", registry_);
  kpi::register_kpi_routes(*kpi_, *pool_);
  kpi_port_ = kpi_->start("127.0.0.1", 0);
}

void PipelineTest::TearDown() {
  if (kpi_) kpi_->stop();
  if (transformer_) transformer_->stop();
  if (gateway_) gateway_->stop();
  if (eventgen_) eventgen_->stop();
  transformer_.reset();
  pool_.reset();
  if (!name_.empty()) drop_database(env_, name_);
}

void PipelineTest::start_transformer() {
  transformer::TransformerConfig cfg;
  cfg.kafka_brokers = env_.kafka_brokers;
  cfg.consumer_group = name_;
  cfg.database_url = database_url_;
  cfg.pii_hmac_key = "integration-test-key-0123456789";
  cfg.batch_max_wait_ms = 200;
  cfg.session_timeout_ms = 6000;
  transformer_ = std::make_unique<transformer::TransformerApp>(cfg, *catalog_, registry_);
  transformer_->start();
}

std::string PipelineTest::count(const std::string& table) {
  return query_scalar(database_url_, "SELECT count(*) FROM " + table);
}

std::string PipelineTest::wait_count(const std::string& table, size_t expected) {
  return wait_for_scalar(database_url_, "SELECT count(*) FROM " + table, std::to_string(expected),
                         kWaitMs);
}

}  // namespace analytics::testing
