#include "warehouse_writer.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <pqxx/pqxx>

#include "common/pg/db_error.hpp"
#include "common/text/encoding.hpp"

namespace analytics::transformer {
namespace {

// Per-session staging table for silver orders: COPY lands here, then one set-based upsert
// deduplicates within the batch and merges into silver.orders.
constexpr const char* kCreateStage = R"sql(
CREATE TEMP TABLE IF NOT EXISTS stage_orders (LIKE silver.orders) ON COMMIT DELETE ROWS)sql";

constexpr const char* kBronzeColumns[] = {
    "topic",           "partition",  "\"offset\"", "event_type", "kafka_key",
    "kafka_timestamp", "request_id", "payload",    "batch_id",   "pipeline_version"};

constexpr const char* kQuarantineColumns[] = {
    "event_type",   "_quarantine_reason", "detail",        "payload",
    "source_topic", "source_partition",   "source_offset", "batch_id"};

constexpr const char* kOrderColumns[] = {"order_id",
                                         "customer_id",
                                         "customer_name_masked",
                                         "email_hmac",
                                         "product",
                                         "category",
                                         "region",
                                         "status",
                                         "quantity",
                                         "quantity_defaulted",
                                         "price",
                                         "revenue",
                                         "order_ts",
                                         "event_date",
                                         "received_at",
                                         "ingested_at",
                                         "ingestion_lag_seconds",
                                         "is_late_arrival",
                                         "dq_passed",
                                         "source_topic",
                                         "source_partition",
                                         "source_offset",
                                         "batch_id"};

// The latest record of an order wins: the one the gateway received last, then the one read
// last. Within a batch DISTINCT ON picks it; across batches the WHERE keeps a lagging partition
// or instance from overwriting a newer correction with an older record.
constexpr const char* kUpsertOrders = R"sql(
INSERT INTO silver.orders
SELECT DISTINCT ON (order_id) * FROM stage_orders
ORDER BY order_id, received_at DESC NULLS LAST, source_partition DESC, source_offset DESC
ON CONFLICT (order_id) DO UPDATE SET
  customer_id = EXCLUDED.customer_id, customer_name_masked = EXCLUDED.customer_name_masked,
  email_hmac = EXCLUDED.email_hmac, product = EXCLUDED.product, category = EXCLUDED.category,
  region = EXCLUDED.region, status = EXCLUDED.status, quantity = EXCLUDED.quantity,
  quantity_defaulted = EXCLUDED.quantity_defaulted, price = EXCLUDED.price,
  revenue = EXCLUDED.revenue, order_ts = EXCLUDED.order_ts, event_date = EXCLUDED.event_date,
  received_at = EXCLUDED.received_at, ingested_at = EXCLUDED.ingested_at,
  ingestion_lag_seconds = EXCLUDED.ingestion_lag_seconds,
  is_late_arrival = EXCLUDED.is_late_arrival, dq_passed = EXCLUDED.dq_passed,
  source_topic = EXCLUDED.source_topic, source_partition = EXCLUDED.source_partition,
  source_offset = EXCLUDED.source_offset, batch_id = EXCLUDED.batch_id
WHERE (coalesce(EXCLUDED.received_at, '-infinity'), EXCLUDED.ingested_at)
   >= (coalesce(silver.orders.received_at, '-infinity'), silver.orders.ingested_at))sql";

// Gold is maintained incrementally from the silver rows this batch touched.
constexpr const char* kUpsertDimDate = R"sql(
INSERT INTO gold.dim_date
SELECT to_char(d, 'YYYYMMDD')::int, d, extract(day FROM d), extract(isodow FROM d),
       trim(to_char(d, 'Day')), extract(week FROM d), extract(month FROM d),
       trim(to_char(d, 'Month')), extract(quarter FROM d), extract(year FROM d),
       extract(isodow FROM d) >= 6
FROM (SELECT DISTINCT event_date AS d FROM silver.orders WHERE batch_id = $1) days
ON CONFLICT (date_key) DO NOTHING)sql";

