-- The warehouse: bronze (raw, as arrived), silver (typed, deduplicated, PII-safe, plus
-- quarantine), gold (star schema and KPI views) and ops (offsets, batches).
-- Applied once by the migration runner under an advisory lock; never edit an applied file,
-- add a new numbered one.

CREATE SCHEMA IF NOT EXISTS bronze;
CREATE SCHEMA IF NOT EXISTS silver;
CREATE SCHEMA IF NOT EXISTS gold;
CREATE SCHEMA IF NOT EXISTS ops;

-- ---------------------------------------------------------------- ops
-- Where each consumer group is in each partition. Written in the same transaction as the rows
-- read from those offsets: this table, not Kafka's committed offsets, is the source of truth.
CREATE TABLE ops.kafka_offsets (
  consumer_group text        NOT NULL,
  topic          text        NOT NULL,
  partition      integer     NOT NULL,
  next_offset    bigint      NOT NULL CHECK (next_offset >= 0),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, topic, partition)
);

CREATE TABLE ops.batches (
  batch_id           uuid        PRIMARY KEY,
  consumer_group     text        NOT NULL,
  started_at         timestamptz NOT NULL,
  committed_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  duration_ms        double precision NOT NULL,
  bronze_rows        integer     NOT NULL,
  silver_rows        integer     NOT NULL,
  quarantined_rows   integer     NOT NULL,
  dlq_rows           integer     NOT NULL,
  late_events        integer     NOT NULL,
  max_lag_seconds    double precision,
  quarantine_by_reason jsonb     NOT NULL DEFAULT '{}'::jsonb,
  pipeline_version   text        NOT NULL
);
CREATE INDEX batches_committed_at ON ops.batches (committed_at);

-- ---------------------------------------------------------------- bronze
-- Exactly what arrived, byte for byte (bytea: even invalid UTF-8 is kept), with its Kafka
-- coordinates. The primary key makes a replayed offset impossible to store twice.
CREATE TABLE bronze.events (
  topic            text        NOT NULL,
  partition        integer     NOT NULL,
  "offset"         bigint      NOT NULL,
  event_type       text        NOT NULL,
  kafka_key        text,
  kafka_timestamp  timestamptz,
  request_id       text,
  payload          bytea       NOT NULL,
  ingested_at      timestamptz NOT NULL DEFAULT now(),
  batch_id         uuid        NOT NULL,
  pipeline_version text        NOT NULL,
  PRIMARY KEY (topic, partition, "offset")
);
CREATE INDEX events_batch ON bronze.events (batch_id);
CREATE INDEX events_ingested_at ON bronze.events (ingested_at);

-- ---------------------------------------------------------------- silver
CREATE TABLE silver.orders (
  order_id              uuid          PRIMARY KEY,
  customer_id           integer       NOT NULL,
  customer_name_masked  text,
  email_hmac            text,
  product               text          NOT NULL,
  category              text          NOT NULL,
  region                text          NOT NULL,
  status                text          NOT NULL,
  quantity              integer       NOT NULL,
  quantity_defaulted    boolean       NOT NULL,
  price                 numeric(12,2) NOT NULL,
  revenue               numeric(14,2) NOT NULL,
  order_ts              timestamptz   NOT NULL,
  event_date            date          NOT NULL,
  received_at           timestamptz,
  ingested_at           timestamptz   NOT NULL,
  ingestion_lag_seconds double precision,
  is_late_arrival       boolean       NOT NULL,
  dq_passed             boolean       NOT NULL,
  source_topic          text          NOT NULL,
  source_partition      integer       NOT NULL,
  source_offset         bigint        NOT NULL,
  batch_id              uuid          NOT NULL
);
CREATE INDEX orders_batch ON silver.orders (batch_id);

