-- Bronze partitioned by day of ingestion (issue 8), so retention drops whole days
-- (BRONZE_RETENTION_DAYS) instead of deleting rows, and a day's reads touch one partition.
-- The transformer creates each day's partition ahead (bronze_partitions.cpp), and before a
-- batch whose day has none.
--
-- The primary key must include the partition key, so (topic, partition, offset) alone is no
-- longer unique by constraint. Exactly-once never rested on it: a batch's rows and its offsets
-- commit together under the compare-and-set of ops.kafka_offsets. The data-quality check
-- consistency.bronze_unique_offsets watches it instead.
ALTER TABLE bronze.events RENAME TO events_before_partitioning;
ALTER TABLE bronze.events_before_partitioning RENAME CONSTRAINT events_pkey TO events_before_partitioning_pkey;
DROP INDEX bronze.events_ingested_brin;

CREATE TABLE bronze.events (LIKE bronze.events_before_partitioning INCLUDING DEFAULTS)
  PARTITION BY RANGE (ingested_at);
ALTER TABLE bronze.events ADD PRIMARY KEY (topic, partition, "offset", ingested_at);
CREATE INDEX events_ingested_brin ON bronze.events USING brin (ingested_at);

-- Creates the missing daily partitions bronze.events_pYYYYMMDD for `days` UTC days from
-- `first_day`; returns how many it created.
CREATE FUNCTION ops.ensure_bronze_partitions(first_day date, days integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  created integer := 0;
  day date;
  name text;
BEGIN
  FOR i IN 0 .. days - 1 LOOP
    day := first_day + i;
    name := 'events_p' || to_char(day, 'YYYYMMDD');
    IF to_regclass('bronze.' || name) IS NULL THEN
      EXECUTE format('CREATE TABLE bronze.%I PARTITION OF bronze.events FOR VALUES FROM (%L) TO (%L)',
                     name, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END $$;

-- Drops the daily partitions of days before `cutoff` (UTC); returns their names.
CREATE FUNCTION ops.drop_bronze_partitions_before(cutoff date) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
  name text;
BEGIN
  FOR name IN
    SELECT c.relname FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'bronze.events'::regclass AND c.relname ~ '^events_p[0-9]{8}$'
      AND to_date(substr(c.relname, 9), 'YYYYMMDD') < cutoff
    ORDER BY c.relname
  LOOP
    EXECUTE format('DROP TABLE bronze.%I', name);
    RETURN NEXT name;
  END LOOP;
END $$;

-- What bronze already holds, into the partitions of its days.
SELECT ops.ensure_bronze_partitions(d, 1)
FROM (SELECT DISTINCT (ingested_at AT TIME ZONE 'UTC')::date AS d
      FROM bronze.events_before_partitioning) days;
SELECT ops.ensure_bronze_partitions((now() AT TIME ZONE 'UTC')::date - 1, 4);
INSERT INTO bronze.events SELECT * FROM bronze.events_before_partitioning;
DROP TABLE bronze.events_before_partitioning;
