#include "warehouse_writer.hpp"

#include <charconv>

#include "bronze_writer.hpp"
#include "common/pg/db_error.hpp"
#include "gold_interactions_writer.hpp"
#include "gold_orders_writer.hpp"
#include "quarantine_writer.hpp"
#include "silver_interactions_writer.hpp"
#include "silver_orders_writer.hpp"

namespace analytics::transformer {
namespace {

constexpr const char* kInsertBatch = R"sql(
INSERT INTO ops.batches (batch_id, consumer_group, started_at, duration_ms, bronze_rows,
                         silver_rows, quarantined_rows, dlq_rows, late_events, max_lag_seconds,
                         quarantine_by_reason, pipeline_version, ingested_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13))sql";

// Compare-and-set: succeeds only if nobody else moved the partition since we read it.
constexpr const char* kAdvanceOffset = R"sql(
UPDATE ops.kafka_offsets SET next_offset = $4, updated_at = now()
WHERE consumer_group = $1 AND topic = $2 AND partition = $3 AND next_offset = $5)sql";

constexpr const char* kInsertOffset = R"sql(
INSERT INTO ops.kafka_offsets (consumer_group, topic, partition, next_offset)
VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING)sql";


std::string reasons_json(const std::map<std::string, size_t>& reasons) {
  std::string out = "{";
  for (const auto& [reason, count] : reasons) {
    if (out.size() > 1) out += ",";
    out += "\"" + reason + "\":" + std::to_string(count);  // reasons are fixed identifiers
  }
  return out + "}";
}

template <typename T>
T parse_number(std::string_view text) {
  T value{};
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

std::map<PartitionId, int64_t> load_stored_offsets(pg::Session& session,
                                                   const std::string& consumer_group) {
  std::map<PartitionId, int64_t> out;
  pg::Result rows = session.exec_params(
      "SELECT topic, partition, next_offset FROM ops.kafka_offsets WHERE consumer_group = $1",
      {consumer_group});
  for (int i = 0; i < rows.rows(); ++i) {
    out[{std::string(rows.value(i, 0)), parse_number<int32_t>(rows.value(i, 1))}] =
        parse_number<int64_t>(rows.value(i, 2));
  }
  return out;
}

WarehouseWriter::WarehouseWriter(std::string database_url, std::string consumer_group,
                                 std::string pipeline_version, bool synchronous_commit)
    : database_url_(std::move(database_url)),
      consumer_group_(std::move(consumer_group)),
      pipeline_version_(std::move(pipeline_version)),
      synchronous_commit_(synchronous_commit) {
  // In this order: gold reads what silver staged.
  layers_.push_back(std::make_unique<BronzeWriter>(pipeline_version_));
  layers_.push_back(std::make_unique<QuarantineWriter>());
  layers_.push_back(make_silver_orders_writer());
  layers_.push_back(std::make_unique<GoldOrdersWriter>());
  layers_.push_back(make_silver_interactions_writer());
  layers_.push_back(std::make_unique<GoldInteractionsWriter>());
}

WarehouseWriter::~WarehouseWriter() = default;

void WarehouseWriter::reset() { session_.reset(); }

pg::Session& WarehouseWriter::session() {
  if (session_) return *session_;
  auto s = std::make_unique<pg::Session>(database_url_);
  // This session only; every other writer of the database keeps the server's setting.
  if (!synchronous_commit_) s->exec("SET synchronous_commit = off");
  s->prepare("insert_batch", kInsertBatch);
  s->prepare("advance_offset", kAdvanceOffset);
  s->prepare("insert_offset", kInsertOffset);
  for (auto& layer : layers_) layer->prepare(*s);
  session_ = std::move(s);
  return *session_;
}

std::map<PartitionId, int64_t> WarehouseWriter::load_offsets() {
  return load_stored_offsets(session(), consumer_group_);
}

void WarehouseWriter::advance_offsets(pg::Session& s, const Batch& batch) {
  for (const auto& [partition, advance] : batch.advances) {
    const auto& [topic, part] = partition;
    std::vector<std::optional<std::string>> params = {consumer_group_, topic, std::to_string(part),
                                                      std::to_string(advance.new_next)};
    bool first = advance.expected_next < 0;
    if (!first) params.push_back(std::to_string(advance.expected_next));
    if (s.exec_prepared(first ? "insert_offset" : "advance_offset", params).affected_rows() != 1) {
      // Either another consumer took the partition over, or an earlier attempt of this very
      // batch committed and only its answer was lost (the connection dropped at COMMIT): both
      // mean the stored position is the truth, and the caller re-reads it.
      throw OffsetFenceError("offset of " + topic + "/" + std::to_string(part) +
                             " is past where this batch expected it (another consumer moved it, "
                             "or an earlier attempt committed before its answer was lost); "
                             "re-reading positions");
    }
  }
}

template <typename Work>
void WarehouseWriter::in_transaction(Work&& work) {
  pg::Session& s = session();
  s.exec("BEGIN");
  try {
    work(s);
    s.exec("COMMIT");
  } catch (...) {
    // The transaction is aborted: drop the connection (its rollback is implicit) so the next
    // attempt starts clean, and let the caller (CommitPolicy) decide.
    reset();
    throw;
  }
}

BatchStats WarehouseWriter::commit(const Batch& batch) {
  BatchStats stats;
  in_transaction([&](pg::Session& s) {
    // Offsets first: the compare-and-set takes the offset rows' locks, so a zombie or a retry
    // after an unknown commit outcome is fenced here, before it writes any row.
    advance_offsets(s, batch);
    for (auto& layer : layers_) layer->write(s, batch, stats);
    double duration_ms = static_cast<double>(time::now_micros() - batch.started_at) / 1000.0;
    s.exec_prepared("insert_batch",
                    {batch.batch_id, consumer_group_, time::format_iso8601(batch.started_at),
                     std::to_string(duration_ms), std::to_string(stats.bronze_rows),
                     std::to_string(stats.silver_rows), std::to_string(stats.quarantined_rows),
                     std::to_string(stats.dlq_rows), std::to_string(stats.late_events),
                     std::to_string(stats.max_lag_seconds),
                     reasons_json(stats.quarantine_by_reason), pipeline_version_,
                     time::format_iso8601(batch.ingested_at)});
  });
  return stats;
}

void WarehouseWriter::forget(const IngestionRange& range) {
  in_transaction([&](pg::Session& s) {
    for (auto& layer : layers_) layer->forget(s, range);
  });
}

void WarehouseWriter::settle(const IngestionRange& range) {
  in_transaction([&](pg::Session& s) {
    for (auto& layer : layers_) layer->settle(s, range);
  });
}

BatchStats WarehouseWriter::rewrite(const Batch& batch) {
  BatchStats stats;
  in_transaction([&](pg::Session& s) {
    for (auto& layer : layers_) {
      if (layer->derived()) layer->write(s, batch, stats);
    }
  });
  return stats;
}

}  // namespace analytics::transformer
