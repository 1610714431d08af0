-- The write path's cost per event (issue 7, docs/benchmarks.md): every index and per-row
-- trigger on a table the transformer appends to is paid by every event.
--
-- gold.fact_orders' foreign keys ran four per-row trigger lookups for every order written,
-- about half of the fact upsert's time. The transformer writes each batch's dimension rows
-- before its facts in the same transaction, from the same rows (gold_orders_writer.cpp), so
-- the references hold by construction; tests/integration check every fact joins its
-- dimensions.
ALTER TABLE gold.fact_orders
  DROP CONSTRAINT IF EXISTS fact_orders_date_key_fkey,
  DROP CONSTRAINT IF EXISTS fact_orders_customer_key_fkey,
  DROP CONSTRAINT IF EXISTS fact_orders_product_key_fkey,
  DROP CONSTRAINT IF EXISTS fact_orders_region_key_fkey;

-- Nothing on the write path reads these: gold is built from the batch's own staged rows, not
-- by batch id, and replay reads bronze by (topic, partition, offset), its primary key. Lineage
-- queries by batch id still work, as scans; retention by ingestion time comes with bronze's
-- partitioning by it.
DROP INDEX IF EXISTS bronze.events_batch;
DROP INDEX IF EXISTS bronze.events_ingested_at;
DROP INDEX IF EXISTS silver.orders_batch;
