#!/usr/bin/env bash
# Scale-out (issue 11, item 1), on a stack of its own without containers:
#   - a 3-broker dev cluster (kafka-dev-broker, DEV_BROKER_COUNT=3), event topics of 12
#     partitions (proto/topics.json);
#   - 2 gateways behind round-robin clients: LOADERS eventgen load processes per event type,
#     each sending to both gateways in turn (eventgen load --gateway A,B), unthrottled, every
#     answer in a ledger; beside it, the limit in the same run: kcat -P of the same payloads;
#   - then 1, 2 and 3 transformers in one consumer group, each count on a warehouse (database)
#     and consumer group of its own reading every record from the start: events/s from
#     ops.batches (first batch start to last commit) and from start to caught up, and exactly
#     once: tests/reliability/crash_check.py compares the ledgers with that warehouse (ids
#     acknowledged = ids landed, none duplicated, rejected ones in the DLQ, gold = silver).
# Exit 1 when any count loses or duplicates anything or does not catch up.
#
#   bench/scaleout/run.sh            full form (N=60000 events per type; Release build in
#                                    build-release/); writes its section of docs/benchmarks.md
#   bench/scaleout/run.sh --short    CI form (N=3000 per type, the tests' build/ tree, about two
#                                    minutes); leaves docs/benchmarks.md alone (ctest runs it)
# Knobs: N, LOADERS (2), COUNTS ("1 2 3"), CATCH_UP_S (240). Ports: PostgreSQL 5448, broker
# control 18890, gateways 18880-18881, transformers 18882-18884; state in .run/scaleout.
set -euo pipefail
SHORT=false
for arg in "$@"; do
  case "$arg" in
    --short) SHORT=true ;;
    *) echo "usage: $0 [--short]" >&2; exit 2 ;;
  esac
done
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
RUN_DIR="$ROOT/.run/scaleout"
PG_PORT=5448 BROKER_CONTROL_PORT=18890 GATEWAY_PORT=18880 GATEWAY_2_PORT=18881
TRANSFORMER_PORT=18882
unset KAFKA_BROKERS KAFKA_TOPIC_PREFIX DATABASE_URL CONSUMER_GROUP GATEWAY_URL PG_FSYNC
if $SHORT; then
  export BENCH_BUILD_DIR="${BENCH_BUILD_DIR:-$ROOT/build}"  # ctest's tree: nothing to build
  N="${N:-3000}"
else
  N="${N:-60000}"
fi
source "$ROOT/bench/lib.sh"
LOADERS="${LOADERS:-2}"
COUNTS="${COUNTS:-1 2 3}"
CATCH_UP_S="${CATCH_UP_S:-240}"
BATCH=500
STABLE_S=3  # crash_check.py wait: bronze unchanged this long means caught up
[ "$N" -ge 100 ] && [ "$LOADERS" -ge 1 ] && [ "$LOADERS" -le 8 ] || die "need N >= 100, 1 <= LOADERS <= 8"
export PG_FSYNC=off  # disposable warehouses; durability is the crash suite's subject

if $SHORT; then
  for b in kafka-dev-broker ingest-gateway eventgen transformer; do
    [ -x "$BIN_DIR/$b" ] || die "$BIN_DIR/$b is missing: build first (scripts/test.sh does)"
  done
else
  bench_build kafka-dev-broker ingest-gateway eventgen transformer
fi
command -v kcat >/dev/null || die "kcat is missing"
CHECK=(python3 "$ROOT/tests/reliability/crash_check.py")
GATEWAYS="http://127.0.0.1:$GATEWAY_PORT,http://127.0.0.1:$GATEWAY_2_PORT"
STARTED=$SECONDS

tf_name() { echo "transformer-$1"; }
tf_port() { echo $((TRANSFORMER_PORT + $1 - 1)); }
stop_all() {
  local i
  for i in 1 2 3; do stop_process "$(tf_name "$i")"; done
  stop_process ingest-gateway-1
  stop_process ingest-gateway-2
  broker_stop
  pg_stop
}
stop_all  # leftovers of an interrupted run
rm -rf "$RUN_DIR"
work="$RUN_DIR/work"
mkdir -p "$work"
trap stop_all EXIT

