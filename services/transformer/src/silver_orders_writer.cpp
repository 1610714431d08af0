#include "silver_orders_writer.hpp"

#include "silver_table_writer.hpp"

namespace analytics::transformer {
namespace {

using Row = SilverRow<SilverOrder>;
using W = pg::BinaryCopyWriter;

// clang-format off
const std::vector<SilverColumn<SilverOrder>> kColumns = with_lineage<SilverOrder>({
  {"order_id",              [](W& w, const Row& r) { w.uuid(r.entity.order_id); }},
  {"customer_id",           [](W& w, const Row& r) { w.int4(r.entity.customer_id); }},
  {"customer_name_masked",  [](W& w, const Row& r) { nullable(w, r.entity.customer_name_masked, [&](auto& v) { w.text(v); }); }},
  {"email_hmac",            [](W& w, const Row& r) { nullable(w, r.entity.email_hmac, [&](auto& v) { w.text(v); }); }},
  {"product",               [](W& w, const Row& r) { w.text(r.entity.product); }},
  {"category",              [](W& w, const Row& r) { w.text(r.entity.category); }},
  {"region",                [](W& w, const Row& r) { w.text(r.entity.region); }},
  {"status",                [](W& w, const Row& r) { w.text(r.entity.status); }},
  {"quantity",              [](W& w, const Row& r) { w.int4(r.entity.quantity); }},
  {"quantity_defaulted",    [](W& w, const Row& r) { w.boolean(r.entity.quantity_defaulted); }},
  {"price",                 [](W& w, const Row& r) { w.numeric_cents(r.entity.price_cents); }},
  {"revenue",               [](W& w, const Row& r) { w.numeric_cents(r.entity.revenue_cents); }},
  {"order_ts",              [](W& w, const Row& r) { w.timestamptz(r.entity.order_ts); }},
  {"event_date",            [](W& w, const Row& r) { w.date(r.entity.order_ts); }},
});
// clang-format on

}  // namespace

std::unique_ptr<LayerWriter> make_silver_orders_writer() {
  return std::make_unique<SilverTableWriter<SilverOrder>>(SilverTable<SilverOrder>{
      "silver.orders", "stage_orders", {"order_id"}, kColumns,
      [](const SilverOrder& o) { return o.order_id; }});
}

}  // namespace analytics::transformer
