#include "gold_orders_writer.hpp"

#include <string>

#include "record_version.hpp"

namespace analytics::transformer {
namespace {

constexpr const char* kUpsertDimDate = R"sql(
INSERT INTO gold.dim_date
SELECT to_char(d, 'YYYYMMDD')::int, d, extract(day FROM d), extract(isodow FROM d),
       trim(to_char(d, 'Day')), extract(week FROM d), extract(month FROM d),
       trim(to_char(d, 'Month')), extract(quarter FROM d), extract(year FROM d),
       extract(isodow FROM d) >= 6
FROM (SELECT DISTINCT event_date AS d FROM stage_orders) days
WHERE NOT EXISTS (SELECT 1 FROM gold.dim_date x WHERE x.full_date = days.d)
ON CONFLICT (date_key) DO NOTHING)sql";

// SCD1: a customer's latest order in the batch says what their attributes are now. Most
// customers of a batch are known and unchanged: an index probe skips them, so only new or
// changed ones take the (costlier) insert-or-update path.
std::string upsert_dim_customer() {
  return R"sql(
INSERT INTO gold.dim_customer (customer_id, customer_name_masked, email_hmac)
SELECT customer_id, customer_name_masked, email_hmac
FROM (SELECT DISTINCT ON (customer_id) customer_id, customer_name_masked, email_hmac
      FROM stage_orders ORDER BY customer_id, )sql" +
         latest_first_sql() + R"sql() latest
WHERE NOT EXISTS (SELECT 1 FROM gold.dim_customer c
                  WHERE c.customer_id = latest.customer_id
                    AND (c.customer_name_masked, c.email_hmac)
                        IS NOT DISTINCT FROM (latest.customer_name_masked, latest.email_hmac))
ON CONFLICT (customer_id) DO UPDATE SET
  customer_name_masked = EXCLUDED.customer_name_masked, email_hmac = EXCLUDED.email_hmac,
  updated_at = now())sql";
}

// SCD1 for a product's category: the latest order of the batch says what it is now.
std::string update_product_category() {
  return R"sql(
UPDATE gold.dim_product p SET category = latest.category
FROM (SELECT DISTINCT ON (product) product, category FROM stage_orders
      ORDER BY product, )sql" +
         latest_first_sql() + R"sql() latest
WHERE p.product_name = latest.product AND p.category <> latest.category)sql";
}

// NOT EXISTS first so known products and regions do not burn sequence values.
std::string upsert_dim_product() {
  return R"sql(
INSERT INTO gold.dim_product (product_name, category)
SELECT DISTINCT ON (product) product, category FROM stage_orders o
WHERE NOT EXISTS (SELECT 1 FROM gold.dim_product p WHERE p.product_name = o.product)
ORDER BY product, )sql" +
         latest_first_sql() + R"sql(
ON CONFLICT (product_name) DO NOTHING)sql";
}

constexpr const char* kUpsertDimRegion = R"sql(
INSERT INTO gold.dim_region (region_name)
SELECT DISTINCT region FROM stage_orders o
WHERE NOT EXISTS (SELECT 1 FROM gold.dim_region r WHERE r.region_name = o.region)
ON CONFLICT (region_name) DO NOTHING)sql";

// The customer key is an index probe per order, so the cost follows the batch, not the number
// of customers (a join lets the planner hash all of dim_customer: the stage has no statistics).
// The date key comes from dim_date, not to_char() per row (a third of the statement's time).
constexpr const char* kUpsertFactOrders = R"sql(
INSERT INTO gold.fact_orders (order_id, date_key, customer_key, product_key, region_key,
                              quantity, price, revenue, status, order_ts, _ingested_at, _batch_id)
SELECT o.order_id, d.date_key,
       (SELECT c.customer_key FROM gold.dim_customer c WHERE c.customer_id = o.customer_id),
       p.product_key, r.region_key, o.quantity, o.price, o.revenue, o.status, o.order_ts,
       o.ingested_at, o.batch_id
FROM stage_orders o
JOIN gold.dim_date d ON d.full_date = o.event_date
JOIN gold.dim_product p ON p.product_name = o.product
JOIN gold.dim_region r ON r.region_name = o.region
ON CONFLICT (order_id) DO UPDATE SET
  date_key = EXCLUDED.date_key, customer_key = EXCLUDED.customer_key,
  product_key = EXCLUDED.product_key, region_key = EXCLUDED.region_key,
  quantity = EXCLUDED.quantity, price = EXCLUDED.price, revenue = EXCLUDED.revenue,
  status = EXCLUDED.status, order_ts = EXCLUDED.order_ts, _ingested_at = EXCLUDED._ingested_at,
  _batch_id = EXCLUDED._batch_id)sql";

}  // namespace

void GoldOrdersWriter::prepare(pg::Session& session) {
  session.prepare("upsert_dim_date", kUpsertDimDate);
  session.prepare("upsert_dim_customer", upsert_dim_customer());
  session.prepare("update_product_category", update_product_category());
  session.prepare("upsert_dim_product", upsert_dim_product());
  session.prepare("upsert_dim_region", kUpsertDimRegion);
  session.prepare("upsert_fact_orders", kUpsertFactOrders);
}

void GoldOrdersWriter::write(pg::Session& session, const Batch&, BatchStats&) {
  // On a batch without orders the stage is empty and each statement costs a round trip.
  for (const char* stmt : {"upsert_dim_date", "upsert_dim_customer", "update_product_category",
                           "upsert_dim_product", "upsert_dim_region", "upsert_fact_orders"}) {
    session.exec_prepared(stmt, {});
  }
}

}  // namespace analytics::transformer
