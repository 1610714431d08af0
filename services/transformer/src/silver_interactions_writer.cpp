#include "silver_interactions_writer.hpp"

#include "silver_interaction.hpp"
#include "silver_table_writer.hpp"

namespace analytics::transformer {
namespace {

using Row = SilverRow<SilverInteraction>;
using W = pg::BinaryCopyWriter;

constexpr int64_t kMicrosPerHour = 3600LL * 1000000;

time::UnixMicros hour_of(time::UnixMicros t) {
  return t - ((t % kMicrosPerHour) + kMicrosPerHour) % kMicrosPerHour;
}

// clang-format off
const std::vector<SilverColumn<SilverInteraction>> kColumns = with_lineage<SilverInteraction>({
  {"event_id",              [](W& w, const Row& r) { w.text(r.entity.event_id); }},
  {"event_type",            [](W& w, const Row& r) { w.text(r.entity.event_type); }},
  {"user_hmac",             [](W& w, const Row& r) { w.text(r.entity.user_hmac); }},
  {"session_id",            [](W& w, const Row& r) { w.text(r.entity.session_id); }},
  {"platform",              [](W& w, const Row& r) { w.text(r.entity.platform); }},
  {"occurred_at",           [](W& w, const Row& r) { w.timestamptz(r.entity.occurred_at); }},
  {"event_date",            [](W& w, const Row& r) { w.date(r.entity.occurred_at); }},
  {"event_hour",            [](W& w, const Row& r) { w.timestamptz(hour_of(r.entity.occurred_at)); }},
  {"product",               [](W& w, const Row& r) { nullable(w, r.entity.product, [&](auto& v) { w.text(v); }); }},
  {"category",              [](W& w, const Row& r) { nullable(w, r.entity.category, [&](auto& v) { w.text(v); }); }},
  {"quantity",              [](W& w, const Row& r) { nullable(w, r.entity.quantity, [&](auto v) { w.int4(v); }); }},
  {"price",                 [](W& w, const Row& r) { nullable(w, r.entity.price_cents, [&](auto v) { w.numeric_cents(v); }); }},
  {"revenue",               [](W& w, const Row& r) { nullable(w, r.entity.revenue_cents, [&](auto v) { w.numeric_cents(v); }); }},
  {"search_query",          [](W& w, const Row& r) { nullable(w, r.entity.search_query, [&](auto& v) { w.text(v); }); }},
  {"properties",            [](W& w, const Row& r) { nullable(w, r.entity.properties_json, [&](auto& v) { w.jsonb(v); }); }},
});
// clang-format on

}  // namespace

std::unique_ptr<LayerWriter> make_silver_interactions_writer() {
  return std::make_unique<SilverTableWriter<SilverInteraction>>(SilverTable<SilverInteraction>{
      "silver.interactions", "stage_interactions", {"event_id", "event_type"}, kColumns,
      // Both parts are bounded strings; NUL cannot occur in them (the mapper refuses it).
      [](const SilverInteraction& e) { return e.event_id + '\0' + e.event_type; },
      "replaced_interactions"});
}

}  // namespace analytics::transformer
