#pragma once

#include "layer_writer.hpp"

namespace analytics::transformer {

/// silver.quarantine: every record silver refused, with the reason and where it came from.
class QuarantineWriter : public LayerWriter {
 public:
  void prepare(pg::Session&) override {}
  void write(pg::Session& session, const Batch& batch, BatchStats& stats) override;
  /// The quarantine rows of the records ingested in `range` (found through their bronze rows).
  void forget(pg::Session& session, const IngestionRange& range) override;
};

}  // namespace analytics::transformer