pg_start
DEV_BROKER_COUNT=3 broker_start
log "3 brokers at $KAFKA_BROKERS"

# ---------------------------------------------------------------- ingest through 2 gateways
key="$(gateway_api_key)"
gateway_start ingest-gateway-1 "$GATEWAY_PORT"
gateway_start ingest-gateway-2 "$GATEWAY_2_PORT"
wait_http "http://127.0.0.1:$GATEWAY_PORT/readyz" 30 ingest-gateway-1
wait_http "http://127.0.0.1:$GATEWAY_2_PORT/readyz" 30 ingest-gateway-2

log "ingest: $N orders + $N interactions from $LOADERS loaders per type, round robin over 2 gateways"
pids=()
t0="$(date +%s.%N)"
for i in $(seq 1 "$LOADERS"); do
  dir="$work/ledgers/loader-$i"
  mkdir -p "$dir"
  for type in transactions interactions; do
    kind="$([ "$type" = transactions ] && echo orders || echo interactions)"
    count=$((N / LOADERS + (i <= N % LOADERS ? 1 : 0)))
    GATEWAY_API_KEY="$key" timeout 600 "$BIN_DIR/eventgen" load --type "$type" --count "$count" \
      --rate 1000000 --batch "$BATCH" --seed $((i * 1000)) --gateway "$GATEWAYS" \
      --ledger "$dir/$kind.tsv" >"$dir/$kind.summary.json" 2>"$dir/$kind.progress.log" &
    pids+=($!)
  done
done
failed_loaders=0
for p in "${pids[@]}"; do wait "$p" || failed_loaders=$((failed_loaders + 1)); done
t1="$(date +%s.%N)"
[ "$failed_loaders" = 0 ] || log "$failed_loaders loaders reported unanswered records (see $work/ledgers)"

stop_process ingest-gateway-1
stop_process ingest-gateway-2

# ---------------------------------------------------------------- 1, 2, 3 transformers
results="$work/results.jsonl"
: >"$results"
psql_admin() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -Atqc "$1" "${2:-postgres}"; }
status=0
for k in $COUNTS; do
  db="scale_$k" group="scaleout-$k"
  log "$k transformer(s) in group $group, warehouse $db"
  psql_admin "CREATE DATABASE $db"
  ( PG_DB="$db"; export DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/$db"; migrate >"$work/migrate-$k.log" 2>&1 )
  s0="$(date +%s.%N)"
  for i in $(seq 1 "$k"); do
    ( PG_DB="$db"; export DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/$db"
      CONSUMER_GROUP="$group" MIGRATE_ON_START=false transformer_start "$(tf_name "$i")" "$(tf_port "$i")" )
  done
  metrics=()
  for i in $(seq 1 "$k"); do metrics+=(--metrics "http://127.0.0.1:$(tf_port "$i")/metrics"); done
  caught_up="$(CONSUMER_GROUP="$group" "${CHECK[@]}" wait --db "postgresql://postgres@127.0.0.1:$PG_PORT/$db" \
    --ledgers "$work/ledgers" "${metrics[@]}" --timeout "$CATCH_UP_S" --stable "$STABLE_S")" || status=1
  s1="$(date +%s.%N)"
  log "$k: $caught_up"
  window="$(psql_admin "SELECT sum(bronze_rows), extract(epoch FROM max(committed_at) - min(started_at)) FROM ops.batches" "$db")"
  for i in $(seq 1 "$k"); do stop_process "$(tf_name "$i")"; done
  check_out="$("${CHECK[@]}" check --db "postgresql://postgres@127.0.0.1:$PG_PORT/$db" \
    --ledgers "$work/ledgers" --scenario-dir loader-1 --scenario "$k transformers" \
    --faults "none" --caught-up "$caught_up" --results "$work/check-$k.jsonl")" || status=1
  echo "$check_out" | tail -n +1 >&2
  python3 - "$k" "$window" "$s0" "$s1" "$work/check-$k.jsonl" "$caught_up" "$STABLE_S" >>"$results" <<'EOF'
