// The data-quality checks (dq_checks.cpp) over a warehouse the real pipeline filled: all pass
// on it, and each one fails when its own condition is broken on purpose, then passes again once
// the damage is undone. A failed critical check reaches /readyz's detail and the metrics.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "dq_monitor.hpp"
#include "pipeline_fixture.hpp"

namespace analytics::testing {
namespace {

using transformer::DqResult;

std::string order(int n, const char* region, const char* timestamp) {
  return R"({"order_id":"00000000-0000-4000-8000-0000000000)" + std::to_string(10 + n) +
         R"(","customer_id":)" + std::to_string(n) +
         R"(,"product":"Desk Lamp","category":"Home","region":")" + region +
         R"(","status":"completed","quantity":2,"price":10.00,"timestamp":")" + timestamp + R"("})";
}

std::string click(int n, const char* type, const char* extra) {
  return R"({"event_id":"e)" + std::to_string(n) + R"(","user_id":"u)" + std::to_string(n % 3) +
         R"(","session_id":"s)" + std::to_string(n % 4) + R"(","event_type":")" + type +
         R"(","platform":"WEB","occurred_at":"2026-11-20T10:0)" + std::to_string(n % 10) +
         R"(:00Z")" + extra + "}";
}

class DqChecksTest : public PipelineTest {
 protected:
  void exec(const std::string& sql) { query_scalar(database_url_, sql + "; SELECT 1"); }
  static const DqResult* find(const std::vector<DqResult>& results, const std::string& name) {
    for (const auto& r : results) {
      if (r.name == name) return &r;
    }
    return nullptr;
  }
  static std::string failed(const std::vector<DqResult>& results) {
    std::string out;
    for (const auto& r : results) {
      if (!r.passed) out += r.name + " (" + r.detail + ") ";
    }
    return out;
  }
};

