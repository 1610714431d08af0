#include "commit_policy.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/ids/uuid.hpp"
#include "common/pg/db_error.hpp"

namespace analytics::transformer {
namespace {

/// A value the sink refuses (SQLSTATE class 22, data exception; 23, integrity constraint,
/// except unique violations, which mean the offsets and the rows disagree; 54000, a value over
/// a limit such as an index row's size): retrying the same rows can never succeed, so the
/// offending record must be found and quarantined.
bool is_data_error(const pg::DbError& e) {
  const std::string& s = e.sqlstate();
  return !e.retryable() && s.size() == 5 &&
         (s.rfind("22", 0) == 0 || (s.rfind("23", 0) == 0 && s != "23505") || s == "54000");
}

/// A silver row that can become a quarantine entry instead (bronze-only records cannot).
bool has_silver_row(const BatchRecord& r) {
  return !std::holds_alternative<std::monostate>(r.mapped) &&
         !std::holds_alternative<Quarantined>(r.mapped);
}

}  // namespace

void sleep_backoff(int attempt) {
  std::this_thread::sleep_for(
      std::chrono::milliseconds(std::min(5000, 100 << std::min(attempt, 6))));
}

CommitPolicy::CommitPolicy(BatchSink& sink, Hooks hooks) : sink_(sink), hooks_(std::move(hooks)) {
  if (!hooks_.backoff) hooks_.backoff = sleep_backoff;
}

CommitPolicy::Outcome CommitPolicy::commit(std::vector<BatchRecord> records,
                                           std::map<PartitionId, int64_t> expected_next,
                                           time::UnixMicros ingested_at) {
  return commit_range(records, 0, records.size(), expected_next, ingested_at);
}

CommitPolicy::Outcome CommitPolicy::commit_range(std::vector<BatchRecord>& records, size_t begin,
                                                 size_t end,
                                                 std::map<PartitionId, int64_t>& expected_next,
                                                 time::UnixMicros ingested_at) {
  Batch batch;
  batch.batch_id = ids::random_uuid();
  batch.started_at = time::now_micros();
  batch.ingested_at = ingested_at;
  bool whole = begin == 0 && end == records.size();
  if (whole) {
    batch.records = std::move(records);  // the common case: no copy
  } else {
    batch.records.assign(records.begin() + static_cast<std::ptrdiff_t>(begin),
                         records.begin() + static_cast<std::ptrdiff_t>(end));
  }
  for (const auto& r : batch.records) {
    PartitionId id{r.source.topic, r.source.partition};
    auto [adv, inserted] = batch.advances.try_emplace(id);
    if (inserted) adv->second.expected_next = expected_next.at(id);
    adv->second.new_next = std::max(adv->second.new_next, r.source.offset + 1);
  }
  auto commit_batch = [&] {
    Outcome outcome = commit_with_retry(batch);
    if (outcome == Outcome::kCommitted) {
      for (const auto& [id, adv] : batch.advances) expected_next[id] = adv.new_next;
    }
    return outcome;
  };
  try {
    return commit_batch();
  } catch (const pg::DbError& e) {
    if (whole) records = std::move(batch.records);
    // A prefix of a partition's records is still contiguous, so halves can be committed in
    // order with their own offsets. Narrow down to the record the sink refuses.
    if (end - begin > 1) {
      size_t mid = begin + (end - begin) / 2;
      spdlog::warn("batch refused by the warehouse, splitting records={} error={}", end - begin,
                   e.what());
      Outcome first = commit_range(records, begin, mid, expected_next, ingested_at);
      if (first != Outcome::kCommitted) return first;
      return commit_range(records, mid, end, expected_next, ingested_at);
    }
    BatchRecord& rec = records[begin];
    if (has_silver_row(rec)) {
      spdlog::error(
          "record refused by the warehouse, quarantining topic={} partition={} offset={} "
          "error={}",
          rec.source.topic, rec.source.partition, rec.source.offset, e.what());
      rec.mapped = Quarantined{QuarantineReason::kWarehouseRejected,
                               "[" + e.sqlstate() + "] " + std::string(e.what()).substr(0, 500)};
      return commit_range(records, begin, end, expected_next, ingested_at);
    }
    // Even bronze refused it: a defect to fix, not data to drop. Keep trying, loudly.
    spdlog::critical(
        "record cannot be stored even in bronze topic={} partition={} offset={} error={}",
        rec.source.topic, rec.source.partition, rec.source.offset, e.what());
    hooks_.problem(std::string("record cannot be stored: ") + e.what());
    batch.records.assign(1, rec);
    for (int attempt = 0; !hooks_.stopping(); ++attempt) {
      hooks_.backoff(attempt);
      try {
        return commit_batch();
      } catch (const pg::DbError&) {
      }
    }
    return Outcome::kStopped;
  }
}

CommitPolicy::Outcome CommitPolicy::commit_with_retry(Batch& batch) {
  for (int attempt = 0;; ++attempt) {
    auto started = std::chrono::steady_clock::now();
    try {
      BatchStats stats = sink_.commit(batch);
      hooks_.committed(
          batch, stats,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      hooks_.problem("");
      return Outcome::kCommitted;
    } catch (const OffsetFenceError& e) {
      hooks_.fenced();
      spdlog::warn("batch fenced batch_id={} error={}", batch.batch_id, e.what());
      return Outcome::kFenced;
    } catch (const pg::DbError& e) {
      hooks_.failed();
      sink_.reset();
      if (is_data_error(e)) throw;  // the caller isolates the record
      if (e.sqlstate() == "23505") {
        // Rows already present for offsets we think are new: our positions are wrong.
        spdlog::error("rows already in the warehouse, re-reading positions batch_id={} error={}",
                      batch.batch_id, e.what());
        return Outcome::kFenced;
      }
      hooks_.problem(std::string("database: ") + e.what());
      // Never skip a batch: that would lose events. Retry until it commits or we stop; when we
      // stop, the offsets were not stored, so the next owner re-reads these records.
      if (e.retryable()) {
        spdlog::warn("batch failed, retrying batch_id={} attempt={} error={}", batch.batch_id,
                     attempt, e.what());
      } else {
        spdlog::error("batch failed (not retryable), retrying batch_id={} attempt={} error={}",
                      batch.batch_id, attempt, e.what());
      }
      if (hooks_.stopping()) return Outcome::kStopped;
      hooks_.backoff(attempt);
    }
  }
}

}  // namespace analytics::transformer
