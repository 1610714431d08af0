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
// customers of a batch are known and unchanged: an index probe (LATERAL ... LIMIT 1, so the
// planner cannot hash all of dim_customer instead) skips them, and only new or changed ones
// take the (costlier) insert-or-update path.
std::string upsert_dim_customer() {
  return R"sql(
INSERT INTO gold.dim_customer (customer_id, customer_name_masked, email_hmac, pii_key_version)
SELECT latest.customer_id, latest.customer_name_masked, latest.email_hmac, latest.pii_key_version
FROM (SELECT DISTINCT ON (customer_id) customer_id, customer_name_masked, email_hmac,
             pii_key_version
      FROM stage_orders ORDER BY customer_id, )sql" +
         latest_first_sql() + R"sql() latest
LEFT JOIN LATERAL (SELECT true AS found, c.customer_name_masked, c.email_hmac, c.pii_key_version
                   FROM gold.dim_customer c WHERE c.customer_id = latest.customer_id LIMIT 1) known
       ON true
WHERE known.found IS NULL
   OR (known.customer_name_masked, known.email_hmac, known.pii_key_version)
      IS DISTINCT FROM (latest.customer_name_masked, latest.email_hmac, latest.pii_key_version)
ORDER BY latest.customer_id
ON CONFLICT (customer_id) DO UPDATE SET
  customer_name_masked = EXCLUDED.customer_name_masked, email_hmac = EXCLUDED.email_hmac,
  pii_key_version = EXCLUDED.pii_key_version, updated_at = now())sql";
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
// Each fact written also goes to the delta table (RETURNING gives the new values), so adding
// the batch to the aggregates needs no second pass over the facts.
constexpr const char* kUpsertFactOrders = R"sql(
WITH written AS (
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
  _batch_id = EXCLUDED._batch_id
RETURNING date_key, region_key, product_key, status, customer_key, quantity, revenue, _ingested_at)
INSERT INTO stage_order_deltas
SELECT date_key, region_key, product_key, status, customer_key, 1, quantity, revenue, _ingested_at
FROM written)sql";

// The KPI aggregates (migration 004) move with the facts: each order's old fact (when a
// correction replaces it) is taken out of its cells and its new fact added, through one delta
// table, so each aggregate table is updated once per batch, in key order (two instances never
// deadlock on cells).
constexpr const char* kCreateDeltas = R"sql(
CREATE TEMP TABLE IF NOT EXISTS stage_order_deltas (
  date_key integer, region_key integer, product_key integer, status text, customer_key bigint,
  orders integer, units integer, revenue numeric, ingested_at timestamptz
) ON COMMIT DELETE ROWS)sql";

// A correction's old fact leaves its cells before the new one is written: an index probe per
// staged order (LATERAL ... LIMIT 1 keeps the planner from hashing all of fact_orders instead:
// the stage has no statistics).
constexpr const char* kTakeOutOldFacts = R"sql(
INSERT INTO stage_order_deltas
SELECT f.date_key, f.region_key, f.product_key, f.status, f.customer_key, -1, -f.quantity,
       -f.revenue, f._ingested_at
FROM stage_orders s
CROSS JOIN LATERAL (SELECT * FROM gold.fact_orders x WHERE x.order_id = s.order_id LIMIT 1) f)sql";

constexpr const char* kApplyCellDeltas = R"sql(
INSERT INTO gold.agg_orders_daily AS a
SELECT date_key, region_key, product_key, status, sum(orders), sum(units), sum(revenue),
       max(ingested_at)
FROM stage_order_deltas
GROUP BY 1, 2, 3, 4
HAVING sum(orders) <> 0 OR sum(units) <> 0 OR sum(revenue) <> 0
ORDER BY 1, 2, 3, 4
ON CONFLICT (date_key, region_key, product_key, status) DO UPDATE SET
  orders = a.orders + EXCLUDED.orders, units = a.units + EXCLUDED.units,
  revenue = a.revenue + EXCLUDED.revenue,
  last_ingested_at = greatest(a.last_ingested_at, EXCLUDED.last_ingested_at))sql";

constexpr const char* kApplyCustomerDeltas = R"sql(
INSERT INTO gold.agg_customer_orders AS a
SELECT customer_key, sum(orders) FROM stage_order_deltas
GROUP BY 1 HAVING sum(orders) <> 0 ORDER BY 1
ON CONFLICT (customer_key) DO UPDATE SET orders = a.orders + EXCLUDED.orders)sql";

