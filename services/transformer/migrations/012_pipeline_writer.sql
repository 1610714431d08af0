-- The transformer runs as pipeline_writer (migration 011), never as the schema's owner or a
-- superuser (issue 10): it reads and writes rows of every layer but cannot create, alter or
-- drop anything. Two pieces of schema work happen at run time — a new day's bronze partition
-- and, with retention on, dropping old ones — so they become SECURITY DEFINER functions: they
-- run with the rights of the role that applied the migrations, do exactly that one job, and
-- only pipeline_writer (and that owner) may call them. A fixed search_path keeps a caller's
-- objects from being picked up inside them.
ALTER FUNCTION ops.ensure_bronze_partitions(date, integer)
  SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ops.drop_bronze_partitions_before(date)
  SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
REVOKE EXECUTE ON FUNCTION ops.ensure_bronze_partitions(date, integer),
  ops.drop_bronze_partitions_before(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ops.ensure_bronze_partitions(date, integer),
  ops.drop_bronze_partitions_before(date) TO pipeline_writer;

-- Nothing but the owner creates objects in the warehouse's schemas or in public.
REVOKE CREATE ON SCHEMA bronze, silver, gold, ops, public FROM PUBLIC;
