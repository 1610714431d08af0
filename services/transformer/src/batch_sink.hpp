#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>

#include "batch.hpp"

namespace analytics::transformer {

/// Raised when the stored offset of a partition is not what this instance expected: another
/// consumer-group member wrote it (we lost the partition and did not know yet). The batch was
/// rolled back; reload positions and carry on.
class OffsetFenceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Where batches go: all of a batch and its offsets become visible together, or nothing does.
/// The warehouse (WarehouseWriter) is the real one; tests use fakes.
class BatchSink {
 public:
  virtual ~BatchSink() = default;
  /// Stored next offsets of this consumer group. Throws pg::DbError.
  virtual std::map<PartitionId, int64_t> load_offsets() = 0;
  /// Throws OffsetFenceError (rolled back, positions stale) or pg::DbError (rolled back;
  /// retryable() says whether the same batch may succeed later; SQLSTATE class 22/23 says a
  /// value was refused).
  virtual BatchStats commit(const Batch& batch) = 0;
  /// Drops the connection; the next call reconnects.
  virtual void reset() = 0;
};

}  // namespace analytics::transformer
