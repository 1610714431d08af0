-- Least privilege for readers (issue 9), and what kpi-api's pipeline endpoints read.
--
-- Roles belong to the whole PostgreSQL cluster, grants to this database: every database a
-- migration runs in creates the roles if missing and grants on its own schemas. Passwords are
-- not set here: `transformer migrate` sets them from KPI_READER_PASSWORD and BI_READER_PASSWORD
-- when given (needed wherever authentication is by password, as in docker/compose.yaml).
--   kpi_reader       kpi-api: reads gold and ops, nothing else (no bronze, no silver)
--   bi_reader        BI tools: reads gold only
--   pipeline_writer  reads and writes every layer; owns nothing, so it cannot change the schema
DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['kpi_reader', 'bi_reader', 'pipeline_writer'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I LOGIN', r);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;  -- created meanwhile by a migration in another database of the cluster
      END;
    END IF;
  END LOOP;
  -- Role settings are cluster-wide too; two databases migrating at once may race on them, and
  -- then the other one's identical value stands.
  BEGIN
    ALTER ROLE kpi_reader SET default_transaction_read_only = on;
    ALTER ROLE kpi_reader SET statement_timeout = '5s';
    ALTER ROLE bi_reader SET default_transaction_read_only = on;
    ALTER ROLE bi_reader SET statement_timeout = '60s';
  EXCEPTION WHEN OTHERS THEN
    NULL;
  END;
END $$;

GRANT USAGE ON SCHEMA gold, ops TO kpi_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA gold, ops TO kpi_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA gold, ops GRANT SELECT ON TABLES TO kpi_reader;

GRANT USAGE ON SCHEMA gold TO bi_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA gold TO bi_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA gold GRANT SELECT ON TABLES TO bi_reader;

GRANT USAGE ON SCHEMA bronze, silver, gold, ops TO pipeline_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA bronze, silver, gold, ops
  TO pipeline_writer;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA bronze, silver, gold, ops
  TO pipeline_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA bronze, silver, gold, ops
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pipeline_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA bronze, silver, gold, ops
  GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO pipeline_writer;

-- Dead letters are bronze rows of the DLQ topic, whose payload (the gateway's envelope) holds
-- the rejected record itself, raw PII included. This view shows what an operator needs —
-- when, which event type, why, which fields — and never the record: kpi_reader reads it
-- (views run with their owner's rights) without any right on bronze.
CREATE FUNCTION ops.try_jsonb(payload bytea) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RETURN convert_from(payload, 'UTF8')::jsonb;
EXCEPTION WHEN OTHERS THEN
  RETURN NULL;  -- a raw producer may have written anything to the topic
END $$;

CREATE VIEW ops.vw_dead_letters AS
SELECT e.ingested_at,
       e.topic,
       e.partition,
       e."offset",
       left(j ->> 'event_type', 100)                                  AS event_type,
       left(j ->> 'reason', 100)                                      AS reason,
       (SELECT jsonb_agg(left(x ->> 'field', 200))
          FROM jsonb_array_elements(CASE WHEN jsonb_typeof(j -> 'errors') = 'array'
                                         THEN j -> 'errors' ELSE '[]' END) x) AS error_fields,
       left(j ->> 'request_id', 100)                                  AS request_id
FROM bronze.events e
CROSS JOIN LATERAL ops.try_jsonb(e.payload) j
WHERE e.event_type = 'dlq';

-- Dead letters are a small part of bronze: this index finds the latest ones without reading
-- the rest (it is created on every daily partition, present and future).
CREATE INDEX events_dead_letters ON bronze.events (ingested_at) WHERE event_type = 'dlq';

GRANT SELECT ON ops.vw_dead_letters TO kpi_reader;
