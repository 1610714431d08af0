#pragma once

#include "batch.hpp"
#include "common/pg/session.hpp"

namespace analytics::transformer {

/// One warehouse layer's part of a batch (bronze, quarantine, silver per entity, gold per
/// fact), written inside the batch's transaction by WarehouseWriter, in the order it lists
/// them: a later layer may read what an earlier one staged in the same session.
class LayerWriter {
 public:
  virtual ~LayerWriter() = default;
  /// Once per connection: temporary tables and prepared statements.
  virtual void prepare(pg::Session& session) = 0;
  /// Writes this layer's rows for `batch` and counts them in `stats`. Throws pg::DbError.
  virtual void write(pg::Session& session, const Batch& batch, BatchStats& stats) = 0;
};

}  // namespace analytics::transformer
