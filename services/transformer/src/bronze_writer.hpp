#pragma once

#include <string>

#include "layer_writer.hpp"

namespace analytics::transformer {

/// bronze.events: every record exactly as it arrived (payload bytes untouched, even invalid
/// UTF-8), with its log coordinates, whatever silver makes of it. One binary COPY per batch,
/// into the daily partition of its ingestion (migration 008): the first batch of a day on a
/// connection makes sure that day's partition exists, in case BronzeMaintenance has not
/// created it ahead.
class BronzeWriter : public LayerWriter {
 public:
  explicit BronzeWriter(std::string pipeline_version)
      : pipeline_version_(std::move(pipeline_version)) {}
  // A new connection follows a failed transaction, which may have rolled a creation back.
  void prepare(pg::Session&) override { partitions_checked_for_.clear(); }
  void write(pg::Session& session, const Batch& batch, BatchStats& stats) override;
  void forget(pg::Session&, const IngestionRange&) override {}
  bool derived() const override { return false; }

 private:
  std::string pipeline_version_;
  std::string partitions_checked_for_;  // the day (YYYY-MM-DD) whose partitions exist
};

}  // namespace analytics::transformer
