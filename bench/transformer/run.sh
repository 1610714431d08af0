#!/usr/bin/env bash
# transformer benchmark, in one run on a stack of its own (.run/bench-transformer, ports below):
#   (a) the limit: raw COPY (psql \copy, text and binary) of the same events' bronze rows into
#       an equivalent table (LIKE bronze.events INCLUDING ALL), in rows/s;
#   (b) the transformer's events/s from a pre-filled topic into every layer, for orders and for
#       interactions: from the start of the process until ops.kafka_offsets reaches N, and from
#       ops.batches (first batch start to last commit: without start-up and group join);
#   (c) the same for orders with BATCH_MAX_EVENTS from BATCH_SIZES, and with 2 transformer
#       instances in one consumer group;
#   (d) freshness p50/p99 at a steady FRESH_RATE: orders produced straight to Kafka (not through
#       the gateway) by bench/transformer/paced_produce, stamped with received_at when produced;
#       from the transformer's transformer_freshness_seconds histogram when /metrics has it,
#       else by polling gold.fact_orders for a sample of the orders;
#   (e) the transformer's peak RSS (VmHWM), and its VmRSS across the steady run of (d);
#   (f) Google Benchmark micro-benchmarks (bench/transformer/transformer_bench).
# Writes the transformer section of docs/benchmarks.md.
#   bench/transformer/run.sh      (or bench/run.sh transformer; builds Release into build-release/)
# Knobs: N events per pre-filled topic (100000), REPS (3), BATCH_SIZES ("1000 5000 20000"),
# FRESH_RATE events/s (10000), FRESH_SECONDS (30), RUN_TIMEOUT seconds per run (300); KEEP_WORK=1
# keeps the raw results (temporary directory named at the end).
set -euo pipefail

# Ports and state of their own: they collide with neither the dev stack (8080.., 5433), the
# test stack (5434, 8190), the demo test's (5435, 18080..) nor the gateway benchmark's
# (5436, 8290, 18280..). The gateway and kpi-api are not started.
RUN_DIR="$(cd "$(dirname "$0")/../.." && pwd)/.run/bench-transformer"
PG_PORT=5438 BROKER_CONTROL_PORT=8490 PG_DB=analytics
GATEWAY_PORT=18480 EVENTGEN_PORT=18481 TRANSFORMER_PORT=18482 KPI_API_PORT=18483
TRANSFORMER_2_PORT=18484
unset GATEWAY_URL GATEWAY_API_KEY GATEWAY_API_KEYS KAFKA_BROKERS KAFKA_TOPIC_PREFIX DATABASE_URL \
  CONSUMER_GROUP BATCH_MAX_EVENTS BATCH_MAX_WAIT_MS MIGRATE_ON_START PG_FSYNC
source "$(dirname "$0")/../lib.sh"
export_database_url

N="${N:-100000}"
REPS="${REPS:-3}"
BATCH_SIZES="${BATCH_SIZES:-1000 5000 20000}"
FRESH_RATE="${FRESH_RATE:-10000}"
FRESH_SECONDS="${FRESH_SECONDS:-30}"
RUN_TIMEOUT="${RUN_TIMEOUT:-300}"
PARTITIONS=12                  # of each event topic (proto/topics.json)
BROKER_PARTITION_BYTES=4500000 # the dev broker keeps ~5 MB per partition: stay below
POOL_MAX=300000                # distinct orders for (d); the producer starts over after them
[ "$N" -ge 1000 ] && [ "$REPS" -ge 1 ] && [ "$FRESH_SECONDS" -ge 5 ] \
  && [ "$FRESH_SECONDS" -le 3600 ] || die "need N >= 1000, REPS >= 1, 5 <= FRESH_SECONDS <= 3600"
TYPES=(orders interactions)
declare -A GEN_PATH=([orders]=transactions [interactions]=interactions)
declare -A KEY_FIELD=([orders]=order_id [interactions]=event_id)
declare -A TOPIC_NAME=([orders]=events.commerce.transaction [interactions]=events.user.interaction)
# Each workload reads topics of its own (a KAFKA_TOPIC_PREFIX), so a fresh warehouse is fed
# exactly one pre-filled topic, and the steady run starts from an empty one.
declare -A PREFIX=([orders]=orders. [interactions]=interactions. [fresh]=fresh.)