// SCD1 across batches: the listed customers' attributes become those of their latest current
// order in silver, the latest batch first, then the later version within it (the same order as
// the batches applied them). One index probe per customer (migration 013).
std::string settle_customers(const std::string& customer_ids) {
  return R"sql(
UPDATE gold.dim_customer c SET customer_name_masked = l.customer_name_masked,
  email_hmac = l.email_hmac, pii_key_version = l.pii_key_version, updated_at = now()
FROM (SELECT DISTINCT customer_id FROM ()sql" + customer_ids + R"sql() ids) m
CROSS JOIN LATERAL (SELECT customer_name_masked, email_hmac, pii_key_version FROM silver.orders o
                    WHERE o.customer_id = m.customer_id
                    ORDER BY ingested_at DESC, )sql" + latest_first_sql() + R"sql( LIMIT 1) l
WHERE c.customer_id = m.customer_id
  AND (c.customer_name_masked, c.email_hmac, c.pii_key_version)
      IS DISTINCT FROM (l.customer_name_masked, l.email_hmac, l.pii_key_version))sql";
}

// The same for a product's category.
std::string settle_products(const std::string& products) {
  return R"sql(
UPDATE gold.dim_product p SET category = l.category
FROM (SELECT DISTINCT product FROM ()sql" + products + R"sql() names) m
CROSS JOIN LATERAL (SELECT category FROM silver.orders o WHERE o.product = m.product
                    ORDER BY ingested_at DESC, )sql" + latest_first_sql() + R"sql( LIMIT 1) l
WHERE p.product_name = m.product AND p.category <> l.category)sql";
}

// A correction that moves an order to another customer or product leaves the old one with
// attributes of an order it no longer has: those (not in this batch's stage, which set its own
// customers and products above) are settled from silver. Their old facts are the deltas taken
// out (orders -1). Without it the result would depend on whether both versions fell in one
// batch, and `transformer replay` would not reproduce streaming.
std::string settle_moved_customers() {
  return settle_customers(R"sql(
SELECT c.customer_id FROM stage_order_deltas d JOIN gold.dim_customer c USING (customer_key)
WHERE d.orders < 0 AND NOT EXISTS (SELECT 1 FROM stage_orders s WHERE s.customer_id = c.customer_id))sql");
}

std::string settle_moved_products() {
  return settle_products(R"sql(
SELECT p.product_name AS product FROM stage_order_deltas d JOIN gold.dim_product p USING (product_key)
WHERE d.orders < 0 AND NOT EXISTS (SELECT 1 FROM stage_orders s WHERE s.product = p.product_name))sql");
}

}  // namespace

void GoldOrdersWriter::forget(pg::Session& session, const IngestionRange& range) {
  session.exec_params(
      "INSERT INTO stage_order_deltas SELECT date_key, region_key, product_key, status, "
      "customer_key, -1, -quantity, -revenue, _ingested_at FROM gold.fact_orders "
      "WHERE _ingested_at >= $1 AND _ingested_at < $2",
      {range.from, range.to});
  session.exec_prepared("apply_cell_deltas", {});
  session.exec_prepared("apply_customer_deltas", {});
  session.exec_params("DELETE FROM gold.fact_orders WHERE _ingested_at >= $1 AND _ingested_at < $2",
                      {range.from, range.to});
}

void GoldOrdersWriter::settle(pg::Session& session, const IngestionRange& range) {
  session.exec_params(settle_customers(
                          "SELECT customer_id FROM silver.orders "
                          "WHERE ingested_at >= $1 AND ingested_at < $2"),
                      {range.from, range.to});
  session.exec_params(settle_products(
                          "SELECT product FROM silver.orders "
                          "WHERE ingested_at >= $1 AND ingested_at < $2"),
                      {range.from, range.to});
}

void GoldOrdersWriter::prepare(pg::Session& session) {
  session.exec(kCreateDeltas);
  session.prepare("take_out_old_facts", kTakeOutOldFacts);
  session.prepare("apply_cell_deltas", kApplyCellDeltas);
  session.prepare("apply_customer_deltas", kApplyCustomerDeltas);
  session.prepare("upsert_dim_date", kUpsertDimDate);
  session.prepare("upsert_dim_customer", upsert_dim_customer());
  session.prepare("update_product_category", update_product_category());
  session.prepare("upsert_dim_product", upsert_dim_product());
  session.prepare("upsert_dim_region", kUpsertDimRegion);
  session.prepare("upsert_fact_orders", kUpsertFactOrders);
  session.prepare("settle_moved_customers", settle_moved_customers());
  session.prepare("settle_moved_products", settle_moved_products());
}

void GoldOrdersWriter::write(pg::Session& session, const Batch&, BatchStats&) {
  // On a batch without orders the stage is empty and each statement costs a round trip.
  for (const char* stmt :
       {"upsert_dim_date", "upsert_dim_customer", "update_product_category", "upsert_dim_product",
        "upsert_dim_region", "take_out_old_facts", "upsert_fact_orders", "apply_cell_deltas",
        "apply_customer_deltas", "settle_moved_customers", "settle_moved_products"}) {
    session.exec_prepared(stmt, {});
  }
}

}  // namespace analytics::transformer
