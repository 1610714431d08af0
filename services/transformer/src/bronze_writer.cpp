#include "bronze_writer.hpp"

#include "bronze_partitions.hpp"
#include "common/pg/binary_copy.hpp"
#include "common/text/encoding.hpp"

namespace analytics::transformer {
namespace {

constexpr const char* kCopyBronze =
    "COPY bronze.events (topic, partition, \"offset\", event_type, kafka_key, kafka_timestamp, "
    "request_id, payload, ingested_at, batch_id, pipeline_version) FROM STDIN (FORMAT binary)";

constexpr int64_t kMaxTimestampMs = 253402300800000;  // 10000-01-01T00:00:00Z

/// Kafka keys and headers are bytes, written by any producer; a text column refuses NUL and
/// invalid UTF-8, which would fail the whole batch forever. Such values are stored as
/// "hex:<hex>" instead, so bronze still keeps them. Empty is NULL.
void storable_text(pg::BinaryCopyWriter& w, const std::string& bytes) {
  if (bytes.empty()) {
    w.null();
  } else if (text::is_storable_utf8(bytes)) {
    w.text(bytes);
  } else {
    w.text("hex:" + text::hex_encode(bytes));
  }
}

}  // namespace

void BronzeWriter::write(pg::Session& session, const Batch& batch, BatchStats& stats) {
  std::string day = time::format_date(batch.ingested_at);
  if (day != partitions_checked_for_) {
    ensure_bronze_partitions(session, batch.ingested_at, 1);
    partitions_checked_for_ = day;
  }
  pg::BinaryCopyWriter w;
  for (const auto& rec : batch.records) {
    const SourceRecord& s = rec.source;
    w.row(11);
    w.text(s.topic);
    w.int4(s.partition);
    w.int8(s.offset);
    w.text(rec.event_type);
    storable_text(w, s.key);
    // Producers set this timestamp; keep only what PostgreSQL can store (years 1970-9999).
    if (s.timestamp_ms > 0 && s.timestamp_ms < kMaxTimestampMs) {
      w.timestamptz(s.timestamp_ms * 1000);
    } else {
      w.null();
    }
    storable_text(w, s.request_id);
    w.bytea(s.payload);
    // As silver's rows of the batch have it: a replay maps each record with the ingestion
    // time it had, so lateness and lag come out the same.
    w.timestamptz(batch.ingested_at);
    w.uuid(batch.batch_id);
    w.text(pipeline_version_);
    if (rec.event_type == "dlq") ++stats.dlq_rows;
  }
  stats.bronze_rows = w.rows();
  session.copy_in(kCopyBronze, std::move(w).finish());
}

}  // namespace analytics::transformer
