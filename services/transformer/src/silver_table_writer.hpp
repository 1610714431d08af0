#pragma once

#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/pg/binary_copy.hpp"
#include "layer_writer.hpp"
#include "record_version.hpp"

namespace analytics::transformer {

/// What one silver row is made of.
template <typename Entity>
struct SilverRow {
  const Entity& entity;
  const SourceRecord& source;
  const Batch& batch;
};

/// A column of a silver table and how its value is written. An entity's column list is the one
/// place a column is named: the COPY list, the upsert's column and SET lists come from it.
template <typename Entity>
struct SilverColumn {
  const char* name;
  void (*write)(pg::BinaryCopyWriter&, const SilverRow<Entity>&);
};

/// Writes `v` with `write`, or NULL.
template <typename T, typename Write>
void nullable(pg::BinaryCopyWriter& w, const std::optional<T>& v, Write write) {
  if (v) {
    write(*v);
  } else {
    w.null();
  }
}

/// The columns every silver table ends with: when the record was sent and read, its data
/// quality verdict, which HMAC key version protected it and where it came from. "Later wins" compares received_at and the source.
template <typename Entity>
std::vector<SilverColumn<Entity>> lineage_columns() {
  using W = pg::BinaryCopyWriter;
  using Row = SilverRow<Entity>;
  // clang-format off
  return {
    {"received_at",           [](W& w, const Row& r) {
                                nullable(w, r.entity.received_at, [&](auto v) { w.timestamptz(v); }); }},
    {"ingested_at",           [](W& w, const Row& r) { w.timestamptz(r.batch.ingested_at); }},
    {"ingestion_lag_seconds", [](W& w, const Row& r) { w.float8(r.entity.ingestion_lag_seconds); }},
    {"is_late_arrival",       [](W& w, const Row& r) { w.boolean(r.entity.is_late_arrival); }},
    {"dq_passed",             [](W& w, const Row& r) { w.boolean(r.entity.dq_passed); }},
    {"pii_key_version",       [](W& w, const Row& r) { w.int4(r.entity.pii_key_version); }},
    {"source_topic",          [](W& w, const Row& r) { w.text(r.source.topic); }},
    {"source_partition",      [](W& w, const Row& r) { w.int4(r.source.partition); }},
    {"source_offset",         [](W& w, const Row& r) { w.int8(r.source.offset); }},
    {"batch_id",              [](W& w, const Row& r) { w.uuid(r.batch.batch_id); }},
  };
  // clang-format on
}

/// `own` followed by the lineage columns.
template <typename Entity>
std::vector<SilverColumn<Entity>> with_lineage(std::vector<SilverColumn<Entity>> own) {
  auto lineage = lineage_columns<Entity>();
  own.insert(own.end(), lineage.begin(), lineage.end());
  return own;
}

/// A silver table: where it is, its key, its columns, and an entity's identity (its key as one
/// string) for deduplication within a batch. The entity has `received_at`,
/// `is_late_arrival` and `ingestion_lag_seconds`, and the table the columns source_topic,
/// source_partition, source_offset and received_at that "later wins" compares.
template <typename Entity>
struct SilverTable {
  std::string table;  // e.g. silver.orders
  std::string stage;  // the session's staging table, e.g. stage_orders
  std::vector<std::string> key;
  std::vector<SilverColumn<Entity>> columns;
  std::string (*identity)(const Entity&);
  // When set, a second staging table that receives the stored rows a batch's entities may
  // replace (before the upsert overwrites them), so a gold writer can take the old versions
  // out of its aggregates. It may also hold stored rows that stay (they were later): only
  // those whose key is still in `stage` afterwards were replaced.
  std::string replaced_stage = {};
};

/// Writes a batch's entities of one type into their silver table, the latest version of each
/// winning (record_version.hpp): within a batch only each entity's latest version is staged;
/// across batches the upsert keeps a stored row that is later than the staged one. Afterwards
/// the session's staging table holds exactly this batch's entities that were written, for gold.
template <typename Entity>
class SilverTableWriter : public LayerWriter {
 public:
  explicit SilverTableWriter(SilverTable<Entity> table) : t_(std::move(table)) {}

  void prepare(pg::Session& session) override {
    session.exec("CREATE TEMP TABLE IF NOT EXISTS " + t_.stage + " (LIKE " + t_.table +
                 ") ON COMMIT DELETE ROWS");
    session.prepare("upsert_" + t_.stage, upsert_sql());
    if (!t_.replaced_stage.empty()) {
      session.exec("CREATE TEMP TABLE IF NOT EXISTS " + t_.replaced_stage + " (LIKE " + t_.table +
                   ") ON COMMIT DELETE ROWS");
      session.prepare("keep_" + t_.replaced_stage, keep_replaced_sql());
    }
  }