bench_build kafka-dev-broker eventgen transformer transformer_bench paced_produce
command -v kcat >/dev/null || die "kcat is missing"
command -v psql >/dev/null || die "psql is missing"
PACED_PRODUCE="$BUILD_DIR/bench/paced_produce"
T2_DIR="$RUN_DIR/transformer-2"  # the second instance's pid file and log

stop_transformers() {
  stop_process transformer
  RUN_DIR="$T2_DIR" stop_process transformer
}
# Leftovers of an interrupted run: stop them and start from nothing.
stop_transformers
services_stop
broker_stop
pg_stop
rm -rf "$RUN_DIR"
work="$(mktemp -d)"
cleanup() {
  stop_transformers
  services_stop
  broker_stop
  pg_stop
  if [ "${KEEP_WORK:-0}" = 1 ]; then log "raw results kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

pg_start
broker_start
services_start eventgen
PII_KEY="$(pii_key)"
mkdir -p "$work/runs"

sql() { psql "$DATABASE_URL" -XAtq -v ON_ERROR_STOP=1 "$@"; }
admin_sql() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -XAtq -v ON_ERROR_STOP=1 -d postgres "$@"; }

# A warehouse with nothing in it: no rows, no stored offsets (the topics are read from 0).
fresh_warehouse() {
  admin_sql -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB"
  "$BIN_DIR/transformer" migrate >>"$RUN_DIR/logs/migrate.log" 2>&1 \
    || die "transformer migrate failed; see $RUN_DIR/logs/migrate.log"
}

for prefix in "${PREFIX[@]}"; do
  curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -d "{\"prefix\":\"$prefix\"}" \
    "http://127.0.0.1:$BROKER_CONTROL_PORT/v1/topics" || die "could not create topics $prefix*"
done

# gen TYPE COUNT OUT: COUNT clean records (no dirt) from eventgen, NDJSON, 5,000 per request.
gen() {
  local type="$1" count="$2" out="$3" seed=0 n clean
  clean="malformed_timestamp_rate=0&missing_field_rate=0&duplicate_rate=0"
  [ "$type" = interactions ] && clean="$clean&late_rate=0"
  : >"$out"
  while [ "$count" -gt 0 ]; do
    n=$((count < 5000 ? count : 5000))
    seed=$((seed + 1))
    curl -fsS --max-time 60 \
      "http://127.0.0.1:$EVENTGEN_PORT/v1/${GEN_PATH[$type]}?count=$n&format=ndjson&$clean&seed=$seed" \
      >>"$out" || die "eventgen did not answer"
    count=$((count - n))
  done
}

# keyed TYPE IN OUT: "KEY<TAB>record" lines for kcat -K, each record with the received_at the
# gateway adds (ISO-8601 UTC, microseconds, Z), the key the topics are keyed by.
keyed() {
  /usr/bin/python3 - "${KEY_FIELD[$1]}" "$2" "$3" <<'PY'
import datetime, json, sys
key_field, src, dst = sys.argv[1:4]
with open(src) as f, open(dst, "w") as out:
    for line in f:
        line = line.strip()
        if not line:
            continue
        key = json.loads(line)[key_field]
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        out.write(f'{key}\t{line[:-1]},"received_at":"{now}"}}\n')
PY
}

pool_size=$((FRESH_RATE * FRESH_SECONDS))
pool_size=$((pool_size < POOL_MAX ? pool_size : POOL_MAX))
pool_size=$((pool_size > N ? pool_size : N))
log "generating $pool_size clean orders and $N clean interactions from eventgen"
gen orders "$pool_size" "$work/orders.pool"
gen interactions "$N" "$work/interactions.pool"
stop_process eventgen  # idle from here on

