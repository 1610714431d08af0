#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/kafka/consumer.hpp"
#include "partition_positions.hpp"
#include "silver_order.hpp"

namespace pqxx {
class connection_base;
}

namespace analytics::transformer {

/// Raised when the stored offset of a partition is not what this instance expected: another
/// consumer-group member wrote it (we lost the partition and did not know yet). The batch was
/// rolled back; reload positions and carry on.
class OffsetFenceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One consumed record and what silver made of it (nullopt for topics silver does not map yet).
struct BatchRecord {
  const kafka::Message* message;
  std::string event_type;
  std::optional<MappedOrder> order;
};

struct Batch {
  std::string batch_id;
  time::UnixMicros started_at = 0;
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

/// Writes a batch into bronze, silver (and quarantine), gold and ops in ONE PostgreSQL
/// transaction, together with the consumed offsets. Either everything in the batch becomes
/// visible with the new offsets, or nothing does: this is what makes delivery exactly-once.
/// Not thread-safe: one writer per consumer thread.
class WarehouseWriter {
 public:
  WarehouseWriter(std::string database_url, std::string consumer_group,
                  std::string pipeline_version);
  ~WarehouseWriter();

  /// Stored next offsets of this consumer group. Throws pg::DbError.
  std::map<PartitionId, int64_t> load_offsets();

  /// Commits the batch. Throws OffsetFenceError (rolled back, positions stale) or pg::DbError
  /// (rolled back; retryable() tells whether retrying the same batch may succeed).
  BatchStats commit(const Batch& batch);

  /// Drops the connection; the next call reconnects. Use after a retryable error.
  void reset();

 private:
  pqxx::connection_base& connection();

  std::string database_url_;
  std::string consumer_group_;
  std::string pipeline_version_;
  std::unique_ptr<pqxx::connection_base> conn_;
};

}  // namespace analytics::transformer