import json, sys
k, window, s0, s1, check, caught, stable = sys.argv[1:8]
rows, seconds = (window.split("|") + ["", ""])[:2]
row = json.loads(open(check).read().splitlines()[-1])
print(json.dumps({"k": int(k), "records": int(rows or 0), "batch_seconds": float(seconds or 0),
                  "wall_seconds": float(s1) - float(s0) - float(stable),  # minus the stable wait
                  "caught_up": caught, "ok": row["ok"], "problems": row["problems"]}))
EOF
done

# The limit in the same run: the very payloads the gateways wrote (from the first warehouse's
# bronze), produced again by kcat -P (one process, acks=all, no validation) to a topic of the
# same cluster.
first="scale_${COUNTS%% *}"
payloads="$work/payloads.ndjson"
psql_admin "\\copy (SELECT convert_from(payload, 'UTF8') FROM bronze.events WHERE topic <> 'events.dlq') TO '$payloads'" "$first"
k0="$(date +%s.%N)"
kcat -P -b "$KAFKA_BROKERS" -t scaleout.limit -X acks=all -l "$payloads" 2>"$work/kcat.log" \
  || { tail -5 "$work/kcat.log" >&2; die "kcat -P failed"; }
k1="$(date +%s.%N)"
limit_events="$(wc -l <"$payloads")"

# ---------------------------------------------------------------- report
table="$work/table.md"
python3 - "$work" "$results" "$t0" "$t1" "$k0" "$k1" "$limit_events" "$LOADERS" "$(bench_commit)" \
  "$(bench_date)" "$(bench_machine)" "$($SHORT && echo "bench/scaleout/run.sh --short" || echo bench/scaleout/run.sh)" \
  "$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD_DIR/CMakeCache.txt")" \
  >"$table" <<'EOF'
import glob, json, os, sys
sys.path.insert(0, os.environ["BENCH_PYTHON"])
from bench_table import Table, fmt_rate
work, results, t0, t1, k0, k1, limit_events, loaders, commit, date, machine, command, build_type = sys.argv[1:14]
limit_events, loaders = int(limit_events), int(loaders)
acked = rejected = 0
for path in glob.glob(os.path.join(work, "ledgers", "*", "*.summary.json")):
    s = json.loads(open(path).read().strip().splitlines()[-1])
    acked += s["accepted"]
    rejected += s["rejected"]
ingest = (acked + rejected) / (float(t1) - float(t0))
limit = limit_events / (float(k1) - float(k0))
t = Table(f"`{commit}`", date, f"`{command}`")
t.row(f"Ingest: 2 gateways, {2 * loaders} round-robin loaders ({acked:,} acknowledged, "
      f"{rejected:,} rejected to the DLQ)", f"{fmt_rate(ingest)} events/s",
      f"{fmt_rate(limit)} events/s (`kcat -P` of the same {limit_events:,} payloads, acks=all)", f"{ingest / limit:.2f}×")
runs = [json.loads(l) for l in open(results)]
base = next((r for r in runs if r["k"] == 1 and r["batch_seconds"] > 0), None)
for r in runs:
    eps = r["records"] / r["batch_seconds"] if r["batch_seconds"] > 0 else 0
    wall = r["records"] / r["wall_seconds"] if r["wall_seconds"] > 0 else 0
    scale = f"{eps / (base['records'] / base['batch_seconds']):.2f}× one instance" if base and eps else "—"
    verdict = "exactly once" if r["ok"] else "**FAILED**: " + "; ".join(r["problems"])
    t.row(f"Transformers: **{r['k']}** in one group, {r['records']:,} records from the start "
          f"(`ops.batches`: first batch start to last commit; start to caught up: {fmt_rate(wall)} "
          f"events/s) — {verdict}",
          f"{fmt_rate(eps)} events/s ({fmt_rate(eps / r['k'])} per instance)", "—", scale)
t.print(f"Measured on {machine}; {build_type} binaries.")
EOF
cat "$table"
if ! $SHORT; then bench_write_section scaleout "$table"; fi
log "scale-out done in $((SECONDS - STARTED)) s"
[ "$status" = 0 ] && [ "$failed_loaders" = 0 ] || die "a transformer count lost, duplicated or did not catch up (above)"