for type in "${TYPES[@]}"; do
  head -n "$N" "$work/$type.pool" >"$work/$type.first"
  keyed "$type" "$work/$type.first" "$work/$type.kcat"
  [ "$(wc -l <"$work/$type.kcat")" = "$N" ] || die "eventgen gave fewer than $N $type"
  bytes="$(wc -c <"$work/$type.kcat")"
  [ $((bytes / PARTITIONS)) -le "$BROKER_PARTITION_BYTES" ] \
    || die "$N $type are $((bytes / 1000000)) MB, more than the dev broker keeps in $PARTITIONS partitions: lower N"
  topic="${PREFIX[$type]}${TOPIC_NAME[$type]}"
  log "producing $N $type ($((bytes / 1000)) kB) to $topic with kcat -P -K, acks=all + idempotence"
  timeout 300 kcat -P -b "$KAFKA_BROKERS" -t "$topic" -K $'\t' \
    -X enable.idempotence=true -X acks=all -l "$work/$type.kcat" 2>"$work/kcat.err" \
    || die "kcat failed: $(head -5 "$work/kcat.err")"
  ! grep -qi "fail\|error" "$work/kcat.err" || die "kcat reported: $(head -5 "$work/kcat.err")"
done

# start_transformer DIR PORT GROUP PREFIX [BATCH_MAX_EVENTS]: one instance, as the stack starts
# it but without migrating (the warehouse is fresh and migrated) and without waiting for it.
start_transformer() {
  local dir="$1" port="$2" group="$3" prefix="$4" batch="${5:-}"
  (
    export KAFKA_TOPIC_PREFIX="$prefix" CONSUMER_GROUP="$group" MIGRATE_ON_START=false \
      PII_HMAC_KEY="$PII_KEY" HTTP_PORT="$port"
    [ -z "$batch" ] || export BATCH_MAX_EVENTS="$batch"
    RUN_DIR="$dir" start_process transformer "$BIN_DIR/transformer"
  )
}

vm_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# run LABEL TYPE INSTANCES [BATCH_MAX_EVENTS]: a fresh warehouse, then INSTANCES transformers
# (one consumer group of its own: no member of an earlier run to wait out) timed from their
# start until the stored offsets of TYPE's pre-filled topic reach N. Writes runs/LABEL.json.
run() {
  local label="$1" type="$2" instances="$3" batch="${4:-}" topic t0 t1 stored=0 pids=() p
  topic="${PREFIX[$type]}${TOPIC_NAME[$type]}"
  fresh_warehouse
  t0="$(date +%s.%N)"
  start_transformer "$RUN_DIR" "$TRANSFORMER_PORT" "bench-$label" "${PREFIX[$type]}" "$batch"
  [ "$instances" = 1 ] || start_transformer "$T2_DIR" "$TRANSFORMER_2_PORT" "bench-$label" \
    "${PREFIX[$type]}" "$batch"
  pids+=("$(cat "$RUN_DIR/transformer.pid")")
  [ "$instances" = 1 ] || pids+=("$(cat "$T2_DIR/transformer.pid")")
  local deadline=$(($(date +%s) + RUN_TIMEOUT))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    stored="$(sql -c "SELECT coalesce(sum(next_offset), 0) FROM ops.kafka_offsets WHERE topic = '$topic'")" || stored=0
    [ "$stored" -ge "$N" ] && break
    for p in "${pids[@]}"; do
      pid_alive "$p" || die "a transformer died during run $label; see $RUN_DIR/logs/"
    done
    sleep 0.2
  done
  t1="$(date +%s.%N)"
  local hwm=0 kb
  for p in "${pids[@]}"; do
    kb="$(vm_kb "$p" VmHWM)"
    [ "${kb:-0}" -le "$hwm" ] || hwm="$kb"
  done
  stop_transformers
  # Everything below is read after the run; a column the transformer no longer has reads null.
  local stats
  stats="$(sql -F ' ' -c "SELECT coalesce(sum(bronze_rows), 0), coalesce(sum(silver_rows), 0),
      coalesce(extract(epoch FROM max(committed_at) - min(started_at)), 0),
      coalesce(extract(epoch FROM min(started_at)), 0), count(*) FROM ops.batches" 2>/dev/null)" \
    || stats="null null null null null"
  local bronze gold
  bronze="$(sql -c "SELECT count(*) FROM bronze.events WHERE topic = '$topic'" 2>/dev/null)" || bronze=null
  gold="$(sql -c "SELECT count(*) FROM gold.fact_orders" 2>/dev/null)" || gold=null
  read -r b_rows s_rows b_secs b_first batches <<<"$stats"
  printf '{"label":"%s","type":"%s","instances":%s,"batch":"%s","n":%s,"reached":%s,"t0":%s,"seconds":%s,"vmhwm_kb":%s,"batch_bronze_rows":%s,"batch_silver_rows":%s,"batch_seconds":%s,"first_batch_start":%s,"batches":%s,"bronze_count":%s,"gold_orders":%s}\n' \
    "$label" "$type" "$instances" "$batch" "$N" "$stored" "$t0" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" "${hwm:-0}" \
    "$b_rows" "$s_rows" "$b_secs" "$b_first" "$batches" "$bronze" "$gold" >"$work/runs/$label.json"
  [ "$stored" -ge "$N" ] || log "run $label: only $stored of $N records in $RUN_TIMEOUT s"
  log "run $label: $(awk -v n="$stored" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f events/s", n / (b - a) }')"
}

