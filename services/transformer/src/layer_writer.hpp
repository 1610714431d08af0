#pragma once

#include <string>

#include "batch.hpp"
#include "common/pg/session.hpp"

namespace analytics::transformer {

/// A span of ingestion time [from, to), as PostgreSQL timestamptz text; open ends are
/// -infinity and infinity.
struct IngestionRange {
  std::string from = "-infinity";
  std::string to = "infinity";
};

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
  /// Removes, inside the caller's transaction, what this layer derived from the records
  /// ingested in `range`, so that a replay can write them again; called in the same order as
  /// write(). Bronze, the source, keeps everything.
  virtual void forget(pg::Session& session, const IngestionRange& range) = 0;
  /// After a replay of `range`: brings back what depends on the order batches were written in
  /// rather than on the rows themselves (SCD1 dimensions: the latest batch sets them).
  virtual void settle(pg::Session&, const IngestionRange&) {}
  /// False for the layer that stores the source records themselves (bronze): a replay from
  /// bronze writes every other layer.
  virtual bool derived() const { return true; }
};

}  // namespace analytics::transformer
