#!/usr/bin/env bash
# The soak (issue 10 item 8): a stack of its own streams orders and interactions at a steady
# rate while tests/reliability/soak.py samples every process's RSS and every service's error
# counters, asks kpi-api once a second, then judges: memory flat after warm-up, no error counter
# grew after warm-up, every acknowledged event landed in silver or quarantine. Exit 1 when a
# judgement fails. The stack is stopped on exit, pass or fail.
#   tests/reliability/soak.sh               600 s; rewrites docs/reliability.md's soak section
#   tests/reliability/soak.sh --short       60 s
#   tests/reliability/soak.sh --no-doc      leave docs/reliability.md as it is (what ctest does)
#   tests/reliability/soak.sh --no-build    use build/bin as it is (else cmake --build first,
#                                           under flock $BUILD_LOCK when that is set)
# Knobs (env): DURATION (s), ORDERS_RATE (1000/s), INTERACTIONS_RATE (500/s), BATCH (events per
# request, 100), SAMPLE_INTERVAL (s; 5, or 2 with --short), CATCHUP_TIMEOUT (120 s), and the
# ports of every stack script (defaults below: PostgreSQL 5443, 18580-18583, broker 18590).
# Samples: $RUN_DIR/results/samples.csv; the report: $RUN_DIR/results/report.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export RUN_DIR="${RUN_DIR:-$ROOT/.run/soak}"
export PG_PORT="${PG_PORT:-5443}"
export BROKER_CONTROL_PORT="${BROKER_CONTROL_PORT:-18590}"
export GATEWAY_PORT="${GATEWAY_PORT:-18580}"
export EVENTGEN_PORT="${EVENTGEN_PORT:-18581}"
export TRANSFORMER_PORT="${TRANSFORMER_PORT:-18582}"
export KPI_API_PORT="${KPI_API_PORT:-18583}"
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:$PG_PORT/analytics}"
export PG_FSYNC="${PG_FSYNC:-off}"  # disposable data
source "$ROOT/scripts/lib.sh"

short=0 doc=1 build_first=1
for a in "$@"; do
  case "$a" in
    --short) short=1 ;;
    --no-doc) doc=0 ;;
    --no-build) build_first=0 ;;
    *) die "unknown argument '$a' (usage: $0 [--short] [--no-doc] [--no-build])" ;;
  esac
done
if [ "$short" = 1 ]; then
  DURATION="${DURATION:-60}"
  SAMPLE_INTERVAL="${SAMPLE_INTERVAL:-2}"
fi
DURATION="${DURATION:-600}"
SAMPLE_INTERVAL="${SAMPLE_INTERVAL:-5}"

if [ "$build_first" = 1 ]; then
  if [ -n "${BUILD_LOCK:-}" ]; then
    flock "$BUILD_LOCK" cmake --build "$BUILD_DIR"
  else
    cmake --build "$BUILD_DIR"
  fi
fi
for b in kafka-dev-broker eventgen ingest-gateway transformer kpi-api; do
  [ -x "$BIN_DIR/$b" ] || die "$BIN_DIR/$b is missing: build first"
done

# A fresh stack every run: an earlier run's rows would count as landed.
stop_all() {
  services_stop >/dev/null 2>&1 || true
  broker_stop >/dev/null 2>&1 || true
  pg_stop >/dev/null 2>&1 || true
}
stop_all
rm -rf "$RUN_DIR"
trap stop_all EXIT
pg_start
broker_start
retire_warehouse_of_previous_broker
migrate
services_start

args=(--root "$ROOT" --run-dir "$RUN_DIR" --db "$DATABASE_URL" --eventgen "$BIN_DIR/eventgen"
      --gateway "http://127.0.0.1:$GATEWAY_PORT" --duration "$DURATION"
      --interval "$SAMPLE_INTERVAL" --orders-rate "${ORDERS_RATE:-1000}"
      --interactions-rate "${INTERACTIONS_RATE:-500}" --batch "${BATCH:-100}"
      --catchup-timeout "${CATCHUP_TIMEOUT:-120}")
for s in kafka-dev-broker eventgen ingest-gateway transformer kpi-api; do
  args+=(--port "$s=$(service_port "$s")")
done
[ "$doc" = 1 ] && args+=(--doc "$ROOT/docs/reliability.md")
GATEWAY_API_KEY="$(gateway_api_key)" python3 "$ROOT/tests/reliability/soak.py" "${args[@]}"