# copy_limit TYPE: the bronze rows the transformer just wrote, copied out (text and binary),
# then copied into an equivalent table, 1 + REPS times per format (the first is a warm-up).
copy_limit() {
  local type="$1" fmt opt rows r start end
  sql -c "\\copy (SELECT * FROM bronze.events) TO '$work/$type.bronze.text'" \
    -c "\\copy (SELECT * FROM bronze.events) TO '$work/$type.bronze.binary' WITH (FORMAT binary)" \
    -c "CREATE SCHEMA IF NOT EXISTS bench" \
    -c "CREATE TABLE bench.events_copy (LIKE bronze.events INCLUDING ALL)"
  rows="$(wc -l <"$work/$type.bronze.text")"
  for fmt in text binary; do
    opt=""
    [ "$fmt" = binary ] && opt=" WITH (FORMAT binary)"
    for r in $(seq 0 "$REPS"); do
      sql -c "TRUNCATE bench.events_copy"
      start="$(date +%s.%N)"
      sql -c "\\copy bench.events_copy FROM '$work/$type.bronze.$fmt'$opt"
      end="$(date +%s.%N)"
      [ "$(sql -c "SELECT count(*) FROM bench.events_copy")" = "$rows" ] \
        || die "COPY ($fmt) of $type stored a different number of rows than $rows"
      [ "$r" = 0 ] || awk -v n="$rows" -v s="$start" -v e="$end" \
        'BEGIN { printf "%.0f\n", n / (e - s) }' >"$work/$type.copy.$fmt.$r"
    done
  done
  echo "$rows" >"$work/$type.copy.rows"
}

for type in "${TYPES[@]}"; do
  log "(b) transformer, $type: $REPS runs of $N pre-filled records, default batch size"
  for r in $(seq 1 "$REPS"); do
    run "$type-$r" "$type" 1
    if [ "$r" = 1 ]; then
      log "(a) limit, $type: raw COPY of the same bronze rows, text and binary, 1 + $REPS runs each"
      copy_limit "$type"
    fi
  done
done
for b in $BATCH_SIZES; do
  log "(c) transformer, orders, BATCH_MAX_EVENTS=$b: $REPS runs"
  for r in $(seq 1 "$REPS"); do run "orders-batch$b-$r" orders 1 "$b"; done
done
log "(c) 2 transformer instances, one consumer group, orders: $REPS runs"
for r in $(seq 1 "$REPS"); do run "orders-2x-$r" orders 2; done

# (d) + (e) a steady FRESH_RATE of orders for FRESH_SECONDS into an empty topic.
log "(d) freshness: $FRESH_RATE orders/s for ${FRESH_SECONDS}s, produced straight to Kafka"
fresh_topic="${PREFIX[fresh]}${TOPIC_NAME[orders]}"
sample_every=$((FRESH_RATE / 20 > 0 ? FRESH_RATE / 20 : 1))  # ~20 sampled orders per second
fresh_warehouse
# The sampled orders are known beforehand (every sample_every-th of the pool); seen_at is the
# time of the first poll that finds one in gold.
awk -v k="$sample_every" -v n="$((FRESH_RATE * FRESH_SECONDS))" -F'"order_id":"' \
  '(NR - 1) % k == 0 && NR <= n { print substr($2, 1, 36) }' "$work/orders.pool" >"$work/fresh.ids"
sql -c "CREATE SCHEMA bench" \
  -c "CREATE TABLE bench.fresh_sample (order_id uuid PRIMARY KEY, seen_at timestamptz)" \
  -c "CREATE TABLE bench.fresh_received (order_id uuid PRIMARY KEY, received_at timestamptz)" \
  -c "\\copy bench.fresh_sample (order_id) FROM '$work/fresh.ids'"
