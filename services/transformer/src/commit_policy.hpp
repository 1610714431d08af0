#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "batch_sink.hpp"

namespace analytics::transformer {

/// How a batch gets into the sink without losing or duplicating a record:
/// - a failed commit is retried with backoff, never skipped (skipping would lose events);
/// - a fence (another member moved a partition's offset) or rows already present end the
///   attempt: the owner re-reads positions;
/// - a value the sink refuses (SQLSTATE class 22/23) is narrowed down by splitting the batch
///   (each half still continues its partitions without a gap) and the refused record is
///   quarantined as `warehouse_rejected`, so one record cannot stall the pipeline; a record
///   even bronze refuses is a defect, retried loudly until stopped.
/// Works against any BatchSink, so all of it is unit-testable with a fake.
class CommitPolicy {
 public:
  enum class Outcome { kCommitted, kFenced, kStopped };

  struct Hooks {
    /// Whether the owner is stopping: retries give up (nothing is committed, nothing lost).
    std::function<bool()> stopping = [] { return false; };
    /// Why the pipeline is unhealthy ("" when it is healthy again).
    std::function<void(const std::string&)> problem = [](const std::string&) {};
    /// Waits before retry `attempt` (0, 1, ...).
    std::function<void(int attempt)> backoff;
    /// A (sub-)batch committed, taking `seconds`.
    std::function<void(const Batch&, const BatchStats&, double seconds)> committed =
        [](const Batch&, const BatchStats&, double) {};
    std::function<void()> failed = [] {};
    std::function<void()> fenced = [] {};
  };

  CommitPolicy(BatchSink& sink, Hooks hooks);

  /// Commits `records` (each partition's in order, continuing from `expected_next`, mapped at
  /// `ingested_at`) in one or, after a refusal, several transactions.
  Outcome commit(std::vector<BatchRecord> records, std::map<PartitionId, int64_t> expected_next,
                 time::UnixMicros ingested_at = time::now_micros());

 private:
  Outcome commit_range(std::vector<BatchRecord>& records, size_t begin, size_t end,
                       std::map<PartitionId, int64_t>& expected_next, time::UnixMicros ingested_at);
  Outcome commit_with_retry(Batch& batch);

  BatchSink& sink_;
  Hooks hooks_;
};

/// 100 ms doubling to 5 s: quick recovery from a blip, no hammering during an outage.
void sleep_backoff(int attempt);

}  // namespace analytics::transformer
