#include "replay.hpp"

#include <charconv>
#include <chrono>
#include <string_view>

#include "common/pg/db_error.hpp"
#include "common/text/encoding.hpp"
#include "record_mappers.hpp"

namespace analytics::transformer {
namespace {

constexpr int kFetchRows = 5000;

// Bronze in ingestion order, each original batch's records together and in log order.
constexpr const char* kDeclareCursor = R"sql(
DECLARE replay_records NO SCROLL CURSOR FOR
SELECT batch_id, (extract(epoch FROM ingested_at) * 1000000)::bigint, event_type, topic,
       partition, "offset", coalesce(kafka_key, ''),
       coalesce((extract(epoch FROM kafka_timestamp) * 1000)::bigint, 0),
       coalesce(request_id, ''), encode(payload, 'hex')
FROM bronze.events
WHERE ingested_at >= $1 AND ingested_at < $2
ORDER BY ingested_at, batch_id, topic, partition, "offset")sql";

template <typename T>
T number(std::string_view text) {
  T v{};
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

void add(ReplaySummary& summary, const BatchStats& stats, size_t records) {
  ++summary.batches;
  summary.records += records;
  summary.silver_rows += stats.silver_rows;
  summary.quarantined_rows += stats.quarantined_rows;
  for (const auto& [reason, n] : stats.quarantine_by_reason) summary.quarantine_by_reason[reason] += n;
}

}  // namespace

ReplaySummary replay_from_bronze(WarehouseWriter& writer, const std::string& database_url,
                                 const PiiProtector& pii, const EventTimeRules& rules,
                                 const IngestionRange& range,
                                 const std::function<void(size_t, size_t)>& progress) {
  auto started = std::chrono::steady_clock::now();
  ReplaySummary summary;
  pg::Session reader(database_url);
  // One snapshot for the count and the reading: records arriving meanwhile are not replayed.
  reader.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  auto held = reader.exec_params(
      "SELECT count(*), min(ingested_at), max(ingested_at) + interval '1 microsecond' "
      "FROM bronze.events WHERE ingested_at >= $1 AND ingested_at < $2",
      {range.from, range.to});
  auto total = number<size_t>(held.value(0, 0));
  if (total == 0) {
    // Nothing to rebuild from: what silver and gold hold for the range stays.
    reader.exec("COMMIT");
    return summary;
  }
  // Only what bronze still holds is forgotten and rebuilt: silver and gold rows of days that
  // retention dropped from bronze stay as they are, and batches committed after the snapshot
  // are left alone.
  const IngestionRange held_range{std::string(held.value(0, 1)), std::string(held.value(0, 2))};
  writer.forget(held_range);
  reader.exec_params(kDeclareCursor, {held_range.from, held_range.to});

  Batch batch;
  auto flush = [&] {
    if (batch.records.empty()) return;
    add(summary, writer.rewrite(batch), batch.records.size());
    batch = Batch{};
    progress(summary.records, total);
  };
  for (;;) {
    pg::Result rows = reader.exec("FETCH " + std::to_string(kFetchRows) + " FROM replay_records");
    if (rows.rows() == 0) break;
    for (int i = 0; i < rows.rows(); ++i) {
      std::string batch_id(rows.value(i, 0));
      if (batch_id != batch.batch_id) {
        flush();
        batch.batch_id = batch_id;
        batch.ingested_at = number<int64_t>(rows.value(i, 1));
        batch.started_at = time::now_micros();
      }
      auto payload = text::hex_decode(rows.value(i, 9));
      if (!payload) throw pg::DbError("bronze payload is not hex-encoded bytea", "", false);
      SourceRecord source{std::string(rows.value(i, 3)), number<int32_t>(rows.value(i, 4)),
                          number<int64_t>(rows.value(i, 5)),  std::string(rows.value(i, 6)),
                          std::move(*payload),               number<int64_t>(rows.value(i, 7)),
                          std::string(rows.value(i, 8))};
      MappingContext context{pii, batch.ingested_at, rules};
      batch.records.push_back(map_record(std::move(source), std::string(rows.value(i, 2)), context));
    }
  }
  flush();
  reader.exec("COMMIT");
  writer.settle(held_range);
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace analytics::transformer