constexpr const char* kUpsertDimCustomer = R"sql(
INSERT INTO gold.dim_customer (customer_id, customer_name_masked, email_hmac)
SELECT DISTINCT ON (customer_id) customer_id, customer_name_masked, email_hmac
FROM silver.orders WHERE batch_id = $1
ORDER BY customer_id, received_at DESC NULLS LAST, source_offset DESC
ON CONFLICT (customer_id) DO UPDATE SET
  customer_name_masked = EXCLUDED.customer_name_masked, email_hmac = EXCLUDED.email_hmac,
  updated_at = now()
WHERE (gold.dim_customer.customer_name_masked, gold.dim_customer.email_hmac)
      IS DISTINCT FROM (EXCLUDED.customer_name_masked, EXCLUDED.email_hmac))sql";

// SCD1 for a product's category: the latest record of the batch says what it is now.
constexpr const char* kUpdateProductCategory = R"sql(
UPDATE gold.dim_product p SET category = latest.category
FROM (SELECT DISTINCT ON (product) product, category FROM silver.orders
      WHERE batch_id = $1 ORDER BY product, received_at DESC NULLS LAST, source_offset DESC) latest
WHERE p.product_name = latest.product AND p.category <> latest.category)sql";

// NOT EXISTS first so known products do not burn sequence values.
constexpr const char* kUpsertDimProduct = R"sql(
INSERT INTO gold.dim_product (product_name, category)
SELECT DISTINCT ON (product) product, category FROM silver.orders o
WHERE batch_id = $1
  AND NOT EXISTS (SELECT 1 FROM gold.dim_product p WHERE p.product_name = o.product)
ORDER BY product, received_at DESC NULLS LAST, source_offset DESC
ON CONFLICT (product_name) DO NOTHING)sql";

constexpr const char* kUpsertDimRegion = R"sql(
INSERT INTO gold.dim_region (region_name)
SELECT DISTINCT region FROM silver.orders o
WHERE batch_id = $1
  AND NOT EXISTS (SELECT 1 FROM gold.dim_region r WHERE r.region_name = o.region)
ON CONFLICT (region_name) DO NOTHING)sql";

constexpr const char* kUpsertFactOrders = R"sql(
INSERT INTO gold.fact_orders (order_id, date_key, customer_key, product_key, region_key,
                              quantity, price, revenue, status, order_ts, _ingested_at, _batch_id)
SELECT o.order_id, to_char(o.event_date, 'YYYYMMDD')::int, c.customer_key, p.product_key,
       r.region_key, o.quantity, o.price, o.revenue, o.status, o.order_ts, o.ingested_at,
       o.batch_id
FROM silver.orders o
JOIN gold.dim_customer c ON c.customer_id = o.customer_id
JOIN gold.dim_product p ON p.product_name = o.product
JOIN gold.dim_region r ON r.region_name = o.region
WHERE o.batch_id = $1
ON CONFLICT (order_id) DO UPDATE SET
  date_key = EXCLUDED.date_key, customer_key = EXCLUDED.customer_key,
  product_key = EXCLUDED.product_key, region_key = EXCLUDED.region_key,
  quantity = EXCLUDED.quantity, price = EXCLUDED.price, revenue = EXCLUDED.revenue,
  status = EXCLUDED.status, order_ts = EXCLUDED.order_ts, _ingested_at = EXCLUDED._ingested_at,
  _batch_id = EXCLUDED._batch_id)sql";

constexpr const char* kInsertBatch = R"sql(
INSERT INTO ops.batches (batch_id, consumer_group, started_at, duration_ms, bronze_rows,
                         silver_rows, quarantined_rows, dlq_rows, late_events, max_lag_seconds,
                         quarantine_by_reason, pipeline_version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12))sql";

// Compare-and-set: succeeds only if nobody else moved the partition since we read it.
constexpr const char* kAdvanceOffset = R"sql(
UPDATE ops.kafka_offsets SET next_offset = $4, updated_at = now()
WHERE consumer_group = $1 AND topic = $2 AND partition = $3 AND next_offset = $5)sql";

constexpr const char* kInsertOffset = R"sql(
INSERT INTO ops.kafka_offsets (consumer_group, topic, partition, next_offset)
VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING)sql";

