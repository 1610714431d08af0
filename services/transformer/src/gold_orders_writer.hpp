#pragma once

#include "layer_writer.hpp"

namespace analytics::transformer {

/// gold's order star: dim_date, dim_customer (SCD1), dim_product, dim_region, fact_orders and
/// the KPI aggregates (agg_orders_daily, agg_customer_orders), maintained incrementally from the orders this batch wrote to silver — SilverOrdersWriter's
/// `stage_orders`, so each statement reads a few thousand rows of a temporary table instead of
/// silver itself, and an order that lost to a stored later version changes nothing.
class GoldOrdersWriter : public LayerWriter {
 public:
  void prepare(pg::Session& session) override;
  void write(pg::Session& session, const Batch& batch, BatchStats& stats) override;
};

}  // namespace analytics::transformer