TEST_F(DqChecksTest, EachCheckFailsWhenItsConditionIsBrokenAndPassesWhenMended) {
  post_ndjson("/v1/events/commerce.transaction",
       order(1, "EU", "2026-11-20T10:00:00Z") + "\n" + order(2, "APAC", "2026-11-21T10:00:00Z") +
           "\n" + order(3, "EU", "2026-11-21T11:00:00Z") + "\n" + order(4, "EU", "not a time"));
  std::string clicks;
  for (int i = 0; i < 12; ++i) clicks += click(i, "page_view", "") + "\n";
  clicks += click(20, "purchase", R"(,"product":"Desk Lamp","quantity":1,"price":10.00)");
  post_ndjson("/v1/events/user.interaction", clicks);
  ASSERT_EQ(wait_count("silver.interactions", 13), "13");
  ASSERT_EQ(wait_count("silver.orders", 3), "3");
  ASSERT_EQ(wait_count("silver.quarantine", 1), "1");

  // One malformed timestamp in 17 records: within the default bands, outside these.
  transformer::DqConfig config;
  config.freshness_max_seconds = 1;
  config.quarantine_bands = {{"total", {0, 0.25}}, {"*", {0, 0.10}}};
  int64_t pending = 0;
  metrics::Registry registry;
  transformer::DqMonitor monitor(database_url_, config, 60, [&] { return pending; }, registry);
  auto all = monitor.run_once();
  ASSERT_EQ(failed(all), "");
  EXPECT_GE(all.size(), 13u);
  EXPECT_EQ(monitor.readiness(), "");

  struct Breakage {
    const char* check;
    std::string breaks, mends;
  };
  const std::vector<Breakage> breakages = {
      {"completeness.silver_orders",
       "ALTER TABLE silver.orders ALTER customer_id DROP NOT NULL; "
       "UPDATE silver.orders SET customer_id = NULL WHERE customer_id = 1",
       "UPDATE silver.orders SET customer_id = 1 WHERE customer_id IS NULL; "
       "ALTER TABLE silver.orders ALTER customer_id SET NOT NULL"},
      {"completeness.silver_interactions",
       "ALTER TABLE silver.interactions ALTER session_id DROP NOT NULL; "
       "UPDATE silver.interactions SET session_id = NULL WHERE event_id = 'e5'",
       "UPDATE silver.interactions SET session_id = 's1' WHERE event_id = 'e5'; "
       "ALTER TABLE silver.interactions ALTER session_id SET NOT NULL"},
      {"validity.interaction_enums",
       "UPDATE silver.interactions SET platform = 'TV' WHERE event_id = 'e5'",
       "UPDATE silver.interactions SET platform = 'WEB' WHERE event_id = 'e5'"},
      {"consistency.bronze_covers_orders",
       "CREATE TABLE saved AS SELECT * FROM bronze.events WHERE event_type = "
       "'commerce.transaction'; DELETE FROM bronze.events WHERE event_type = 'commerce.transaction'",
       "INSERT INTO bronze.events SELECT * FROM saved; DROP TABLE saved"},
      {"consistency.bronze_covers_interactions",
       "CREATE TABLE saved AS SELECT * FROM bronze.events WHERE event_type = 'user.interaction' "
       "LIMIT 2; DELETE FROM bronze.events b USING saved s WHERE (b.topic, b.partition, "
       "b.\"offset\") = (s.topic, s.partition, s.\"offset\")",
       "INSERT INTO bronze.events SELECT * FROM saved; DROP TABLE saved"},
      {"consistency.bronze_unique_offsets",
       // A zombie batch storing a record another batch already holds.
       "INSERT INTO ops.batches (batch_id, consumer_group, started_at, duration_ms, bronze_rows, "
       "silver_rows, quarantined_rows, dlq_rows, late_events, pipeline_version, ingested_at) "
       "VALUES ('00000000-0000-4000-8000-00000000dead', 'zombie', now(), 1, 1, 0, 0, 0, 0, "
       "'test', now()); INSERT INTO bronze.events SELECT topic, partition, \"offset\", "
       "event_type, kafka_key, kafka_timestamp, request_id, payload, now(), "
       "'00000000-0000-4000-8000-00000000dead', pipeline_version FROM bronze.events "
       "WHERE event_type = 'user.interaction' LIMIT 1",
       "DELETE FROM bronze.events WHERE batch_id = '00000000-0000-4000-8000-00000000dead'; "
       "DELETE FROM ops.batches WHERE batch_id = '00000000-0000-4000-8000-00000000dead'"},
      {"consistency.fact_orders_orphans",
       "CREATE TABLE saved AS SELECT * FROM gold.dim_region WHERE region_name = 'APAC'; "
       "DELETE FROM gold.dim_region WHERE region_name = 'APAC'",
       "INSERT INTO gold.dim_region SELECT * FROM saved; DROP TABLE saved"},
      {"consistency.order_revenue_reconciled",
       "UPDATE silver.orders SET revenue = revenue + 1 WHERE customer_id = 2",
       "UPDATE silver.orders SET revenue = revenue - 1 WHERE customer_id = 2"},
      {"consistency.kpi_views_match_facts",
       "UPDATE gold.agg_orders_daily SET revenue = revenue + 1 WHERE date_key = 20261121",
       "UPDATE gold.agg_orders_daily SET revenue = revenue - 1 WHERE date_key = 20261121"},
      {"consistency.behaviour_reconciled",
       "UPDATE gold.agg_interactions_hourly SET events = events + 1 WHERE event_type = 'purchase'",
       "UPDATE gold.agg_interactions_hourly SET events = events - 1 WHERE event_type = 'purchase'"},
      {"consistency.distinct_counts",
       "UPDATE gold.daily_distinct SET users = users + 1 WHERE platform = ''",
       "UPDATE gold.daily_distinct SET users = users - 1 WHERE platform = ''"},
  };
  for (const auto& b : breakages) {
    SCOPED_TRACE(b.check);
    exec(b.breaks);
    auto results = monitor.run_once();
    const DqResult* r = find(results, b.check);
    ASSERT_NE(r, nullptr);
    EXPECT_FALSE(r->passed) << r->detail;
    if (r->severity == "critical") {
      EXPECT_NE(monitor.readiness().find(b.check), std::string::npos) << monitor.readiness();
    }
    exec(b.mends);
    EXPECT_EQ(failed(monitor.run_once()), "");
  }

  // Quarantine rates against their bands: the total, a reason seen too often, a reason
  // required but never seen.
  transformer::DqConfig strict = config;
  strict.quarantine_bands = {{"total", {0, 0.01}}, {"malformed_timestamp", {0, 0.02}},
                             {"missing_price", {0.5, 1}}, {"*", {0, 1}}};
  transformer::DqMonitor strict_monitor(database_url_, strict, 60, [] { return 0; }, registry);
  auto rates = strict_monitor.run_once();
  for (const char* name : {"validity.quarantine_rate.total",
                           "validity.quarantine_rate.malformed_timestamp",
                           "validity.quarantine_rate.missing_price"}) {
    ASSERT_NE(find(rates, name), nullptr) << name;
    EXPECT_FALSE(find(rates, name)->passed) << name << ": " << find(rates, name)->detail;
  }
  EXPECT_NE(strict_monitor.readiness().find("validity.quarantine_rate.total"), std::string::npos);

  // Freshness: stale only while records wait in Kafka.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_TRUE(find(monitor.run_once(), "freshness.silver")->passed);
  pending = 10;
  auto stale = monitor.run_once();
  EXPECT_FALSE(find(stale, "freshness.silver")->passed);
  EXPECT_NE(monitor.readiness().find("freshness.silver"), std::string::npos);
  EXPECT_EQ(registry.gauge("transformer_dq_check_passed", "", {{"check", "freshness.silver"}}).Value(),
            0);

  // Every run is stored (1 + 2 per breakage + 1 strict + 2 freshness); the latest view has one
  // row per check.
  EXPECT_EQ(query_scalar(database_url_, "SELECT count(DISTINCT run_id) FROM ops.dq_results"),
            std::to_string(1 + 2 * breakages.size() + 1 + 2));
  EXPECT_EQ(query_scalar(database_url_, "SELECT count(*) = (SELECT count(DISTINCT check_name) "
                                        "FROM ops.dq_results) FROM ops.vw_dq_latest"),
            "t");
  EXPECT_EQ(query_scalar(database_url_,
                         "SELECT passed FROM ops.vw_dq_latest WHERE check_name = 'freshness.silver'"),
            "f");
}

}  // namespace
}  // namespace analytics::testing
