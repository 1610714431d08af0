-- Order KPIs kept per batch (issue 8), so no KPI scans fact_orders: the transformer adds each
-- batch's orders to their cells and, when a correction changes an order, first takes the old
-- version out of its cell (gold_orders_writer.cpp) — a changed region, status or amount moves
-- the order's contribution from the old cell to the new one. Sums are plain numeric, which
-- cannot overflow for any amounts the schemas allow.

-- One cell per day, region, product and status. A product's category comes from dim_product
-- (SCD1), as for the facts. Cells whose orders all moved away stay, at zero.
CREATE TABLE gold.agg_orders_daily (
  date_key         integer     NOT NULL,
  region_key       integer     NOT NULL,
  product_key      integer     NOT NULL,
  status           text        NOT NULL,
  orders           bigint      NOT NULL,
  units            bigint      NOT NULL,
  revenue          numeric     NOT NULL,
  last_ingested_at timestamptz NOT NULL,
  PRIMARY KEY (date_key, region_key, product_key, status)
);

-- How many orders each customer has: unique customers stay exact under corrections.
CREATE TABLE gold.agg_customer_orders (
  customer_key bigint PRIMARY KEY,
  orders       bigint NOT NULL
);

-- First and last order time are index lookups, not scans.
CREATE INDEX fact_orders_order_ts ON gold.fact_orders (order_ts);

-- What gold already holds.
INSERT INTO gold.agg_orders_daily
SELECT date_key, region_key, product_key, status, count(*), sum(quantity), sum(revenue),
       max(_ingested_at)
FROM gold.fact_orders GROUP BY 1, 2, 3, 4;
INSERT INTO gold.agg_customer_orders
SELECT customer_key, count(*) FROM gold.fact_orders GROUP BY 1;

-- The views keep their names and columns (BI tools and kpi-api read them); they read the
-- aggregates now. Amounts are rounded to cents, without a precision that could overflow.
DROP VIEW gold.vw_kpi_summary;
CREATE VIEW gold.vw_kpi_summary AS
WITH t AS (
  SELECT coalesce(sum(orders), 0)::bigint                                  AS orders,
         coalesce(sum(units), 0)::bigint                                   AS units,
         coalesce(sum(revenue), 0)                                         AS revenue,
         coalesce(sum(revenue) FILTER (WHERE status = 'completed'), 0)     AS completed,
         coalesce(sum(orders) FILTER (WHERE status = 'returned'), 0)::bigint AS returned,
         max(last_ingested_at)                                             AS last_ingested_at
  FROM gold.agg_orders_daily)
SELECT t.orders                                                  AS total_orders,
       (SELECT count(*) FROM gold.agg_customer_orders WHERE orders > 0) AS unique_customers,
       t.units                                                   AS units_sold,
       round(t.revenue, 2)                                       AS total_revenue,
       coalesce(round(t.revenue / nullif(t.orders, 0), 2), 0)    AS avg_order_value,
       round(t.completed, 2)                                     AS completed_revenue,
       t.returned                                                AS returned_orders,
       (SELECT min(order_ts) FROM gold.fact_orders)              AS first_order_at,
       (SELECT max(order_ts) FROM gold.fact_orders)              AS last_order_at,
       t.last_ingested_at
FROM t;

DROP VIEW gold.vw_kpi_sales_by_region;
CREATE VIEW gold.vw_kpi_sales_by_region AS
SELECT r.region_name                                                       AS region,
       sum(a.orders)::bigint                                               AS orders,
       round(sum(a.revenue), 2)                                            AS revenue,
       round(100 * sum(a.revenue) / nullif(sum(sum(a.revenue)) OVER (), 0), 2) AS revenue_share_pct
FROM gold.agg_orders_daily a
JOIN gold.dim_region r USING (region_key)
GROUP BY r.region_name
HAVING sum(a.orders) > 0;

CREATE VIEW gold.vw_kpi_sales_by_product AS
SELECT p.product_name                                                      AS product,
       p.category,
       sum(a.orders)::bigint                                               AS orders,
       sum(a.units)::bigint                                                AS units,
       round(sum(a.revenue), 2)                                            AS revenue,
       rank() OVER (ORDER BY sum(a.revenue) DESC)                          AS revenue_rank
FROM gold.agg_orders_daily a
JOIN gold.dim_product p USING (product_key)
GROUP BY p.product_name, p.category
HAVING sum(a.orders) > 0;

CREATE VIEW gold.vw_kpi_sales_by_category AS
SELECT p.category,
       sum(a.orders)::bigint                                               AS orders,
       sum(a.units)::bigint                                                AS units,
       round(sum(a.revenue), 2)                                            AS revenue,
       round(100 * sum(a.revenue) / nullif(sum(sum(a.revenue)) OVER (), 0), 2) AS revenue_share_pct
FROM gold.agg_orders_daily a
JOIN gold.dim_product p USING (product_key)
GROUP BY p.category
HAVING sum(a.orders) > 0;

-- Seed 003's daily revenue with a 7-day rolling average: the day and the six before, by
-- calendar (days without orders count as zero).
CREATE VIEW gold.vw_kpi_daily_revenue AS
WITH days AS (
  SELECT d.full_date AS day, sum(a.orders)::bigint AS orders, sum(a.revenue) AS revenue
  FROM gold.agg_orders_daily a JOIN gold.dim_date d USING (date_key)
  GROUP BY d.full_date)
SELECT x.day                                                               AS date,
       x.orders,
       round(x.revenue, 2)                                                 AS revenue,
       round((SELECT sum(y.revenue) FROM days y
              WHERE y.day BETWEEN x.day - 6 AND x.day) / 7, 2)             AS revenue_7day_avg
FROM days x
WHERE x.orders > 0;

CREATE VIEW gold.vw_kpi_order_status AS
SELECT a.status,
       sum(a.orders)::bigint                                               AS orders,
       round(sum(a.revenue), 2)                                            AS revenue,
       round(100.0 * sum(a.orders) / nullif(sum(sum(a.orders)) OVER (), 0), 2) AS orders_pct
FROM gold.agg_orders_daily a
GROUP BY a.status
HAVING sum(a.orders) > 0;

CREATE VIEW gold.vw_kpi_weekend_vs_weekday AS
SELECT CASE WHEN d.is_weekend THEN 'weekend' ELSE 'weekday' END          AS day_type,
       count(DISTINCT d.full_date) FILTER (WHERE a.orders > 0)             AS days,
       sum(a.orders)::bigint                                               AS orders,
       round(sum(a.revenue), 2)                                            AS revenue,
       round(sum(a.revenue) / nullif(count(DISTINCT d.full_date) FILTER (WHERE a.orders > 0), 0), 2)
                                                                           AS revenue_per_day
FROM gold.agg_orders_daily a
JOIN gold.dim_date d USING (date_key)
GROUP BY 1
HAVING sum(a.orders) > 0;
