-- When a batch's records were read and mapped: the ingested_at of its bronze and silver rows
-- (started_at is its commit attempt's start). The data-quality window and `transformer replay`
-- find a batch's rows by it. NULL for batches committed before this migration.
ALTER TABLE ops.batches ADD COLUMN ingested_at timestamptz;
