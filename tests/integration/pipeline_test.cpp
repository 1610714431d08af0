// End to end through the real components: eventgen -> ingest-gateway -> dev broker ->
// transformer -> PostgreSQL -> kpi-api, each running in this process on loopback ports.
#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "catalog.hpp"
#include "load_runner.hpp"
#include "pipeline_fixture.hpp"
#include "transaction_generator.hpp"

namespace analytics {
namespace {

using testing::kWaitMs;
using testing::PipelineTest;

/// What silver must make of a generated batch, from what the generator says it produced: a
/// record is malformed when its timestamp is one of the generator's broken values, never by
/// asking silver's own parser (a parser bug would then pass unnoticed).
struct Expected {
  size_t malformed_timestamp = 0, missing_price = 0;
  size_t without_price = 0;  // missing_price plus those already malformed
  std::set<std::string> silver_order_ids;
};

Expected expected_from(const nlohmann::json& batch) {
  const std::set<std::string> broken(eventgen::kMalformedTimestamps.begin(),
                                     eventgen::kMalformedTimestamps.end());
  Expected e;
  for (const auto& rec : batch) {
    e.without_price += rec.contains("price") ? 0 : 1;
    if (broken.count(rec.at("timestamp").get<std::string>())) {
      ++e.malformed_timestamp;
    } else if (!rec.contains("price")) {
      ++e.missing_price;
    } else {
      e.silver_order_ids.insert(rec.at("order_id").get<std::string>());
    }
  }
  return e;
}

TEST_F(PipelineTest, GeneratedOrdersFlowThroughEveryLayerIntoTheKpis) {
  httplib::Client eventgen("127.0.0.1", eventgen_port_);
  auto generated = eventgen.Get("/v1/transactions?count=2000&seed=42&as_of=2026-04-18T00:00:00Z");
  ASSERT_TRUE(generated);
  ASSERT_EQ(generated->status, 200);
  auto batch = nlohmann::json::parse(generated->body);
  ASSERT_EQ(batch.size(), 2000u);
  // The generator's own dirt counts for this very batch (same seed, anchor and rates).
  eventgen::DirtCounts dirt;
  ASSERT_TRUE(eventgen::generate_transactions(
                  2000, 42, eventgen::DirtRates{}, 1776470400000000 /* 2026-04-18T00:00:00Z */,
                  eventgen::BatchFormat::kJsonArray, &dirt) == generated->body)
      << "eventgen's batch is not the generator's batch for seed 42";
  Expected expected = expected_from(batch);
  ASSERT_EQ(expected.malformed_timestamp, dirt.malformed_timestamp);
  ASSERT_EQ(expected.without_price, dirt.missing_price);
  // The seed-003 dirt is really there, so silver really has something to do.
  ASSERT_GT(expected.malformed_timestamp, 0u);
  ASSERT_GT(expected.missing_price, 0u);
  ASSERT_LT(
      expected.silver_order_ids.size() + expected.malformed_timestamp + expected.missing_price,
      2000u)
      << "no duplicate order ids in the batch";

  httplib::Client gateway("127.0.0.1", gateway_port_);
  auto posted =
      gateway.Post("/v1/events/commerce.transaction", generated->body, "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body.substr(0, 500);
  auto answer = nlohmann::json::parse(posted->body);
  EXPECT_EQ(answer["accepted"], 2000);
  EXPECT_EQ(answer["rejected"], 0);

  // One record that breaks the schema: rejected with its field named, kept in the DLQ.
  auto bad = gateway.Post("/v1/events/commerce.transaction",
                          R"({"order_id":"not-a-uuid","customer_id":"x"})", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 422);
  auto bad_answer = nlohmann::json::parse(bad->body);
  EXPECT_EQ(bad_answer["results"][0]["reason"], "schema_violation");

  ASSERT_EQ(wait_count("bronze.events", 2001), "2001");
  EXPECT_EQ(count("bronze.events WHERE event_type = 'dlq'"), "1");
  ASSERT_EQ(wait_count("silver.orders", expected.silver_order_ids.size()),
            std::to_string(expected.silver_order_ids.size()));
  EXPECT_EQ(count("silver.quarantine WHERE _quarantine_reason = 'malformed_timestamp'"),
            std::to_string(expected.malformed_timestamp));
  EXPECT_EQ(count("silver.quarantine WHERE _quarantine_reason = 'missing_price'"),
            std::to_string(expected.missing_price));
  EXPECT_EQ(count("gold.fact_orders"), std::to_string(expected.silver_order_ids.size()));
  // Raw PII never reaches silver or gold.
  EXPECT_EQ(
      count("silver.orders WHERE email_hmac LIKE '%@%' OR customer_name_masked !~ '^.\\*\\*\\*$'"),
      "0");
  // Offsets stored with the rows account for every record consumed.
  EXPECT_EQ(testing::query_scalar(database_url_, "SELECT sum(next_offset) FROM ops.kafka_offsets"),
            "2001");

  httplib::Client kpi("127.0.0.1", kpi_port_);
  auto summary = kpi.Get("/v1/kpi/summary");
  ASSERT_TRUE(summary);
  ASSERT_EQ(summary->status, 200) << summary->body;
  auto data = nlohmann::json::parse(summary->body)["data"];
  EXPECT_EQ(data["total_orders"], expected.silver_order_ids.size());
  std::string silver_revenue = testing::query_scalar(
      database_url_, "SELECT sum(quantity * price)::numeric(16,2) FROM silver.orders");
  EXPECT_DOUBLE_EQ(data["total_revenue"].get<double>(), std::stod(silver_revenue));
  EXPECT_GT(data["total_revenue"].get<double>(), 0.0);

  // Once everything is in the warehouse, the transformer reports no lag for the topic.
  std::string lag_line =
      "transformer_consumer_lag_records{topic=\"" + prefix_ + "events.commerce.transaction\"} 0\n";
  for (int i = 0; i < 50 && registry_.render().find(lag_line) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(registry_.render().find(lag_line), std::string::npos) << registry_.render();

  auto csv = kpi.Get("/v1/kpi/sales-by-region", {{"Accept", "text/csv"}});
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->status, 200);
  EXPECT_EQ(csv->body.rfind("region,orders,revenue,revenue_share_pct\r\n", 0), 0u) << csv->body;
}

TEST_F(PipelineTest, RestartedTransformerResumesFromStoredOffsetsWithoutDuplicates) {
  httplib::Client gateway("127.0.0.1", gateway_port_);
  httplib::Client eventgen("127.0.0.1", eventgen_port_);
  auto first = eventgen.Get("/v1/transactions?count=300&seed=7&duplicate_rate=0");
  ASSERT_TRUE(first);
  ASSERT_EQ(
      gateway.Post("/v1/events/commerce.transaction", first->body, "application/json")->status,
      200);
  ASSERT_EQ(wait_count("bronze.events", 300), "300");

  // A new instance of the same consumer group must continue where the warehouse says.
  transformer_->stop();
  start_transformer();
  auto second = eventgen.Get("/v1/transactions?count=200&seed=8&duplicate_rate=0");
  ASSERT_TRUE(second);
  ASSERT_EQ(
      gateway.Post("/v1/events/commerce.transaction", second->body, "application/json")->status,
      200);
  ASSERT_EQ(wait_count("bronze.events", 500), "500");
  // Give a duplicate-producing bug time to show itself, then check nothing was written twice.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(count("bronze.events"), "500");
  EXPECT_EQ(testing::query_scalar(database_url_,
                                  "SELECT count(*) FROM (SELECT topic, partition, \"offset\" FROM "
                                  "bronze.events GROUP BY 1, 2, 3 HAVING count(*) > 1) d"),
            "0");
  EXPECT_EQ(testing::query_scalar(database_url_, "SELECT sum(next_offset) FROM ops.kafka_offsets"),
            "500");
}

// Records written straight to Kafka by some other producer can hold anything. None of them
// may wedge the pipeline: each lands in bronze and is quarantined, and later records flow on.
TEST_F(PipelineTest, HostileRecordsAreQuarantinedAndThePipelineKeepsFlowing) {
  std::string topic = prefix_ + "events.commerce.transaction";
  auto good = nlohmann::json::parse(
      R"({"order_id":"0b7e6a52-7d4e-4c1e-9f59-2a0d7c1e9b11","customer_id":4242,
          "product":"Desk Lamp","category":"Home","quantity":2,"price":39.99,
          "region":"APAC","timestamp":"2026-11-01T10:00:00Z","status":"completed"})");
  auto with_nul = good;
  with_nul["order_id"] = "0b7e6a52-7d4e-4c1e-9f59-2a0d7c1e9b12";
  with_nul["product"] = std::string("Desk\0Lamp", 9);
  const std::string not_json = "\xff\xfe not json";
  const std::string binary_key("\xff\x00\x01", 3);
  // Nested 100,000 deep, where silver quotes a non-string timestamp back: it once overflowed
  // the transformer's stack; the bounded parse refuses it.
  auto without_timestamp = good;
  without_timestamp.erase("timestamp");  // given once, as the deep array below
  std::string deep = without_timestamp.dump();
  deep.insert(deep.size() - 1,
              R"(,"timestamp":)" + std::string(100000, '[') + std::string(100000, ']'));

  auto group = kafka::DeliveryGroup::create(4);
  producer_->produce(topic, "4242", with_nul.dump(), {{"request_id", "\xfe\xff"}}, *group, 0);
  producer_->produce(topic, binary_key, not_json, {}, *group, 1);
  producer_->produce(topic, "4242", deep, {}, *group, 2);
  producer_->produce(topic, "4242", good.dump(), {}, *group, 3);
  ASSERT_TRUE(group->wait(30000));
  for (const auto& r : group->results()) ASSERT_TRUE(r.ok) << r.error;

  ASSERT_EQ(wait_count("bronze.events", 4), "4");
  ASSERT_EQ(wait_count("silver.orders", 1), "1");
  EXPECT_EQ(count("silver.quarantine WHERE _quarantine_reason = 'schema_violation'"), "1");
  EXPECT_EQ(count("silver.quarantine WHERE _quarantine_reason = 'malformed_json'"), "2");
  EXPECT_EQ(count("silver.quarantine WHERE detail LIKE '%deeper than 64 levels'"), "1");
  // The bytes are kept exactly; unstorable text is kept as hex.
  EXPECT_EQ(count("bronze.events WHERE payload = '\\xfffe206e6f74206a736f6e'::bytea"), "1");
  EXPECT_EQ(count("bronze.events WHERE kafka_key = 'hex:ff0001'"), "1");
  EXPECT_EQ(count("bronze.events WHERE request_id = 'hex:feff'"), "1");
}

// A value that passes every silver check but that the warehouse still refuses (here a CHECK
// constraint added for the test) is isolated by splitting the batch and quarantined; the rest
// of the batch lands.
TEST_F(PipelineTest, RecordTheWarehouseRefusesIsQuarantinedAndTheRestLands) {
  testing::query_scalar(database_url_,
                        "ALTER TABLE silver.orders ADD CONSTRAINT no_poison "
                        "CHECK (product <> 'Poison Lamp') NOT VALID; SELECT 1");
  httplib::Client eventgen("127.0.0.1", eventgen_port_);
  auto generated = eventgen.Get(
      "/v1/transactions?count=40&seed=5&malformed_timestamp_rate=0&missing_field_rate=0&"
      "duplicate_rate=0");
  ASSERT_TRUE(generated);
  auto batch = nlohmann::json::parse(generated->body);
  batch[17]["product"] = "Poison Lamp";
  httplib::Client gateway("127.0.0.1", gateway_port_);
  auto posted = gateway.Post("/v1/events/commerce.transaction", batch.dump(), "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body.substr(0, 300);

  ASSERT_EQ(wait_count("bronze.events", 40), "40");
  ASSERT_EQ(wait_count("silver.orders", 39), "39");
  EXPECT_EQ(count("silver.quarantine WHERE _quarantine_reason = 'warehouse_rejected' AND "
                  "detail LIKE '%no_poison%'"),
            "1");
  EXPECT_EQ(testing::query_scalar(database_url_, "SELECT sum(next_offset) FROM ops.kafka_offsets"),
            "40");
}

// If the stored position is past the end of the log (topic recreated, broker data lost), the
// transformer must neither skip the new records nor relabel them: it refuses that partition,
// says so in /readyz, and keeps consuming the others.
TEST_F(PipelineTest, PartitionWhoseLogIsBehindTheWarehouseIsRefusedLoudly) {
  transformer_->stop();
  std::string topic = prefix_ + "events.commerce.transaction";
  testing::query_scalar(database_url_,
                        "INSERT INTO ops.kafka_offsets (consumer_group, topic, partition, "
                        "next_offset) VALUES ('" +
                            name_ + "', '" + topic + "', 0, 1000000) RETURNING 1");
  start_transformer();

  httplib::Client eventgen("127.0.0.1", eventgen_port_);
  httplib::Client gateway("127.0.0.1", gateway_port_);
  auto generated = eventgen.Get("/v1/transactions?count=300&seed=9&duplicate_rate=0");
  ASSERT_TRUE(generated);
  auto posted =
      gateway.Post("/v1/events/commerce.transaction", generated->body, "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200);
  size_t on_partition_0 = 0;
  auto answer = nlohmann::json::parse(posted->body);
  for (const auto& r : answer["results"]) {
    on_partition_0 += r["partition"].get<int>() == 0 ? 1 : 0;
  }
  ASSERT_GT(on_partition_0, 0u) << "no record landed on partition 0; pick another seed";

  ASSERT_EQ(wait_count("bronze.events", 300 - on_partition_0),
            std::to_string(300 - on_partition_0));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(count("bronze.events WHERE partition = 0"), "0");
  EXPECT_EQ(testing::query_scalar(database_url_,
                                  "SELECT next_offset FROM ops.kafka_offsets WHERE partition = 0 "
                                  "AND topic = '" +
                                      topic + "'"),
            "1000000");
  EXPECT_NE(transformer_->readiness().find("ahead of the Kafka log"), std::string::npos)
      << transformer_->readiness();
}

// One event bigger than Kafka would take is rejected on its own (too_large) with a truncated
// copy in the DLQ; it does not turn the request into a 503 that can never succeed.
TEST_F(PipelineTest, OversizedEventIsRejectedAsTooLargeNotRetriedForever) {
  auto event = nlohmann::json::parse(
      R"({"order_id":"0b7e6a52-7d4e-4c1e-9f59-2a0d7c1e9b13","customer_id":4242,
          "product":"Desk Lamp","category":"Home","quantity":1,"price":9.99,
          "region":"APAC","timestamp":"2026-11-01T10:00:00Z","status":"completed"})");
  event["notes"] = std::string(1200 * 1000, 'x');
  httplib::Client gateway("127.0.0.1", gateway_port_);
  auto posted = gateway.Post("/v1/events/commerce.transaction", event.dump(), "application/json");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 422) << posted->body.substr(0, 300);
  auto answer = nlohmann::json::parse(posted->body);
  EXPECT_EQ(answer["results"][0]["reason"], "too_large");

  ASSERT_EQ(wait_count("bronze.events WHERE event_type = 'dlq'", 1), "1");
  EXPECT_EQ(count("bronze.events WHERE event_type = 'dlq' AND length(payload) < 100000 AND "
                  "convert_from(payload, 'UTF8') LIKE '%\"raw_truncated\":true%'"),
            "1");
}

// A later record of the same order replaces the earlier one in silver and gold (a correction),
// and a product's new category replaces the old one while its surrogate key stays.
TEST_F(PipelineTest, CorrectionsReplaceEarlierRowsAndKeepSurrogateKeys) {
  auto order = nlohmann::json::parse(
      R"({"order_id":"0b7e6a52-7d4e-4c1e-9f59-2a0d7c1e9b14","customer_id":4242,
          "product":"Desk Lamp","category":"Home","quantity":2,"price":10.00,
          "region":"APAC","timestamp":"2026-11-01T10:00:00Z","status":"pending"})");
  httplib::Client gateway("127.0.0.1", gateway_port_);
  ASSERT_EQ(
      gateway.Post("/v1/events/commerce.transaction", order.dump(), "application/json")->status,
      200);
  ASSERT_EQ(wait_count("gold.fact_orders", 1), "1");
  std::string key_before =
      testing::query_scalar(database_url_, "SELECT product_key FROM gold.dim_product");

