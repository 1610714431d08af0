-- A customer's attributes in gold.dim_customer, and a product's category in gold.dim_product,
-- are those of their latest current order in silver (SCD1). When a correction moves an order to
-- another customer or product, the one it left is settled again from its remaining orders, and
-- `transformer replay` settles every customer and product of the replayed range the same way:
-- one index probe each, the latest ingestion first.
CREATE INDEX orders_customer_latest ON silver.orders (customer_id, ingested_at);
CREATE INDEX orders_product_latest ON silver.orders (product, ingested_at);