start_transformer "$RUN_DIR" "$TRANSFORMER_PORT" bench-fresh "${PREFIX[fresh]}"
wait_http "http://127.0.0.1:$TRANSFORMER_PORT/readyz" 60 transformer
tpid="$(cat "$RUN_DIR/transformer.pid")"
metrics() { curl -fsS --max-time 5 "http://127.0.0.1:$TRANSFORMER_PORT/metrics" || true; }
# Produce once it owns partitions (at most 60 s), so the figures are of the steady state.
for _ in $(seq 1 300); do
  metrics | awk '$1 == "transformer_assigned_partitions" && $2 > 0 { ok = 1 } END { exit !ok }' \
    && break
  sleep 0.2
done
metrics >"$work/metrics.before"
"$PACED_PRODUCE" --brokers "$KAFKA_BROKERS" --topic "$fresh_topic" --key-field order_id \
  --rate "$FRESH_RATE" --seconds "$FRESH_SECONDS" --samples "$work/fresh.samples" \
  --sample-every "$sample_every" --config max.in.flight.requests.per.connection=1 \
  "$work/orders.pool" >"$work/fresh.json" 2>"$work/fresh.err" &
producer=$!
fresh_start="$(date +%s.%N)"
# The poller runs inside PostgreSQL (one session, one short transaction every 0.2 s), so its
# resolution does not depend on how fast psql starts on a busy machine. It stops when every
# sampled order is in gold, or FRESH_SECONDS + 60 s after the start.
timeout $((FRESH_SECONDS + 90)) psql "$DATABASE_URL" -XAtq -v ON_ERROR_STOP=1 -c "DO \$\$
DECLARE deadline timestamptz := clock_timestamp() + interval '$((FRESH_SECONDS + 60)) seconds';
BEGIN
  LOOP
    UPDATE bench.fresh_sample s SET seen_at = clock_timestamp() FROM gold.fact_orders f
     WHERE f.order_id = s.order_id AND s.seen_at IS NULL;
    COMMIT;
    EXIT WHEN clock_timestamp() > deadline
      OR NOT EXISTS (SELECT 1 FROM bench.fresh_sample WHERE seen_at IS NULL);
    PERFORM pg_sleep(0.2);
  END LOOP;
END \$\$" >"$work/poller.out" 2>&1 &
poller=$!
: >"$work/rss"
for _ in $(seq 1 $(((FRESH_SECONDS + 100) * 5))); do
  pid_alive "$tpid" || die "the transformer died during the steady run; see $RUN_DIR/logs/"
  echo "$(date +%s.%N) $(vm_kb "$tpid" VmRSS)" >>"$work/rss"
  pid_alive "$poller" || pid_alive "$producer" || break
  sleep 0.2
done
wait "$poller" || log "the freshness poller failed: $(head -5 "$work/poller.out")"
wait "$producer" || log "paced_produce: $(cat "$work/fresh.err") $(cat "$work/fresh.json")"
# Whatever was produced after the last sample is committed too before the histogram is read.
produced="$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["produced"])' \
  "$work/fresh.json" 2>/dev/null || echo 0)"
for _ in $(seq 1 150); do
  [ "$(sql -c "SELECT coalesce(sum(next_offset), 0) FROM ops.kafka_offsets
    WHERE topic = '$fresh_topic'")" -ge "$produced" ] && break
  sleep 0.2
done
fresh_end="$(date +%s.%N)"
metrics >"$work/metrics.after"
fresh_hwm="$(vm_kb "$tpid" VmHWM)"
stop_transformers
sql -c "\\copy bench.fresh_received FROM '$work/fresh.samples'"
# Orders not seen in gold by the end count as infinitely late (1e9 s).
sql -F ' ' -c "SELECT count(*), count(seen_at),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY coalesce(extract(epoch FROM seen_at - r.received_at), 1e9)),
    percentile_cont(0.99) WITHIN GROUP (ORDER BY coalesce(extract(epoch FROM seen_at - r.received_at), 1e9))
  FROM bench.fresh_sample s JOIN bench.fresh_received r USING (order_id)" >"$work/fresh.poll"
