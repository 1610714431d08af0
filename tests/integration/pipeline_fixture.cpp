#include "pipeline_fixture.hpp"

#include <httplib.h>
#include <librdkafka/rdkafka.h>

#include "common/config/build_info.hpp"
#include "common/pg/migrator.hpp"
#include "dashboard_routes.hpp"
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
  // kpi-api as deployed: the kpi_reader role (migration 011), its own read-only sessions.
  kpi_pool_ = std::make_unique<pg::ConnectionPool>(url_with_user(database_url_, "kpi_reader"), 2,
                                                   kpi::session_sql(5000));
  kpi_ = std::make_unique<http::Server>("kpi-api", registry_);
  kpi::register_kpi_routes(*kpi_, *kpi_pool_, registry_);
  kpi::register_dashboard_routes(*kpi_, config::source_path("services/kpi-api/dashboard"));
  kpi_port_ = kpi_->start("127.0.0.1", 0);
}

void PipelineTest::TearDown() {
  if (kpi_) kpi_->stop();
  if (transformer_) transformer_->stop();
  if (gateway_) gateway_->stop();
  if (eventgen_) eventgen_->stop();
  transformer_.reset();
  pool_.reset();
  kpi_pool_.reset();
  if (!name_.empty()) drop_database(env_, name_);
}

void PipelineTest::start_transformer() { transformer_ = make_transformer(registry_); }

std::unique_ptr<transformer::TransformerApp> PipelineTest::make_transformer(
    metrics::Registry& registry, size_t batch_max_events) {
  auto app = std::make_unique<transformer::TransformerApp>(transformer_config(batch_max_events),
                                                           *catalog_, registry);
  app->start();
  return app;
}

transformer::TransformerConfig test_transformer_config(const IntegrationEnv& env,
                                                       const std::string& group,
                                                       const std::string& database_url) {
  transformer::TransformerConfig cfg;
  cfg.kafka_brokers = env.kafka_brokers;
  cfg.consumer_group = group;
  // The transformer as deployed: pipeline_writer (migrations 011, 012), which owns nothing.
  cfg.database_url = url_with_user(database_url, "pipeline_writer");
  cfg.pii_hmac_key = "integration-test-key-0123456789";
  cfg.session_timeout_ms = 6000;
  return cfg;
}

transformer::TransformerConfig PipelineTest::transformer_config(size_t batch_max_events) const {
  auto cfg = test_transformer_config(env_, name_, database_url_);
  cfg.batch_max_wait_ms = 200;
  cfg.batch_max_events = batch_max_events;
  return cfg;
}

