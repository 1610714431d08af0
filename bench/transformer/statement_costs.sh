#!/usr/bin/env bash
# Where a transformer batch spends its time in PostgreSQL: N clean orders (TYPE=orders) or
# interactions (TYPE=interactions) produced to their topic, one transformer draining them with log_min_duration_statement = 0, then the
# milliseconds of each statement summed over the run and per batch. A profiling aid beside the
# benchmark (bench/transformer/run.sh); it writes nothing into docs/benchmarks.md.
#   bench/transformer/statement_costs.sh        N=100000, TYPE=orders by default (builds Release)
# Its own stack in .run/bench-statements: PostgreSQL 5444, broker control 8444, services
# 18490-18493.
set -euo pipefail
RUN_DIR="$(cd "$(dirname "$0")/../.." && pwd)/.run/bench-statements"
PG_PORT=5444 BROKER_CONTROL_PORT=8444
GATEWAY_PORT=18490 EVENTGEN_PORT=18491 TRANSFORMER_PORT=18492 KPI_API_PORT=18493
unset GATEWAY_URL GATEWAY_API_KEY GATEWAY_API_KEYS KAFKA_BROKERS KAFKA_TOPIC_PREFIX DATABASE_URL \
  CONSUMER_GROUP BATCH_MAX_EVENTS BATCH_MAX_WAIT_MS PG_FSYNC
source "$(dirname "$0")/../lib.sh"
export_database_url
N="${N:-100000}"
[ "$N" -ge 5000 ] && [ "$N" -le 200000 ] || die "need 5000 <= N <= 200000 (the dev broker keeps ~5 MB per partition)"
TYPE="${TYPE:-orders}"
case "$TYPE" in
  orders) TOPIC=events.commerce.transaction GEN=transactions KEY=order_id EXTRA="" ;;
  interactions) TOPIC=events.user.interaction GEN=interactions KEY=event_id EXTRA="&late_rate=0" ;;
  *) die "TYPE is orders or interactions" ;;
esac
PSQL="$PG_BIN/psql"  # not Debian's wrapper: it costs a Perl start per poll

bench_build kafka-dev-broker eventgen transformer
services_stop; broker_stop; pg_stop || true; rm -rf "$RUN_DIR"
work="$(mktemp -d)"
cleanup() { services_stop; broker_stop; pg_stop || true; rm -rf "$work"; }
trap cleanup EXIT
pg_start; broker_start; migrate
"$PSQL" "$DATABASE_URL" -qc "ALTER SYSTEM SET log_min_duration_statement = 0" -c "SELECT pg_reload_conf()" >/dev/null

services_start eventgen
for i in $(seq 1 $((N / 5000))); do
  curl -fsS "http://127.0.0.1:$EVENTGEN_PORT/v1/$GEN?count=5000&format=ndjson&malformed_timestamp_rate=0&missing_field_rate=0&duplicate_rate=0$EXTRA&seed=$i"
done >"$work/events"
stop_process eventgen
# Keyed by order_id (event_id) and stamped with received_at, as the gateway produces them.
KEY="$KEY" python3 -c '
import json, os, sys, datetime
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
for line in sys.stdin:
    if line.strip():
        d = json.loads(line); d["received_at"] = now
        print(d[os.environ["KEY"]] + "\t" + json.dumps(d))' <"$work/events" >"$work/keyed"
kcat -P -b "$KAFKA_BROKERS" -t "$TOPIC" -K $'\t' -l -X enable.idempotence=true -X acks=all "$work/keyed"
log "produced $N $TYPE; draining them with one transformer"
services_start transformer
for _ in $(seq 1 1200); do
  done_="$("$PSQL" "$DATABASE_URL" -Atqc "SELECT coalesce(sum(next_offset), 0) FROM ops.kafka_offsets WHERE topic = '$TOPIC'")"
  [ "$done_" -ge "$N" ] && break
  sleep 0.25
done
[ "$done_" -ge "$N" ] || die "the transformer did not drain $N $TYPE in 5 minutes"
read -r batches ms rate < <("$PSQL" "$DATABASE_URL" -Atqc "SELECT count(*), round(avg(duration_ms)),
  round(sum(bronze_rows) / extract(epoch FROM max(committed_at) - min(started_at))) FROM ops.batches" | tr '|' ' ')
echo "commit $(bench_commit): $batches batches, $ms ms each on average, $rate events/s (first batch start to last commit)"
echo "milliseconds per statement: total over the run, per batch, statement"
grep "duration:" "$RUN_DIR/pgdata/server.log" | grep -v "ops.kafka_offsets WHERE topic\|ops.batches" |
  sed -E 's/.*duration: ([0-9.]+) ms +(statement|execute [^:]*|parse [^:]*|bind [^:]*): *(.{0,40}).*/\1\t\2 \3/' |
  awk -F'\t' -v b="$batches" '{ t[$2] += $1 } END { for (k in t) if (t[k] >= 1) printf "%9.1f %7.1f  %s\n", t[k], t[k] / b, k }' |
  sort -rn | head -15