broker_stop
pg_stop

log "(f) micro-benchmarks of the per-event work, $REPS repetitions, pinned to core 0"
taskset -c 0 "$BUILD_DIR/bench/transformer_bench" --benchmark_repetitions="$REPS" \
  --benchmark_report_aggregates_only=true --benchmark_out="$work/micro.json" \
  --benchmark_out_format=json >/dev/null

section="$work/section.md"
/usr/bin/python3 - "$work" "$(bench_date)" "$(bench_machine)" "$(bench_commit)" "$REPS" "$N" \
  "$FRESH_RATE" "$FRESH_SECONDS" "$fresh_start" "$fresh_end" "$fresh_hwm" "$BATCH_SIZES" \
  >"$section" <<'PY'
import glob, json, os, re, statistics, sys
sys.path.insert(0, os.environ["BENCH_PYTHON"])
from bench_table import Table, fmt_rate, met
work, date, machine, commit = sys.argv[1:5]
reps, n, fresh_rate, fresh_seconds = (int(x) for x in sys.argv[5:9])
fresh_start, fresh_end = float(sys.argv[9]), float(sys.argv[10])
fresh_hwm_kb = int(sys.argv[11] or 0)
batch_sizes = sys.argv[12].split()
cmd = "`bench/run.sh transformer`"
notes = []

table = Table(commit, date, cmd)
row = table.row

def median_of(pattern):
    vals = [float(open(f).read()) for f in glob.glob(f"{work}/{pattern}")]
    return statistics.median(vals) if vals else None

def runs(prefix):
    out = []
    for f in sorted(glob.glob(f"{work}/runs/{prefix}-*.json")):
        if not re.fullmatch(rf"{re.escape(prefix)}-\d+\.json", f.rsplit("/", 1)[1]):
            continue  # orders-2x-1 is not a run of orders
        r = json.load(open(f))
        r["rate"] = r["reached"] / r["seconds"] if r["seconds"] else 0
        bs = r.get("batch_seconds")
        r["batch_rate"] = r["batch_bronze_rows"] / bs if isinstance(bs, (int, float)) and bs > 0 else None
        out.append(r)
    return out

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None

what = {"orders": "orders (`events.commerce.transaction`)",
        "interactions": "interactions (`events.user.interaction`)"}
limits, hwm = {}, 0
for t in ("orders", "interactions"):
    copy_rows = int(open(f"{work}/{t}.copy.rows").read())
    text, binary = median_of(f"{t}.copy.text.*"), median_of(f"{t}.copy.binary.*")
    limits[t] = binary
    row(f"Limit: raw `COPY` (psql `\\copy`, binary) of the same {copy_rows:,} {t} bronze rows into "
        "a table like `bronze.events` (same columns and indexes)", f"{fmt_rate(binary)} rows/s", ratio="1×")
    row(f"Raw `COPY` of the same rows, text format", f"{fmt_rate(text)} rows/s",
        f"{fmt_rate(binary)} rows/s (binary)", f"{text / binary:.3g}×")
    rs = runs(t)
    hwm = max([hwm] + [r["vmhwm_kb"] for r in rs])
    eps, beps = med(r["rate"] for r in rs), med(r["batch_rate"] for r in rs)
    silver = med(r["batch_silver_rows"] for r in rs)
    layers = "into every layer" if silver else "into bronze (the transformer writes no silver rows for them yet)"
    row(f"Transformer: {what[t]} from a pre-filled topic ({n:,}) {layers}, one instance, "
        "default batch size; from the process start until the stored offsets reach N",
        f"{fmt_rate(eps)} events/s", f"{fmt_rate(binary)} rows/s (COPY)", f"{eps / binary:.3g}×",
        f"≥ 80,000 events/s: {met(eps >= 80000)}; ≥ 0.33× COPY: {met(eps / binary >= 0.33)}")
    if beps:
        row(f"Transformer, {t}, the same runs from `ops.batches` (first batch start to last commit: "
            "no start-up, no group join)", f"{fmt_rate(beps)} events/s",
            f"{fmt_rate(binary)} rows/s (COPY)", f"{beps / binary:.3g}×")
    notes.append(f"{t}: runs of {', '.join(fmt_rate(r['rate']) for r in rs)} events/s "
                 f"(`ops.batches`: {', '.join(fmt_rate(r['batch_rate']) if r['batch_rate'] else 'n/a' for r in rs)}); "
                 f"first batch began {med(r['first_batch_start'] - r['t0'] for r in rs if r.get('first_batch_start')) or 0:.1f} s "
                 f"after the start (median); per run {rs[0]['batches']} batches, bronze rows "
                 f"{rs[0]['bronze_count']}, silver rows {rs[0]['batch_silver_rows']}, gold.fact_orders rows "
                 f"{rs[0]['gold_orders']}")
    for r in rs:
        if r["reached"] < n:
            notes.append(f"run {r['label']}: only {r['reached']:,} of {n:,} records within the time limit")
        if r["bronze_count"] not in (None, n):
            notes.append(f"run {r['label']}: bronze holds {r['bronze_count']} rows, not {n:,}")

