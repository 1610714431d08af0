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
  /// Takes the facts written from records ingested in `range` out of the aggregates and deletes
  /// them; dimensions stay (their keys are stable across a replay).
  void forget(pg::Session& session, const IngestionRange& range) override;
  /// A range replay writes its batches after later ones: customers and products of the range
  /// take their attributes again from their latest silver order, as streaming left them.
  void settle(pg::Session& session, const IngestionRange& range) override;
};

}  // namespace analytics::transformer
