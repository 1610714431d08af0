-- PII key rotation (issue 8): every digest records the version of the HMAC key that made it
-- (PII_HMAC_KEY_VERSION), so rows hashed before and after a rotation can be told apart. The
-- procedure is in docs/warehouse.md ("Rotating the PII key"). Rows hashed so far used key 1.
ALTER TABLE silver.orders ADD COLUMN pii_key_version integer NOT NULL DEFAULT 1;
ALTER TABLE silver.interactions ADD COLUMN pii_key_version integer NOT NULL DEFAULT 1;
ALTER TABLE gold.dim_customer ADD COLUMN pii_key_version integer NOT NULL DEFAULT 1;