for b in batch_sizes:
    rs = runs(f"orders-batch{b}")
    eps, beps = med(r["rate"] for r in rs), med(r["batch_rate"] for r in rs)
    hwm = max([hwm] + [r["vmhwm_kb"] for r in rs])
    row(f"Transformer, orders, `BATCH_MAX_EVENTS={b}` (`ops.batches`: "
        f"{fmt_rate(beps) if beps else 'n/a'} events/s)", f"{fmt_rate(eps)} events/s",
        f"{fmt_rate(limits['orders'])} rows/s (COPY)", f"{eps / limits['orders']:.3g}×")
rs = runs("orders-2x")
eps, beps = med(r["rate"] for r in rs), med(r["batch_rate"] for r in rs)
row("Transformer, orders, **2 instances** in one consumer group, default batch size (`ops.batches`: "
    f"{fmt_rate(beps) if beps else 'n/a'} events/s)", f"{fmt_rate(eps)} events/s",
    f"{fmt_rate(limits['orders'])} rows/s (COPY)", f"{eps / limits['orders']:.3g}×")

# Freshness: the transformer's histogram when it has one, else the polled sample.
def histogram(path, name="transformer_freshness_seconds"):
    buckets, count = {}, 0.0
    for line in open(path):
        m = re.match(rf'{name}_bucket\{{(.*)\}} (\S+)', line)
        if m:
            le = re.search(r'le="([^"]+)"', m.group(1)).group(1)
            le = float("inf") if le == "+Inf" else float(le)
            buckets[le] = buckets.get(le, 0.0) + float(m.group(2))
        elif line.startswith(f"{name}_count"):
            count += float(line.split()[-1])
    return buckets, count

def quantile(q, buckets):  # Prometheus' histogram_quantile: linear within a bucket
    les = sorted(buckets)
    total = buckets[les[-1]]
    if total <= 0:
        return None
    rank, prev_le, prev_c = q * total, 0.0, 0.0
    for le in les:
        c = buckets[le]
        if c >= rank:
            if le == float("inf"):
                return prev_le
            return prev_le + (le - prev_le) * (rank - prev_c) / (c - prev_c) if c > prev_c else le
        prev_le, prev_c = le, c
    return les[-2] if len(les) > 1 else None

producer = json.load(open(f"{work}/fresh.json")) if open(f"{work}/fresh.json").read().strip() else {}
after, _ = histogram(f"{work}/metrics.after")
before, _ = histogram(f"{work}/metrics.before")
sample_n, seen, poll_p50, poll_p99 = open(f"{work}/fresh.poll").read().split()
sample_n, seen = int(sample_n), int(seen)
def secs(x):
    x = float(x)
    return "not visible by the end" if x >= 1e8 else f"{x * 1000:.0f} ms" if x < 10 else f"{x:.1f} s"
source = (f"orders produced straight to Kafka (not through the gateway) by `paced_produce` at "
          f"{fmt_rate(fresh_rate)} events/s for {fresh_seconds} s, `received_at` stamped at produce "
          f"time (achieved {fmt_rate(producer.get('achieved_rate', 0))} events/s)")
