#pragma once

#include <memory>

#include "layer_writer.hpp"

namespace analytics::transformer {

/// silver.interactions (SilverTableWriter over SilverInteraction): the latest version of each
/// (event_id, event_type). Afterwards the session's `stage_interactions` holds exactly this
/// batch's interactions that were written, and `replaced_interactions` the stored versions they
/// may have replaced, for the behaviour gold writer.
std::unique_ptr<LayerWriter> make_silver_interactions_writer();

}  // namespace analytics::transformer