-- Every row silver refused, with why and where it came from. Nothing is dropped silently.
CREATE TABLE silver.quarantine (
  quarantine_id      bigserial   PRIMARY KEY,
  event_type         text        NOT NULL,
  _quarantine_reason text        NOT NULL,
  detail             text,
  payload            bytea       NOT NULL,
  source_topic       text        NOT NULL,
  source_partition   integer     NOT NULL,
  source_offset      bigint      NOT NULL,
  batch_id           uuid        NOT NULL,
  quarantined_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source_topic, source_partition, source_offset)
);
CREATE INDEX quarantine_reason ON silver.quarantine (_quarantine_reason);

-- ---------------------------------------------------------------- gold
CREATE TABLE gold.dim_date (
  date_key     integer  PRIMARY KEY,          -- YYYYMMDD
  full_date    date     NOT NULL UNIQUE,
  day_of_month smallint NOT NULL,
  day_of_week  smallint NOT NULL,             -- ISO: 1 = Monday
  day_name     text     NOT NULL,
  week_of_year smallint NOT NULL,             -- ISO week
  month        smallint NOT NULL,
  month_name   text     NOT NULL,
  quarter      smallint NOT NULL,
  year         smallint NOT NULL,
  is_weekend   boolean  NOT NULL
);

-- SCD type 1: the latest PII-safe attributes overwrite the old ones.
CREATE TABLE gold.dim_customer (
  customer_key         bigserial   PRIMARY KEY,
  customer_id          integer     NOT NULL UNIQUE,
  customer_name_masked text,
  email_hmac           text,
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Surrogate keys are stable: a product or region keeps its key forever.
CREATE TABLE gold.dim_product (
  product_key  serial PRIMARY KEY,
  product_name text   NOT NULL UNIQUE,
  category     text   NOT NULL
);

CREATE TABLE gold.dim_region (
  region_key  serial PRIMARY KEY,
  region_name text   NOT NULL UNIQUE
);

CREATE TABLE gold.fact_orders (
  order_id     uuid          PRIMARY KEY,
  date_key     integer       NOT NULL REFERENCES gold.dim_date,
  customer_key bigint        NOT NULL REFERENCES gold.dim_customer,
  product_key  integer       NOT NULL REFERENCES gold.dim_product,
  region_key   integer       NOT NULL REFERENCES gold.dim_region,
  quantity     integer       NOT NULL,
  price        numeric(12,2) NOT NULL,
  revenue      numeric(14,2) NOT NULL,
  status       text          NOT NULL,
  order_ts     timestamptz   NOT NULL,
  _ingested_at timestamptz   NOT NULL,
  _batch_id    uuid          NOT NULL
);
CREATE INDEX fact_orders_date ON gold.fact_orders (date_key);

-- Headline KPIs over every order in gold (one row, also when gold is empty).
CREATE VIEW gold.vw_kpi_summary AS
SELECT count(*)                                        AS total_orders,
       count(DISTINCT customer_key)                    AS unique_customers,
       coalesce(sum(quantity), 0)                      AS units_sold,
       coalesce(sum(revenue), 0)::numeric(16,2)        AS total_revenue,
       coalesce(round(avg(revenue), 2), 0)::numeric(14,2) AS avg_order_value,
       coalesce(sum(revenue) FILTER (WHERE status = 'completed'), 0)::numeric(16,2)
                                                       AS completed_revenue,
       count(*) FILTER (WHERE status = 'returned')     AS returned_orders,
       min(order_ts)                                   AS first_order_at,
       max(order_ts)                                   AS last_order_at,
       max(_ingested_at)                               AS last_ingested_at
FROM gold.fact_orders;

CREATE VIEW gold.vw_kpi_sales_by_region AS
SELECT r.region_name                                   AS region,
       count(*)                                        AS orders,
       sum(f.revenue)::numeric(16,2)                   AS revenue,
       round(100 * sum(f.revenue) / nullif(sum(sum(f.revenue)) OVER (), 0), 2) AS revenue_share_pct
FROM gold.fact_orders f
JOIN gold.dim_region r USING (region_key)
GROUP BY r.region_name;
