#pragma once

#include "layer_writer.hpp"

namespace analytics::transformer {

/// silver.quarantine: every record silver refused, with the reason and where it came from.
class QuarantineWriter : public LayerWriter {
 public:
  void prepare(pg::Session&) override {}
  void write(pg::Session& session, const Batch& batch, BatchStats& stats) override;
};

}  // namespace analytics::transformer
