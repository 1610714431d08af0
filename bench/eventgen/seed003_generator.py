#!/usr/bin/python3
"""Baseline for bench/eventgen/eventgen_bench.cpp: seed 003's Python generator (Faker + random), same fields
and dirt rates as eventgen's /v1/transactions, timed on one core. Prints JSON:
{"events": N, "seconds": S, "events_per_second": R}.

Run with Debian's /usr/bin/python3 (package python3-fake-factory, the Faker module)."""
import json
import random
import sys
import time
import uuid
from datetime import datetime, timedelta

from faker import Faker

PRODUCT_CATALOG = {
    "Wireless Headphones": "Electronics", "Bluetooth Speaker": "Electronics",
    "Smart Watch": "Electronics", "Phone Case": "Accessories", "USB-C Cable": "Accessories",
    "Laptop Sleeve": "Accessories", "Running Shoes": "Clothing", "Denim Jacket": "Clothing",
    "Cotton T-Shirt": "Clothing", "Yoga Mat": "Fitness", "Resistance Bands": "Fitness",
    "Dumbbell Set": "Fitness", "Coffee Maker": "Home", "Desk Lamp": "Home",
    "Air Purifier": "Home",
}
PRODUCTS = list(PRODUCT_CATALOG)
REGIONS = ["US-East", "US-West", "EU-West", "EU-Central", "APAC"]
STATUSES = ["completed", "returned", "pending"]
MALFORMED_TIMESTAMPS = ["not-a-date", "2026/13/45", "yesterday", ""]
fake = Faker()


def _random_timestamp():
    delta = timedelta(seconds=random.randint(0, 30 * 24 * 3600))
    return (datetime.now() - delta).strftime("%Y-%m-%dT%H:%M:%S")


def generate_transaction(existing_order_ids=None):
    product = random.choice(PRODUCTS)
    record = {
        "order_id": str(uuid.uuid4()),
        "customer_id": random.randint(1000, 9999),
        "customer_name": fake.name(),
        "email": fake.email(),
        "product": product,
        "category": PRODUCT_CATALOG[product],
        "quantity": random.randint(1, 10),
        "price": round(random.uniform(5.99, 999.99), 2),
        "region": random.choice(REGIONS),
        "timestamp": _random_timestamp(),
        "status": random.choice(STATUSES),
    }
    if random.random() < 0.05:
        record["timestamp"] = random.choice(MALFORMED_TIMESTAMPS)
    if random.random() < 0.03:
        del record[random.choice(["quantity", "price"])]
    if existing_order_ids and random.random() < 0.02:
        record["order_id"] = random.choice(existing_order_ids)
    return record


def generate_batch(count):
    transactions, order_ids = [], []
    for _ in range(count):
        txn = generate_transaction(existing_order_ids=order_ids)
        transactions.append(txn)
        order_ids.append(txn["order_id"])
    return json.dumps(transactions)


def main():
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
    fake.seed(1)  # Debian's Faker (python3-fake-factory 0.9) seeds per instance
    random.seed(1)
    started = time.perf_counter()
    done = 0
    while done < total:
        n = min(5000, total - done)
        generate_batch(n)
        done += n
    seconds = time.perf_counter() - started
    print(json.dumps({"events": done, "seconds": seconds, "events_per_second": done / seconds}))


if __name__ == "__main__":
    main()
