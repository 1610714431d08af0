#include "silver_orders_writer.hpp"

#include <string>
#include <unordered_map>

#include "common/pg/binary_copy.hpp"
#include "record_version.hpp"

namespace analytics::transformer {
namespace {

/// What one silver.orders row is made of.
struct OrderRow {
  const SilverOrder& order;
  const SourceRecord& source;
  const Batch& batch;
};

/// A column of silver.orders and how its value is written. This list is the one place a
/// column is named: the COPY list, the upsert's column and SET lists are generated from it.
struct OrderColumn {
  const char* name;
  void (*write)(pg::BinaryCopyWriter&, const OrderRow&);
};

template <typename T>
void nullable_text(pg::BinaryCopyWriter& w, const std::optional<T>& v) {
  if (v) {
    w.text(*v);
  } else {
    w.null();
  }
}

// clang-format off
constexpr OrderColumn kOrderColumns[] = {
  {"order_id",              [](auto& w, const OrderRow& r) { w.uuid(r.order.order_id); }},
  {"customer_id",           [](auto& w, const OrderRow& r) { w.int4(r.order.customer_id); }},
  {"customer_name_masked",  [](auto& w, const OrderRow& r) { nullable_text(w, r.order.customer_name_masked); }},
  {"email_hmac",            [](auto& w, const OrderRow& r) { nullable_text(w, r.order.email_hmac); }},
  {"product",               [](auto& w, const OrderRow& r) { w.text(r.order.product); }},
  {"category",              [](auto& w, const OrderRow& r) { w.text(r.order.category); }},
  {"region",                [](auto& w, const OrderRow& r) { w.text(r.order.region); }},
  {"status",                [](auto& w, const OrderRow& r) { w.text(r.order.status); }},
  {"quantity",              [](auto& w, const OrderRow& r) { w.int4(r.order.quantity); }},
  {"quantity_defaulted",    [](auto& w, const OrderRow& r) { w.boolean(r.order.quantity_defaulted); }},
  {"price",                 [](auto& w, const OrderRow& r) { w.numeric_cents(r.order.price_cents); }},
  {"revenue",               [](auto& w, const OrderRow& r) { w.numeric_cents(r.order.revenue_cents); }},
  {"order_ts",              [](auto& w, const OrderRow& r) { w.timestamptz(r.order.order_ts); }},
  {"event_date",            [](auto& w, const OrderRow& r) { w.date(r.order.order_ts); }},
  {"received_at",           [](auto& w, const OrderRow& r) {
                              if (r.order.received_at) w.timestamptz(*r.order.received_at); else w.null(); }},
  {"ingested_at",           [](auto& w, const OrderRow& r) { w.timestamptz(r.batch.started_at); }},
  {"ingestion_lag_seconds", [](auto& w, const OrderRow& r) { w.float8(r.order.ingestion_lag_seconds); }},
  {"is_late_arrival",       [](auto& w, const OrderRow& r) { w.boolean(r.order.is_late_arrival); }},
  {"dq_passed",             [](auto& w, const OrderRow& r) { w.boolean(r.order.dq_passed); }},
  {"source_topic",          [](auto& w, const OrderRow& r) { w.text(r.source.topic); }},
  {"source_partition",      [](auto& w, const OrderRow& r) { w.int4(r.source.partition); }},
  {"source_offset",         [](auto& w, const OrderRow& r) { w.int8(r.source.offset); }},
  {"batch_id",              [](auto& w, const OrderRow& r) { w.uuid(r.batch.batch_id); }},
};
// clang-format on

constexpr const char* kKey = "order_id";

std::string column_list(const char* prefix = "") {
  std::string out;
  for (const auto& c : kOrderColumns) out += (out.empty() ? "" : ", ") + std::string(prefix) + c.name;
  return out;
}

std::string copy_sql() {
  return "COPY stage_orders (" + column_list() + ") FROM STDIN (FORMAT binary)";
}

/// Merges the staged orders into silver.orders (a stored later version wins) and leaves in
/// the stage only the orders that were written.
std::string upsert_sql() {
  std::string set;
  for (const auto& c : kOrderColumns) {
    if (std::string(c.name) == kKey) continue;
    set += (set.empty() ? "" : ", ") + std::string(c.name) + " = EXCLUDED." + c.name;
  }
  return "WITH won AS (INSERT INTO silver.orders AS stored (" + column_list() + ") SELECT " +
         column_list() + " FROM stage_orders ON CONFLICT (" + kKey + ") DO UPDATE SET " + set +
         " WHERE " + later_version_sql("EXCLUDED", "stored") + " RETURNING " + kKey +
         ") DELETE FROM stage_orders s WHERE NOT EXISTS (SELECT 1 FROM won WHERE won." + kKey +
         " = s." + kKey + ")";
}

RecordVersion version_of(const BatchRecord& r, const SilverOrder& o) {
  return {r.source.topic, r.source.partition, r.source.offset, o.received_at};
}

}  // namespace

void SilverOrdersWriter::prepare(pg::Session& session) {
  // Per-session staging table: COPY lands here, one statement merges it into silver.orders.
  session.exec(
      "CREATE TEMP TABLE IF NOT EXISTS stage_orders (LIKE silver.orders) ON COMMIT DELETE ROWS");
  session.prepare("upsert_orders", upsert_sql());
}

void SilverOrdersWriter::write(pg::Session& session, const Batch& batch, BatchStats& stats) {
  // Each order's latest version in this batch; earlier ones never reach the database.
  std::unordered_map<std::string_view, const BatchRecord*> latest;
  latest.reserve(batch.records.size());
  for (const auto& rec : batch.records) {
    const auto* o = std::get_if<SilverOrder>(&rec.mapped);
    if (!o) continue;
    auto [it, inserted] = latest.try_emplace(o->order_id, &rec);
    if (!inserted &&
        is_later(version_of(rec, *o), version_of(*it->second, std::get<SilverOrder>(it->second->mapped)))) {
      it->second = &rec;
    }
  }
  if (latest.empty()) return;
  pg::BinaryCopyWriter w;
  constexpr auto kColumns = static_cast<int16_t>(std::size(kOrderColumns));
  for (const auto& rec : batch.records) {
    const auto* o = std::get_if<SilverOrder>(&rec.mapped);
    if (!o || latest.at(o->order_id) != &rec) continue;
    OrderRow row{*o, rec.source, batch};
    w.row(kColumns);
    for (const auto& c : kOrderColumns) c.write(w, row);
    if (o->is_late_arrival) ++stats.late_events;
    stats.max_lag_seconds = std::max(stats.max_lag_seconds, o->ingestion_lag_seconds);
  }
  size_t staged = w.rows();
  static const std::string kCopy = copy_sql();
  session.copy_in(kCopy, std::move(w).finish());
  long lost = session.exec_prepared("upsert_orders", {}).affected_rows();
  stats.silver_rows = staged - static_cast<size_t>(lost);
}

}  // namespace analytics::transformer