constexpr const char* kLoadOffsets = R"sql(
SELECT topic, partition, next_offset FROM ops.kafka_offsets WHERE consumer_group = $1)sql";

constexpr int64_t kMaxTimestampMs = 253402300800000;  // 10000-01-01T00:00:00Z

/// bytea input in PostgreSQL's hex format.
std::string bytea_hex(const std::string& bytes) { return "\\x" + text::hex_encode(bytes); }

/// Kafka keys and headers are bytes, written by any producer; a text column refuses NUL and
/// invalid UTF-8, which would fail the whole batch forever. Such values are stored as
/// "hex:<hex>" instead, so bronze still keeps them.
std::optional<std::string> storable_text(const std::string& bytes) {
  if (bytes.empty()) return std::nullopt;
  if (text::is_storable_utf8(bytes)) return bytes;
  return "hex:" + text::hex_encode(bytes);
}

/// libpqxx's COPY writer treats a null `const char*` as SQL NULL.
const char* nullable(const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; }

std::string reasons_json(const std::map<std::string, size_t>& reasons) {
  std::string out = "{";
  for (const auto& [reason, count] : reasons) {
    if (out.size() > 1) out += ",";
    out += "\"" + reason + "\":" + std::to_string(count);  // reasons are fixed identifiers
  }
  return out + "}";
}

void write_bronze(pqxx::work& tx, const Batch& batch, const std::string& version) {
  pqxx::stream_to copy(tx, "bronze.events", std::begin(kBronzeColumns), std::end(kBronzeColumns));
  for (const auto& rec : batch.records) {
    const auto& m = *rec.message;
    std::optional<std::string> key = storable_text(m.key);
    std::optional<std::string> request_id = storable_text(m.header("request_id"));
    std::optional<std::string> ts;
    // Producers set this timestamp; keep only what PostgreSQL can store (years 1970-9999).
    if (m.timestamp_ms > 0 && m.timestamp_ms < kMaxTimestampMs) {
      ts = time::format_iso8601(m.timestamp_ms * 1000);
    }
    copy << std::make_tuple(m.topic, m.partition, m.offset, rec.event_type, nullable(key),
                            nullable(ts), nullable(request_id), bytea_hex(m.payload),
                            batch.batch_id, version);
  }
  copy.complete();
}

void write_silver(pqxx::work& tx, const Batch& batch, BatchStats& stats) {
  std::string ingested_at = time::format_iso8601(batch.started_at);
  pqxx::stream_to orders(tx, "stage_orders", std::begin(kOrderColumns), std::end(kOrderColumns));
  size_t staged = 0;
  for (const auto& rec : batch.records) {
    if (!rec.order) continue;
    const auto* o = std::get_if<SilverOrder>(&*rec.order);
    if (!o) continue;
    std::optional<std::string> received;
    if (o->received_at) received = time::format_iso8601(*o->received_at);
    orders << std::make_tuple(
        o->order_id, o->customer_id, nullable(o->customer_name_masked), nullable(o->email_hmac),
        o->product, o->category, o->region, o->status, o->quantity, o->quantity_defaulted,
        format_cents(o->price_cents), format_cents(o->revenue_cents),
        time::format_iso8601(o->order_ts), time::format_date(o->order_ts), nullable(received),
        ingested_at, o->ingestion_lag_seconds, o->is_late_arrival, o->dq_passed, rec.message->topic,
        rec.message->partition, rec.message->offset, batch.batch_id);
    ++staged;
    if (o->is_late_arrival) ++stats.late_events;
    stats.max_lag_seconds = std::max(stats.max_lag_seconds, o->ingestion_lag_seconds);
  }
  orders.complete();

  pqxx::stream_to quarantine(tx, "silver.quarantine", std::begin(kQuarantineColumns),
                             std::end(kQuarantineColumns));
  for (const auto& rec : batch.records) {
    if (!rec.order) continue;
    const auto* q = std::get_if<Quarantined>(&*rec.order);
    if (!q) continue;
    std::string reason(to_string(q->reason));
    quarantine << std::make_tuple(rec.event_type, reason, q->detail,
                                  bytea_hex(rec.message->payload), rec.message->topic,
                                  rec.message->partition, rec.message->offset, batch.batch_id);
    ++stats.quarantined_rows;
    ++stats.quarantine_by_reason[reason];
  }
  quarantine.complete();

  if (staged > 0) {
    stats.silver_rows = tx.exec_prepared("upsert_orders").affected_rows();
    for (const char* stmt : {"upsert_dim_date", "upsert_dim_customer", "update_product_category",
                             "upsert_dim_product", "upsert_dim_region", "upsert_fact_orders"}) {
      tx.exec_prepared(stmt, batch.batch_id);
    }
  }
}

}  // namespace

