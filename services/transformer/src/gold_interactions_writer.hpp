#pragma once

#include "layer_writer.hpp"

namespace analytics::transformer {

/// Behaviour gold (migration 005): the hourly interaction cells, the per-day sets of users and
/// sessions with their exact distinct counts, and first-touch attribution, maintained from the
/// interactions this batch wrote to silver (`stage_interactions`). A stored version that a
/// batch replaced (`replaced_interactions`) is taken out of the cells and sets first, so a
/// correction moves its contribution and a late event only changes its own hour and day.
class GoldInteractionsWriter : public LayerWriter {
 public:
  void prepare(pg::Session& session) override;
  void write(pg::Session& session, const Batch& batch, BatchStats& stats) override;
  /// Takes the interactions silver just forgot (`replaced_interactions`) out of the cells and
  /// sets, and recomputes their users' attribution from what silver still holds.
  void forget(pg::Session& session, const IngestionRange& range) override;
};

}  // namespace analytics::transformer