  /// Deletes the rows written from records ingested in `range`; with a replaced stage, they go
  /// there, so the gold writer takes them out of its aggregates.
  void forget(pg::Session& session, const IngestionRange& range) override {
    std::string del = "DELETE FROM " + t_.table + " WHERE ingested_at >= $1 AND ingested_at < $2";
    if (!t_.replaced_stage.empty()) {
      del = "WITH gone AS (" + del + " RETURNING *) INSERT INTO " + t_.replaced_stage +
            " SELECT * FROM gone";
    }
    session.exec_params(del, {range.from, range.to});
  }

  void write(pg::Session& session, const Batch& batch, BatchStats& stats) override {
    // Each entity's latest version in this batch; earlier ones never reach the database.
    std::unordered_map<std::string, const BatchRecord*> latest;
    for (const auto& rec : batch.records) {
      const auto* e = std::get_if<Entity>(&rec.mapped);
      if (!e) continue;
      auto [it, inserted] = latest.try_emplace(t_.identity(*e), &rec);
      if (!inserted && is_later(version_of(rec), version_of(*it->second))) it->second = &rec;
    }
    if (latest.empty()) return;
    // In log order (records are contiguous), so runs are reproducible.
    std::vector<const BatchRecord*> winners;
    winners.reserve(latest.size());
    for (const auto& [identity, rec] : latest) winners.push_back(rec);
    std::sort(winners.begin(), winners.end());
    pg::BinaryCopyWriter w;
    auto columns = static_cast<int16_t>(t_.columns.size());
    for (const BatchRecord* rec : winners) {
      const auto& e = std::get<Entity>(rec->mapped);
      SilverRow<Entity> row{e, rec->source, batch};
      w.row(columns);
      for (const auto& c : t_.columns) c.write(w, row);
      if (e.is_late_arrival) ++stats.late_events;
      stats.max_lag_seconds = std::max(stats.max_lag_seconds, e.ingestion_lag_seconds);
    }
    size_t staged = w.rows();
    session.copy_in("COPY " + t_.stage + " (" + column_list() + ") FROM STDIN (FORMAT binary)",
                    std::move(w).finish());
    if (!t_.replaced_stage.empty()) session.exec_prepared("keep_" + t_.replaced_stage, {});
    long lost = session.exec_prepared("upsert_" + t_.stage, {}).affected_rows();
    stats.silver_rows += staged - static_cast<size_t>(lost);
  }

 private:
  static RecordVersion version_of(const BatchRecord& r) {
    return {r.source.topic, r.source.partition, r.source.offset,
            std::get<Entity>(r.mapped).received_at};
  }

  std::string column_list() const {
    std::string out;
    for (const auto& c : t_.columns) out += (out.empty() ? "" : ", ") + std::string(c.name);
    return out;
  }

  /// Copies the stored versions of the staged entities aside. An index probe per staged row
  /// (LATERAL ... LIMIT 1 keeps the planner from hashing the whole table instead: the stage has
  /// no statistics).
  std::string keep_replaced_sql() const {
    std::string same;
    for (const auto& k : t_.key) same += (same.empty() ? "" : " AND ") + ("x." + k + " = s." + k);
    return "INSERT INTO " + t_.replaced_stage + " SELECT stored.* FROM " + t_.stage +
           " s CROSS JOIN LATERAL (SELECT * FROM " + t_.table + " x WHERE " + same +
           " LIMIT 1) stored";
  }

  /// Merges the stage into the table (a stored later version wins) and leaves in the stage only
  /// the entities that were written; its row count is how many lost.
  std::string upsert_sql() const {
    std::string key, set, same;
    for (const auto& k : t_.key) {
      key += (key.empty() ? "" : ", ") + k;
      same += (same.empty() ? "" : " AND ") + ("won." + k + " = s." + k);
    }
    for (const auto& c : t_.columns) {
      if (std::find(t_.key.begin(), t_.key.end(), c.name) != t_.key.end()) continue;
      set += (set.empty() ? "" : ", ") + std::string(c.name) + " = EXCLUDED." + c.name;
    }
    return "WITH won AS (INSERT INTO " + t_.table + " AS stored (" + column_list() + ") SELECT " +
           column_list() + " FROM " + t_.stage + " ON CONFLICT (" + key + ") DO UPDATE SET " +
           set + " WHERE " + later_version_sql("EXCLUDED", "stored") + " RETURNING " + key +
           ") DELETE FROM " + t_.stage + " s WHERE NOT EXISTS (SELECT 1 FROM won WHERE " + same +
           ")";
  }

  SilverTable<Entity> t_;
};

}  // namespace analytics::transformer
