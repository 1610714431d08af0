-- Data-quality checks (issue 8): the transformer runs them every DQ_INTERVAL_SECONDS over the
-- batches of the last DQ_WINDOW_SECONDS (dq_checks.cpp; docs/warehouse.md lists them) and
-- keeps 30 days of results here.
CREATE TABLE ops.dq_results (
  run_id     uuid             NOT NULL,
  checked_at timestamptz      NOT NULL DEFAULT now(),
  check_name text             NOT NULL,
  category   text             NOT NULL CHECK (category IN ('completeness', 'validity',
                                                             'freshness', 'consistency')),
  severity   text             NOT NULL CHECK (severity IN ('critical', 'warning')),
  passed     boolean          NOT NULL,
  observed   double precision NOT NULL,
  expected   text             NOT NULL,
  detail     text             NOT NULL,
  PRIMARY KEY (run_id, check_name)
);
CREATE INDEX dq_results_checked_at ON ops.dq_results (checked_at);

-- Each check's latest result: what kpi-api and an operator read first.
CREATE VIEW ops.vw_dq_latest AS
SELECT DISTINCT ON (check_name) check_name, category, severity, passed, observed, expected,
       detail, checked_at
FROM ops.dq_results
ORDER BY check_name, checked_at DESC;

-- The checks select the rows of recent batches by ingestion time first. BRIN indexes cost
-- almost nothing to maintain (rows arrive in ingestion order) and keep those reads from
-- scanning whole tables.
CREATE INDEX events_ingested_brin ON bronze.events USING brin (ingested_at);
CREATE INDEX orders_ingested_brin ON silver.orders USING brin (ingested_at);
CREATE INDEX interactions_ingested_brin ON silver.interactions USING brin (ingested_at);
CREATE INDEX quarantine_at_brin ON silver.quarantine USING brin (quarantined_at);
CREATE INDEX fact_orders_ingested_brin ON gold.fact_orders USING brin (_ingested_at);
