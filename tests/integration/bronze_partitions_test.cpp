// bronze.events by day of ingestion (migration 008): a batch on a day without its partition
// creates it, BronzeMaintenance creates the days ahead, and a retention drops whole old days.
#include <gtest/gtest.h>

#include <string>

#include "bronze_partitions.hpp"
#include "pipeline_fixture.hpp"

namespace analytics::testing {
namespace {

constexpr int64_t kDay = 86400LL * 1000000;

class BronzePartitionsTest : public PipelineTest {
 protected:
  std::string partitions() {
    return q("SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_inherits i "
             "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'bronze.events'::regclass");
  }
  static std::string partition_of(int64_t t) {
    std::string d = time::format_date(t);
    return "events_p" + d.substr(0, 4) + d.substr(5, 2) + d.substr(8, 2);
  }
};

TEST_F(BronzePartitionsTest, ABatchCreatesItsDayAndRetentionDropsWholeOldDays) {
  const int64_t now = time::now_micros();
  // As if the transformer had run on every day from 10 days ago and nothing created today's.
  q("SELECT ops.ensure_bronze_partitions(current_date - 10, 10)");
  q("DROP TABLE bronze." + partition_of(now) + ", bronze." + partition_of(now + kDay));
  EXPECT_EQ(partitions().find(partition_of(now)), std::string::npos);
  q("INSERT INTO bronze.events (topic, partition, \"offset\", event_type, payload, ingested_at, "
    "batch_id, pipeline_version) VALUES ('old', 0, 0, 'x', '\\x7b7d', now() - interval '9 days', "
    "gen_random_uuid(), 'test')");

  // The first batch of the day creates its partition itself.
  post_ndjson("/v1/events/commerce.transaction",
              R"({"order_id":"00000000-0000-4000-8000-000000000001","customer_id":1,)"
              R"("product":"Desk Lamp","category":"Home","region":"EU","status":"completed",)"
              R"("quantity":1,"price":10.00,"timestamp":"2026-11-02T10:00:00Z"})");
  ASSERT_EQ(wait_count("silver.orders", 1), "1");
  EXPECT_EQ(count("bronze." + partition_of(now)), "1");

  // Maintenance: the days ahead exist; with a 5-day retention, older days are dropped whole
  // and the newer ones, with their rows, stay.
  transformer::BronzeMaintenance maintenance(database_url_, 5, registry_);
  maintenance.run_once(now);
  EXPECT_NE(partitions().find(partition_of(now + kDay)), std::string::npos);
  EXPECT_NE(partitions().find(partition_of(now + 2 * kDay)), std::string::npos);
  EXPECT_EQ(partitions().find(partition_of(now - 9 * kDay)), std::string::npos);
  EXPECT_EQ(partitions().find(partition_of(now - 6 * kDay)), std::string::npos);
  EXPECT_NE(partitions().find(partition_of(now - 5 * kDay)), std::string::npos);
  EXPECT_EQ(count("bronze.events WHERE topic = 'old'"), "0");
  EXPECT_EQ(count("bronze.events WHERE topic <> 'old'"), "1");
  // Without a retention nothing is dropped.
  transformer::BronzeMaintenance keep_all(database_url_, 0, registry_);
  keep_all.run_once(now + 30 * kDay);
  EXPECT_NE(partitions().find(partition_of(now - 5 * kDay)), std::string::npos);
}

}  // namespace
}  // namespace analytics::testing