WarehouseWriter::WarehouseWriter(std::string database_url, std::string consumer_group,
                                 std::string pipeline_version)
    : database_url_(std::move(database_url)),
      consumer_group_(std::move(consumer_group)),
      pipeline_version_(std::move(pipeline_version)) {}

WarehouseWriter::~WarehouseWriter() = default;

void WarehouseWriter::reset() { conn_.reset(); }

pqxx::connection_base& WarehouseWriter::connection() {
  if (conn_ && conn_->is_open()) return *conn_;
  conn_ = pg::connect(database_url_);
  pg::guarded([&] {
    pqxx::nontransaction(*conn_).exec(kCreateStage);
    conn_->prepare("upsert_orders", kUpsertOrders);
    conn_->prepare("upsert_dim_date", kUpsertDimDate);
    conn_->prepare("upsert_dim_customer", kUpsertDimCustomer);
    conn_->prepare("update_product_category", kUpdateProductCategory);
    conn_->prepare("upsert_dim_product", kUpsertDimProduct);
    conn_->prepare("upsert_dim_region", kUpsertDimRegion);
    conn_->prepare("upsert_fact_orders", kUpsertFactOrders);
    conn_->prepare("insert_batch", kInsertBatch);
    conn_->prepare("advance_offset", kAdvanceOffset);
    conn_->prepare("insert_offset", kInsertOffset);
    conn_->prepare("load_offsets", kLoadOffsets);
  });
  return *conn_;
}

std::map<PartitionId, int64_t> WarehouseWriter::load_offsets() {
  return pg::guarded([&] {
    std::map<PartitionId, int64_t> out;
    pqxx::read_transaction tx(connection());
    for (const auto& row : tx.exec_prepared("load_offsets", consumer_group_)) {
      out[{row[0].as<std::string>(), row[1].as<int32_t>()}] = row[2].as<int64_t>();
    }
    return out;
  });
}

BatchStats WarehouseWriter::commit(const Batch& batch) {
  return pg::guarded([&] {
    BatchStats stats;
    pqxx::work tx(connection());
    // Offsets first: the compare-and-set takes the offset rows' locks, so a zombie or a retry
    // after an unknown commit outcome is fenced here, before it writes any row.
    for (const auto& [partition, advance] : batch.advances) {
      const auto& [topic, part] = partition;
      pqxx::result r =
          advance.expected_next < 0
              ? tx.exec_prepared("insert_offset", consumer_group_, topic, part, advance.new_next)
              : tx.exec_prepared("advance_offset", consumer_group_, topic, part, advance.new_next,
                                 advance.expected_next);
      if (r.affected_rows() != 1) {
        // Leaving without commit() rolls everything back.
        throw OffsetFenceError("offset of " + topic + "/" + std::to_string(part) +
                               " was moved by another consumer");
      }
    }
    write_bronze(tx, batch, pipeline_version_);
    stats.bronze_rows = batch.records.size();
    for (const auto& rec : batch.records) stats.dlq_rows += rec.event_type == "dlq" ? 1 : 0;
    write_silver(tx, batch, stats);
    double duration_ms = static_cast<double>(time::now_micros() - batch.started_at) / 1000.0;
    tx.exec_prepared("insert_batch", batch.batch_id, consumer_group_,
                     time::format_iso8601(batch.started_at), duration_ms, stats.bronze_rows,
                     stats.silver_rows, stats.quarantined_rows, stats.dlq_rows, stats.late_events,
                     stats.max_lag_seconds, reasons_json(stats.quarantine_by_reason),
                     pipeline_version_);
    tx.commit();
    return stats;
  });
}

}  // namespace analytics::transformer
