#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "silver_interaction.hpp"
#include "silver_order.hpp"
#include "source_record.hpp"

namespace analytics::transformer {

/// What silver made of a record: nothing (std::monostate: bronze only, e.g. the DLQ), a typed
/// row of one silver table, or a quarantine entry.
using MappedRecord = std::variant<std::monostate, SilverOrder, SilverInteraction, Quarantined>;

/// One record of a batch and what silver made of it.
struct BatchRecord {
  SourceRecord source;
  std::string event_type;
  MappedRecord mapped;
};

/// How far a batch moves one partition. `expected_next` is the stored next_offset this instance
/// believes is current (-1: nothing stored yet); it is compare-and-set to `new_next`.
struct PartitionAdvance {
  int64_t expected_next = -1;
  int64_t new_next = 0;
};

/// What one warehouse transaction writes: records (each partition's in offset order, with no
/// gap from `expected_next`) and the offset moves that go with them.
struct Batch {
  std::string batch_id;
  time::UnixMicros started_at = 0;   // this commit attempt's start (ops.batches.duration_ms)
  // When its records were read and mapped (lateness and lag are measured from it): bronze's
  // and silver's ingested_at. A replay gives each batch its original one.
  time::UnixMicros ingested_at = 0;
  std::vector<BatchRecord> records;
  std::map<PartitionId, PartitionAdvance> advances;
};

struct BatchStats {
  size_t bronze_rows = 0;
  size_t silver_rows = 0;
  size_t quarantined_rows = 0;
  size_t dlq_rows = 0;
  size_t late_events = 0;
  double max_lag_seconds = 0;
  std::map<std::string, size_t> quarantine_by_reason;
};

}  // namespace analytics::transformer
