-- Interactions past bronze (issue 8): typed, deduplicated on (event_id, event_type) with the
-- same "later version wins" rule as orders (docs/architecture.md), the user id as a keyed
-- HMAC, dates and hours by event time (a session that arrives hours late lands in the hour it
-- happened), and the source coordinates.
CREATE TABLE silver.interactions (
  event_id              text          NOT NULL,
  event_type            text          NOT NULL,
  user_hmac             text          NOT NULL,  -- HMAC-SHA-256 of user_id (PII_HMAC_KEY)
  session_id            text          NOT NULL,
  platform              text          NOT NULL,
  occurred_at           timestamptz   NOT NULL,
  event_date            date          NOT NULL,  -- UTC day of occurred_at
  event_hour            timestamptz   NOT NULL,  -- occurred_at truncated to the hour
  product               text,
  category              text,
  quantity              integer,
  price                 numeric(12,2),
  revenue               numeric(14,2),           -- purchases only: price x quantity
  search_query          text,
  properties            jsonb,                   -- utm_*, currency, anything else sent
  received_at           timestamptz,
  ingested_at           timestamptz   NOT NULL,
  ingestion_lag_seconds double precision,
  is_late_arrival       boolean       NOT NULL,
  dq_passed             boolean       NOT NULL,  -- false when a value was defaulted or absent
  source_topic          text          NOT NULL,
  source_partition      integer       NOT NULL,
  source_offset         bigint        NOT NULL,
  batch_id              uuid          NOT NULL,
  PRIMARY KEY (event_id, event_type)
);
CREATE INDEX interactions_event_date ON silver.interactions (event_date);