  order["status"] = "completed";
  order["price"] = 12.50;
  order["category"] = "Lighting";
  ASSERT_EQ(
      gateway.Post("/v1/events/commerce.transaction", order.dump(), "application/json")->status,
      200);
  ASSERT_EQ(wait_count("bronze.events", 2), "2");
  ASSERT_EQ(testing::wait_for_scalar(database_url_, "SELECT status FROM gold.fact_orders",
                                     "completed", kWaitMs),
            "completed");
  EXPECT_EQ(count("silver.orders"), "1");
  EXPECT_EQ(testing::query_scalar(database_url_, "SELECT revenue FROM gold.fact_orders"), "25.00");
  EXPECT_EQ(testing::query_scalar(database_url_, "SELECT category FROM gold.dim_product"),
            "Lighting");
  EXPECT_EQ(testing::query_scalar(database_url_, "SELECT product_key FROM gold.dim_product"),
            key_before);
}

TEST_F(PipelineTest, LoadModeSummaryReconcilesWithTheWarehouse) {
  eventgen::LoadOptions options;
  options.gateway_url = "http://127.0.0.1:" + std::to_string(gateway_port_);
  options.event_type = "interactions";
  options.count = 3000;
  options.rate = 100000;
  options.batch_size = 700;
  options.seed = 11;
  size_t reports = 0;
  auto summary = eventgen::run_load(options, [&](const eventgen::LoadProgress&) { ++reports; });

  EXPECT_TRUE(summary.done);
  EXPECT_TRUE(summary.reconciled);
  EXPECT_EQ(summary.sent, 3000u);
  EXPECT_EQ(summary.failed, 0u);
  EXPECT_EQ(summary.accepted + summary.rejected, 3000u);
  EXPECT_EQ(summary.requests, 5u);  // 4 x 700 + 200
  EXPECT_GE(reports, 1u);
  // Every event the gateway acknowledged is in bronze exactly once, and every rejection is in
  // the DLQ: the load summary and the warehouse tell the same story.
  ASSERT_EQ(wait_count("bronze.events", 3000), "3000");
  EXPECT_EQ(count("bronze.events WHERE event_type = 'user.interaction'"),
            std::to_string(summary.accepted));
  EXPECT_EQ(count("bronze.events WHERE event_type = 'dlq'"), std::to_string(summary.rejected));

  // Interactions reach silver in the same transactions: each (event_id, event_type) once (the
  // generator re-sends some events verbatim, as a retrying client would), the rest quarantined
  // with their reason. PostgreSQL's JSON parser, not the mapper under test, says which events
  // bronze holds.
  std::string clean_events = testing::query_scalar(database_url_, R"(
      SELECT count(DISTINCT (convert_from(b.payload, 'UTF8')::jsonb ->> 'event_id',
                             convert_from(b.payload, 'UTF8')::jsonb ->> 'event_type'))
      FROM bronze.events b
      WHERE b.event_type = 'user.interaction' AND NOT EXISTS (
        SELECT 1 FROM silver.quarantine q
        WHERE (q.source_topic, q.source_partition, q.source_offset) = (b.topic, b.partition, b."offset")))");
  EXPECT_EQ(count("silver.interactions"), clean_events);
  EXPECT_GT(std::stoi(clean_events), 2000);
  EXPECT_EQ(count("silver.quarantine WHERE event_type = 'user.interaction' AND "
                  "_quarantine_reason NOT IN ('malformed_timestamp', 'missing_price')"),
            "0");
  EXPECT_EQ(count("silver.interactions WHERE event_type = 'purchase' AND revenue IS NULL"), "0");
  EXPECT_EQ(count("silver.interactions WHERE event_date <> (occurred_at AT TIME ZONE 'UTC')::date "
                  "OR event_hour <> date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME "
                  "ZONE 'UTC'"),
            "0");
}

}  // namespace
}  // namespace analytics