void PipelineTest::produce_to_partition(const std::string& topic, int32_t partition,
                                        const std::string& key, const std::string& value) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  ASSERT_EQ(
      rd_kafka_conf_set(conf, "bootstrap.servers", env_.kafka_brokers.c_str(), err, sizeof err),
      RD_KAFKA_CONF_OK)
      << err;
  // The delivery report writes its error into the message's opaque.
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    *static_cast<rd_kafka_resp_err_t*>(m->_private) = m->err;
  });
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  ASSERT_NE(rk, nullptr) << err;
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> owner(rk, rd_kafka_destroy);
  const std::string full_topic = prefix_ + topic;
  auto delivered = static_cast<rd_kafka_resp_err_t>(-12345);  // no report yet
  rd_kafka_resp_err_t queued = rd_kafka_producev(
      rk, RD_KAFKA_V_TOPIC(full_topic.c_str()), RD_KAFKA_V_PARTITION(partition),
      RD_KAFKA_V_KEY(key.data(), key.size()),
      RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&delivered), RD_KAFKA_V_END);
  ASSERT_EQ(queued, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(queued);
  ASSERT_EQ(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR) << "no delivery report";
  ASSERT_EQ(delivered, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(delivered);
}

void PipelineTest::expect_gold_matches_silver() {
  // Every fact references an existing row of each dimension.
  EXPECT_EQ(query_scalar(database_url_,
                         "SELECT count(*) FROM gold.fact_orders f "
                         "LEFT JOIN gold.dim_date d ON d.date_key = f.date_key "
                         "LEFT JOIN gold.dim_customer c ON c.customer_key = f.customer_key "
                         "LEFT JOIN gold.dim_product p ON p.product_key = f.product_key "
                         "LEFT JOIN gold.dim_region r ON r.region_key = f.region_key "
                         "WHERE d.date_key IS NULL OR c.customer_key IS NULL "
                         "OR p.product_key IS NULL OR r.region_key IS NULL"),
            "0")
      << "facts whose dimension rows are missing";
  // Each silver order is one fact with the same values, read back through the dimensions,
  // and there is no fact without a silver order.
  EXPECT_EQ(
      query_scalar(database_url_,
                   "SELECT count(*) FROM silver.orders s FULL JOIN ("
                   "  SELECT f.order_id, c.customer_id, p.product_name, r.region_name,"
                   "         d.full_date, f.quantity, f.price, f.revenue, f.status, f.order_ts"
                   "  FROM gold.fact_orders f"
                   "  JOIN gold.dim_date d ON d.date_key = f.date_key"
                   "  JOIN gold.dim_customer c ON c.customer_key = f.customer_key"
                   "  JOIN gold.dim_product p ON p.product_key = f.product_key"
                   "  JOIN gold.dim_region r ON r.region_key = f.region_key) g"
                   " ON g.order_id = s.order_id "
                   "WHERE (s.order_id, s.customer_id, s.product, s.region, s.event_date,"
                   "       s.quantity, s.price, s.revenue, s.status, s.order_ts)"
                   " IS DISTINCT FROM (g.order_id, g.customer_id, g.product_name,"
                   "       g.region_name, g.full_date, g.quantity, g.price, g.revenue,"
                   "       g.status, g.order_ts)"),
      "0")
      << "gold rows that differ from silver";
  // The KPI aggregates (migration 004) hold, cell by cell, what the facts sum to, and each
  // customer's order count: corrections moved contributions between cells.
  EXPECT_EQ(query_scalar(database_url_,
                         "SELECT count(*) FROM (SELECT date_key, region_key, product_key, status,"
                         "  count(*) AS orders, sum(quantity) AS units, sum(revenue) AS revenue"
                         "  FROM gold.fact_orders GROUP BY 1, 2, 3, 4) f"
                         " FULL JOIN (SELECT * FROM gold.agg_orders_daily WHERE orders <> 0) a"
                         " USING (date_key, region_key, product_key, status)"
                         " WHERE (f.orders, f.units, f.revenue) IS DISTINCT FROM"
                         "       (a.orders, a.units, a.revenue)"),
            "0")
      << "aggregate cells that differ from the facts";
  EXPECT_EQ(query_scalar(database_url_,
                         "SELECT count(*) FROM (SELECT customer_key, count(*) AS orders"
                         "  FROM gold.fact_orders GROUP BY 1) f"
                         " FULL JOIN (SELECT * FROM gold.agg_customer_orders WHERE orders <> 0) a"
                         " USING (customer_key) WHERE f.orders IS DISTINCT FROM a.orders"),
            "0")
      << "customer order counts that differ from the facts";
  // The KPIs users read equal the same totals computed from silver.
  EXPECT_EQ(
      query_scalar(database_url_,
                   "SELECT total_orders || ' orders, ' || total_revenue || ' revenue, ' || "
                   "unique_customers || ' customers' FROM gold.vw_kpi_summary"),
      query_scalar(database_url_,
                   "SELECT count(*) || ' orders, ' || coalesce(sum(revenue), 0)::numeric(16,2)"
                   " || ' revenue, ' || count(DISTINCT customer_id) || ' customers' "
                   "FROM silver.orders"));
  EXPECT_EQ(
      query_scalar(database_url_,
                   "SELECT coalesce(string_agg(region || '=' || orders || '/' || revenue, ','"
                   " ORDER BY region), '') FROM gold.vw_kpi_sales_by_region"),
      query_scalar(database_url_,
                   "SELECT coalesce(string_agg(region || '=' || n || '/' || rev, ','"
                   " ORDER BY region), '') FROM (SELECT region, count(*) AS n,"
                   " sum(revenue)::numeric(16,2) AS rev FROM silver.orders GROUP BY region) s"));
}

void PipelineTest::post_ndjson(const std::string& path, const std::string& body) {
  httplib::Client gateway("127.0.0.1", gateway_port_);
  auto res = gateway.Post(path, body, "application/x-ndjson");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  ASSERT_EQ(res->status, 200) << res->body.substr(0, 500);
}

std::string PipelineTest::count(const std::string& table) {
  return query_scalar(database_url_, "SELECT count(*) FROM " + table);
}

std::string PipelineTest::wait_count(const std::string& table, size_t expected) {
  return wait_for_scalar(database_url_, "SELECT count(*) FROM " + table, std::to_string(expected),
                         kWaitMs);
}

}  // namespace analytics::testing
