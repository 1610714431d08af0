#include "quarantine_writer.hpp"

#include "common/pg/binary_copy.hpp"
#include "common/text/encoding.hpp"

namespace analytics::transformer {
namespace {

constexpr const char* kCopyQuarantine =
    "COPY silver.quarantine (event_type, _quarantine_reason, detail, payload_safe, source_topic, "
    "source_partition, source_offset, batch_id) FROM STDIN (FORMAT binary)";

}  // namespace

void QuarantineWriter::forget(pg::Session& session, const IngestionRange& range) {
  session.exec_params(
      "DELETE FROM silver.quarantine q USING bronze.events b WHERE b.ingested_at >= $1 AND "
      "b.ingested_at < $2 AND (b.topic, b.partition, b.\"offset\") = "
      "(q.source_topic, q.source_partition, q.source_offset)",
      {range.from, range.to});
}

void QuarantineWriter::write(pg::Session& session, const Batch& batch, BatchStats& stats) {
  pg::BinaryCopyWriter w;
  for (const auto& rec : batch.records) {
    const auto* q = std::get_if<Quarantined>(&rec.mapped);
    if (!q) continue;
    std::string reason(to_string(q->reason));
    w.row(8);
    w.text(rec.event_type);
    w.text(reason);
    w.text(text::is_storable_utf8(q->detail) ? q->detail : "hex:" + text::hex_encode(q->detail));
    if (q->safe_payload) {
      w.jsonb(*q->safe_payload);
    } else {
      w.null();  // not a JSON object: nothing to show that would be safe; bronze has the bytes
    }
    w.text(rec.source.topic);
    w.int4(rec.source.partition);
    w.int8(rec.source.offset);
    w.uuid(batch.batch_id);
    ++stats.quarantined_rows;
    ++stats.quarantine_by_reason[reason];
  }
  if (w.rows() > 0) session.copy_in(kCopyQuarantine, std::move(w).finish());
}

}  // namespace analytics::transformer
