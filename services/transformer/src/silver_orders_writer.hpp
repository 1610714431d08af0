#pragma once

#include "layer_writer.hpp"

namespace analytics::transformer {

/// silver.orders: the latest version of each order (record_version.hpp), typed and PII-safe.
/// Within a batch only each order's latest version is staged; across batches the upsert keeps
/// the stored row when it is later than the staged one. Afterwards the session's temporary
/// table `stage_orders` holds exactly this batch's orders that won, for the gold writer.
class SilverOrdersWriter : public LayerWriter {
 public:
  void prepare(pg::Session& session) override;
  void write(pg::Session& session, const Batch& batch, BatchStats& stats) override;
};

}  // namespace analytics::transformer
