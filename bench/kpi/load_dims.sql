-- kpi-api benchmark, step 1 of the bulk path: the dimensions, behaviour gold and ops rows a
-- warehouse of this size would hold. Run once on a freshly migrated warehouse (psql -v days=30).
-- The shapes follow eventgen (services/eventgen/src/catalog.hpp): 9,000 customers, 15 products
-- in 5 categories, 5 regions, orders over the last :days days.
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO gold.dim_date
SELECT to_char(d, 'YYYYMMDD')::int, d, extract(day FROM d), extract(isodow FROM d),
       to_char(d, 'FMDay'), extract(week FROM d), extract(month FROM d), to_char(d, 'FMMonth'),
       extract(quarter FROM d), extract(year FROM d), extract(isodow FROM d) >= 6
FROM generate_series(current_date - (:days - 1), current_date, interval '1 day') g(d0),
     LATERAL (SELECT g.d0::date AS d) x;

INSERT INTO gold.dim_customer (customer_id, customer_name_masked, email_hmac)
SELECT id, 'C*** ' || id, md5('customer-' || id) FROM generate_series(1000, 9999) id;

INSERT INTO gold.dim_product (product_name, category) VALUES
  ('Wireless Headphones', 'Electronics'), ('Bluetooth Speaker', 'Electronics'),
  ('Smart Watch', 'Electronics'), ('Phone Case', 'Accessories'), ('USB-C Cable', 'Accessories'),
  ('Laptop Sleeve', 'Accessories'), ('Running Shoes', 'Clothing'), ('Denim Jacket', 'Clothing'),
  ('Cotton T-Shirt', 'Clothing'), ('Yoga Mat', 'Fitness'), ('Resistance Bands', 'Fitness'),
  ('Dumbbell Set', 'Fitness'), ('Coffee Maker', 'Home'), ('Desk Lamp', 'Home'),
  ('Air Purifier', 'Home');
INSERT INTO gold.dim_region (region_name) VALUES
  ('US-East'), ('US-West'), ('EU-West'), ('EU-Central'), ('APAC');

-- Behaviour cells: every hour x platform, a page view and a search cell, and per product the
-- four funnel steps (about 180,000 cells for 30 days).
INSERT INTO gold.agg_interactions_hourly
SELECT h, h::date, pl, et, pr, ca, n, n / 50, CASE WHEN et = 'purchase' THEN n ELSE 0 END,
       CASE WHEN et = 'purchase' THEN n * 49.99 ELSE 0 END
FROM generate_series(date_trunc('hour', now()) - (:days * 24 - 1) * interval '1 hour',
                     date_trunc('hour', now()), interval '1 hour') h
CROSS JOIN unnest(ARRAY['WEB', 'IOS', 'ANDROID', 'BACKEND']) pl
CROSS JOIN LATERAL (
  SELECT et, p.product_name AS pr, p.category AS ca,
         (1 + (random() * CASE et WHEN 'product_view' THEN 40 WHEN 'add_to_cart' THEN 8
                                  WHEN 'checkout_started' THEN 4 ELSE 2 END))::bigint AS n
  FROM gold.dim_product p
  CROSS JOIN unnest(ARRAY['product_view', 'add_to_cart', 'checkout_started', 'purchase']) et
  WHERE pl IS NOT NULL  -- correlated, so each hour and platform draws its own counts
  UNION ALL
  SELECT et, '', '', (1 + random() * 60)::bigint
  FROM unnest(ARRAY['page_view', 'search']) et WHERE pl IS NOT NULL) c;

-- Distinct users and sessions per day and platform ('' = all platforms).
INSERT INTO gold.daily_distinct
SELECT d, pl, (2000 + random() * 500)::bigint * CASE pl WHEN '' THEN 3 ELSE 1 END,
       (2500 + random() * 500)::bigint * CASE pl WHEN '' THEN 3 ELSE 1 END
FROM generate_series(current_date - (:days - 1), current_date, interval '1 day') d
CROSS JOIN unnest(ARRAY['', 'WEB', 'IOS', 'ANDROID', 'BACKEND']) pl;

-- First-touch attribution of 200,000 users.
INSERT INTO gold.user_attribution
SELECT md5('user-' || i), t, 'e' || i,
       (ARRAY['google', 'tiktok', 'newsletter', 'instagram', 'partner'])[1 + i % 5],
       (ARRAY['brand', 'collab', 'weekly', 'gift_guide'])[1 + i % 4],
       CASE WHEN i % 8 = 0 THEN t + interval '2 hours' END
FROM generate_series(1, 200000) i,
     LATERAL (SELECT now() - random() * (:days * interval '1 day') AS t WHERE i > 0) x;

-- One batch a minute with its quarantine counts, a data-quality run every 10 minutes, and the
-- stored offsets of 24 partitions.
INSERT INTO ops.batches (batch_id, consumer_group, started_at, committed_at, duration_ms,
                         bronze_rows, silver_rows, quarantined_rows, dlq_rows, late_events,
                         max_lag_seconds, quarantine_by_reason, pipeline_version, ingested_at)
SELECT gen_random_uuid(), 'transformer', t, t + interval '200 ms', 200, 5000, 4700, 250, 50, 100,
       1.5, jsonb_build_object('malformed_timestamp', 200, 'missing_price', 50), 'bench', t
FROM generate_series(now() - interval '7 days', now(), interval '1 minute') t;
INSERT INTO ops.dq_results (run_id, checked_at, check_name, category, severity, passed, observed,
                            expected, detail)
SELECT r.id, r.t, 'check_' || c, (ARRAY['completeness', 'validity', 'freshness', 'consistency'])[1 + c % 4],
       'critical', true, 0, '0', 'bench'
FROM (SELECT gen_random_uuid() AS id, t FROM generate_series(now() - interval '7 days', now(),
      interval '10 minutes') t) r
CROSS JOIN generate_series(1, 14) c;
INSERT INTO ops.kafka_offsets (consumer_group, topic, partition, next_offset)
SELECT 'transformer', topic, p, 100000
FROM unnest(ARRAY['events.commerce.transaction', 'events.user.interaction']) topic
CROSS JOIN generate_series(0, 11) p;
COMMIT;
