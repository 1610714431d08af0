#pragma once

#include <memory>
#include <string>
#include <vector>

#include "batch_sink.hpp"
#include "layer_writer.hpp"

namespace analytics::transformer {

/// The next offsets `consumer_group` has stored in the warehouse. Throws pg::DbError.
std::map<PartitionId, int64_t> load_stored_offsets(pg::Session& session,
                                                   const std::string& consumer_group);

/// The warehouse as a BatchSink: a batch's bronze, quarantine, silver and gold rows, its
/// ops.batches entry and its consumed offsets in ONE PostgreSQL transaction. Either everything
/// in the batch becomes visible with the new offsets, or nothing does: this is what makes
/// delivery exactly-once. Not thread-safe: one writer per committing thread.
class WarehouseWriter : public BatchSink {
 public:
  /// `synchronous_commit`: whether COMMIT waits for the WAL flush (see docs/architecture.md,
  /// "Exactly once into PostgreSQL", for why exactly-once holds without it).
  WarehouseWriter(std::string database_url, std::string consumer_group,
                  std::string pipeline_version, bool synchronous_commit);
  ~WarehouseWriter() override;

  std::map<PartitionId, int64_t> load_offsets() override;
  BatchStats commit(const Batch& batch) override;
  void reset() override;

  /// Replay, first step: removes, in one transaction, everything silver, quarantine and gold
  /// derived from the records ingested in `range` (bronze keeps them).
  void forget(const IngestionRange& range);
  /// Replay, then: writes a batch re-read from bronze into every layer but bronze, in one
  /// transaction, without offsets or an ops.batches row (the original batch has them).
  BatchStats rewrite(const Batch& batch);
  /// Replay, last: what depends on batch order (LayerWriter::settle), in one transaction.
  void settle(const IngestionRange& range);

 private:
  pg::Session& session();
  /// Runs `work` in a transaction on the session; on failure drops the connection and rethrows.
  template <typename Work>
  void in_transaction(Work&& work);
  void advance_offsets(pg::Session& s, const Batch& batch);

  std::string database_url_;
  std::string consumer_group_;
  std::string pipeline_version_;
  bool synchronous_commit_;
  std::vector<std::unique_ptr<LayerWriter>> layers_;
  std::unique_ptr<pg::Session> session_;
};

}  // namespace analytics::transformer
