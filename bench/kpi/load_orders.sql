-- kpi-api benchmark, step 2 of the bulk path: orders :first .. :last (psql -v first=1
-- -v last=1000000 -v days=30) into gold.fact_orders, then the order aggregates rebuilt from the
-- facts exactly as migration 004 first filled them (what the transformer keeps per batch).
-- Order ids are sequential UUIDs, so each step appends to the primary key.
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO gold.fact_orders
SELECT lpad(to_hex(i), 32, '0')::uuid, to_char(ts, 'YYYYMMDD')::int, 1 + (random() * 8999)::int,
       1 + (random() * 14)::int, 1 + (random() * 4)::int, q, p, q * p,
       (ARRAY['completed', 'returned', 'pending'])[1 + i % 3], ts, now(),
       '00000000-0000-4000-8000-000000000000'
FROM generate_series(:first, :last) i,
     -- `i > 0` ties the subquery to each row: uncorrelated, it would run once for all of them.
     LATERAL (SELECT now() - random() * ((:days - 1) * interval '1 day') AS ts,
                     (1 + random() * 9)::int AS q,
                     round((5.99 + random() * 994)::numeric, 2) AS p WHERE i > 0) x;
TRUNCATE gold.agg_orders_daily, gold.agg_customer_orders;
INSERT INTO gold.agg_orders_daily
SELECT date_key, region_key, product_key, status, count(*), sum(quantity), sum(revenue),
       max(_ingested_at)
FROM gold.fact_orders GROUP BY 1, 2, 3, 4;
INSERT INTO gold.agg_customer_orders
SELECT customer_key, count(*) FROM gold.fact_orders GROUP BY 1;
COMMIT;
VACUUM ANALYZE gold.fact_orders;
VACUUM ANALYZE gold.agg_orders_daily;
VACUUM ANALYZE gold.agg_customer_orders;