if after:
    delta = {le: after[le] - before.get(le, 0.0) for le in after}
    p50, p99 = quantile(0.5, delta), quantile(0.99, delta)
    how = "the transformer's `transformer_freshness_seconds` histogram (received_at to its batch's commit; interpolated within buckets)"
    row(f"Freshness p50: {source}; from {how}", secs(p50) if p50 is not None else "no records")
    row(f"Freshness p99, the same", secs(p99) if p99 is not None else "no records",
        goal=f"≤ 1 s: {met(p99 is not None and p99 <= 1)}")
    notes.append(f"freshness cross-check by polling gold.fact_orders for {seen:,} of {sample_n:,} sampled "
                 f"orders: p50 {secs(poll_p50)}, p99 {secs(poll_p99)}")
else:
    how = ("polling `gold.fact_orders` every 0.2 s for a sample of "
           f"{sample_n:,} orders (every {max(1, fresh_rate // 20)}th; {seen:,} seen), from received_at to "
           "the first poll that sees it (the transformer has no `transformer_freshness_seconds` "
           "histogram yet; the poll interval adds up to 0.2 s)")
    row(f"Freshness p50: {source}; by {how}", secs(poll_p50))
    row("Freshness p99, the same", secs(poll_p99), goal=f"≤ 1 s: {met(float(poll_p99) <= 1)}")
if producer.get("failed") or producer.get("produce_errors") or producer.get("max_behind_ms", 0) > 1000:
    notes.append(f"paced_produce: {json.dumps(producer)}")

row("Transformer peak RSS (VmHWM), highest over every one-instance run of (b) and (c)",
    f"{hwm / 1024:.0f} MB")
rss = [tuple(map(float, l.split())) for l in open(f"{work}/rss") if len(l.split()) == 2]
steady = [kb for t, kb in rss if fresh_start + fresh_seconds / 4 <= t <= fresh_start + fresh_seconds]
if len(steady) >= 2:
    change = (steady[-1] - steady[0]) / steady[0] if steady[0] else 0
    row(f"Transformer VmRSS during the steady run, from a quarter in to its end ({fresh_seconds} s "
        f"at {fmt_rate(fresh_rate)} events/s; VmHWM {fresh_hwm_kb / 1024:.0f} MB)",
        f"{steady[0] / 1024:.0f} → {steady[-1] / 1024:.0f} MB ({change * 100:+.1f} %; range "
        f"{min(steady) / 1024:.0f}–{max(steady) / 1024:.0f} MB)",
        goal="flat (±10 %) over 5 minutes: " + (
            met(abs(change) <= 0.10 and max(steady) <= 1.1 * steady[0]) if fresh_seconds >= 300
            else f"not assessed by a {fresh_seconds} s run (`FRESH_SECONDS=300` assesses it)"))

# The medians of the repetitions; with REPS=1 Google Benchmark reports the single run only.
micro = {b["run_name"]: b for b in json.load(open(f"{work}/micro.json"))["benchmarks"]
         if b.get("aggregate_name", "median") == "median"}
def ns(name):
    b = micro[name]
    return b["cpu_time"] * {"ns": 1, "us": 1e3, "ms": 1e6}[b["time_unit"]]
row("Micro: silver mapping of one clean order (`map_transaction`: parse, normalise, HMAC the "
    "e-mail, mask the name; CPU time, median)", f"{ns('BM_MapTransaction'):.0f} ns")
row("Micro: HMAC-SHA-256 of one e-mail (`PiiProtector::hmac_hex`)", f"{ns('BM_HmacHex'):.0f} ns")

table.print(f"### {date}, {machine}, commit {commit}")
print()
print(f"Medians of {reps} runs each. Every transformer run starts on a fresh warehouse (database "
      "dropped, recreated and migrated) with a consumer group of its own, reading a topic that "
      f"holds {n:,} clean records produced beforehand with `kcat -P -K` (keyed by order_id or "
      "event_id, received_at added as the gateway does); it is timed from the process start, "
      "polling `ops.kafka_offsets` every 0.2 s. The COPY limit loads the bronze rows of the first "
      "run (copied out with `\\copy (SELECT * FROM bronze.events) TO`) into `bench.events_copy (LIKE bronze.events "
      "INCLUDING ALL)`, each load timed around one psql (connection included) after a warm-up. "
      "PostgreSQL (fsync on), the dev broker, the transformer(s) and the producer share the cores.")
print()
for line in notes:
    print(f"- {line}")
PY
bench_write_section transformer "$section"
cat "$section"
