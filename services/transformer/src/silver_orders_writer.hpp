#pragma once

#include <memory>

#include "layer_writer.hpp"

namespace analytics::transformer {

/// silver.orders (SilverTableWriter over SilverOrder): the latest version of each order, typed
/// and PII-safe. Afterwards the session's `stage_orders` holds exactly this batch's orders
/// that were written, for GoldOrdersWriter.
std::unique_ptr<LayerWriter> make_silver_orders_writer();

}  // namespace analytics::transformer
