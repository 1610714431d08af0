-- Only bronze holds raw personal data (issue 8). A quarantine row keeps its pointer to the
-- bronze row (source_topic, source_partition, source_offset) and, instead of the raw payload,
-- a PII-safe view of it: the record as JSON with e-mail, name and user id replaced by the
-- digests and mask silver stores (NULL when the record was not a JSON object).
ALTER TABLE silver.quarantine ADD COLUMN payload_safe jsonb;

-- Rows quarantined before this migration: the transformer's HMAC key is not known here, so
-- their personal fields are dropped rather than replaced.
CREATE FUNCTION pg_temp.without_pii(payload bytea) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  doc jsonb;
BEGIN
  doc := convert_from(payload, 'UTF8')::jsonb;
  IF jsonb_typeof(doc) <> 'object' THEN
    RETURN NULL;
  END IF;
  RETURN doc - 'email' - 'customer_name' - 'user_id';
EXCEPTION WHEN others THEN
  RETURN NULL;  -- not UTF-8 or not JSON: bronze keeps the bytes
END $$;
UPDATE silver.quarantine SET payload_safe = pg_temp.without_pii(payload);

ALTER TABLE silver.quarantine DROP COLUMN payload;
