#!/usr/bin/env bash
# The crash suite (issue 10, item 1): while eventgen's load mode streams orders and interactions
# at a steady rate (each loader with its own ledger of what the gateway acknowledged), crash the
# pipeline and check that every acknowledged event is in the warehouse exactly once:
#   1. transformer-kill     kill -9 the transformer at random points, restart it each time
#   2. gateway-kill         kill -9 the gateway (loaders keep sending), restart it
#   3. postgres-restart     pg_ctl stop -m immediate, start again
#   4. consumer-group       two, then three transformers in one group; kill -9 one; add one
# After each scenario it waits (bounded) until the group has caught up, then
# tests/reliability/crash_check.py compares the ledgers with silver, quarantine, bronze, the
# dead letters and gold, and prints the scenario's row. Exit 1 if any check fails.
#
#   tests/reliability/crash_suite.sh            long form (a few minutes per scenario)
#   tests/reliability/crash_suite.sh --short    CI form (low rates, one fault each, < 3 min)
#   ... --no-doc                                leave docs/reliability.md alone (ctest does)
#   ... --only NAME[,NAME]                      run only these scenarios
#   ... --keep                                  leave the stack running afterwards (to look)
#
# Its own stack on its own ports and state (PostgreSQL 5440, ports 18380-18386 and 18390,
# .run/crash), loopback only, started fresh and stopped on exit. Logs: $RUN_DIR/logs/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export RUN_DIR="${RUN_DIR:-$ROOT/.run/crash}"
export PG_PORT="${PG_PORT:-5440}"
export BROKER_CONTROL_PORT="${BROKER_CONTROL_PORT:-18390}"
export GATEWAY_PORT="${GATEWAY_PORT:-18380}"
export EVENTGEN_PORT="${EVENTGEN_PORT:-18381}"
export TRANSFORMER_PORT="${TRANSFORMER_PORT:-18382}"
export KPI_API_PORT="${KPI_API_PORT:-18383}"
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:$PG_PORT/analytics}"
source "$ROOT/scripts/lib.sh"

SHORT=false DOC=true ONLY="" KEEP=false
args=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --short) SHORT=true ;;
    --no-doc) DOC=false ;;
    --keep) KEEP=true ;;
    --only) ONLY="${2:?--only needs scenario names}"; shift ;;
    *) die "unknown argument: $1 (usage: $0 [--short] [--no-doc] [--only NAME,...] [--keep])" ;;
  esac
  shift
done

if $SHORT; then
  RATE=60 BATCH=20 LOAD_S=20 TF_KILLS=1 GW_KILLS=1 GW_DOWN_S=2 PG_OUTAGES=(2) GROUP_S=36
  CATCH_UP_S=90
else
  RATE=400 BATCH=100 LOAD_S=150 TF_KILLS=3 GW_KILLS=2 GW_DOWN_S=5 PG_OUTAGES=(3 20) GROUP_S=180
  CATCH_UP_S=240
fi
SETTINGS="$RATE orders/s + $RATE interactions/s in requests of $BATCH"

CHECK=(python3 "$ROOT/tests/reliability/crash_check.py")
LEDGERS="$RUN_DIR/ledgers"
RESULTS="$RUN_DIR/results.jsonl"
GATEWAY="http://127.0.0.1:$GATEWAY_PORT"
SUITE_START=$SECONDS
FAILED=0

# ---------------------------------------------------------------- processes this script owns

# Transformer instances: transformer-N (lib.sh's transformer_start: one consumer group, the
# stack's PII key, the pipeline_writer role), HTTP port TRANSFORMER_PORT for N=1, then
# TRANSFORMER_PORT+1+N (18384...: 18383 is kpi-api's, not started here).
TF=()  # the instance numbers started and not killed
tf_port() { [ "$1" = 1 ] && echo "$TRANSFORMER_PORT" || echo $((TRANSFORMER_PORT + 1 + $1)); }
tf_start() {
  transformer_start "transformer-$1" "$(tf_port "$1")"
  TF+=("$1")
}
tf_ready() { wait_http "http://127.0.0.1:$(tf_port "$1")/readyz" 60 "transformer-$1"; }
# kill -9 of the process this script started as transformer-N (never by name).
tf_kill9() {
  local pid n
  pid="$(running_pid "transformer-$1")" || die "transformer-$1 is not running"
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true  # reap it at once, quietly (no "Killed" line)
  for _ in $(seq 1 50); do pid_alive "$pid" || break; sleep 0.1; done
  rm -f "$RUN_DIR/transformer-$1.pid"
  local left=()
  for n in "${TF[@]}"; do [ "$n" = "$1" ] || left+=("$n"); done
  TF=("${left[@]}")
}
tf_stop_all() {
  local n
  for n in "${TF[@]}"; do stop_process "transformer-$n"; done
  TF=()
}
metrics_args() {
  local n
  for n in "${TF[@]}"; do printf -- '--metrics\nhttp://127.0.0.1:%s/metrics\n' "$(tf_port "$n")"; done
}

# Loaders: eventgen load for orders and interactions, and the probe of rejected records.
LOAD_PIDS=()
loaders_start() {
  local dir="$1" duration="$2" type kind
  mkdir -p "$dir"
  for type in transactions interactions; do
    kind="$([ "$type" = transactions ] && echo orders || echo interactions)"
    GATEWAY_API_KEY="$(gateway_api_key)" "$BIN_DIR/eventgen" load --type "$type" \
      --rate "$RATE" --duration "$duration" --batch "$BATCH" --gateway "$GATEWAY" \
      --ledger "$dir/$kind.tsv" >"$dir/$kind.summary.json" 2>"$dir/$kind.progress.log" &
    LOAD_PIDS+=($!)
  done
  "${CHECK[@]}" probe --gateway "$GATEWAY" --key-file "$RUN_DIR/gateway_api_key" --dir "$dir" \
    --duration "$duration" --interval "$($SHORT && echo 3 || echo 5)" &
  LOAD_PIDS+=($!)
}
# Waits for the loaders (their own duration bounds them); kills any still running 90 s later.
# A loader's exit status is not judged: after a gateway kill it reports unanswered requests.
loaders_wait() {
  local pid deadline=$((SECONDS + $1 + 90))
  for pid in "${LOAD_PIDS[@]}"; do
    while pid_alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
    pid_alive "$pid" && { log "loader $pid overran: killing it"; kill -KILL "$pid" 2>/dev/null || true; }
    wait "$pid" 2>/dev/null || true
  done
  LOAD_PIDS=()
}

cleanup() {
  local pid
  for pid in "${LOAD_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if [ "${1:-}" = exit ] && $KEEP; then
    log "stack left running (--keep): DATABASE_URL=$DATABASE_URL; stop it with" \
      "RUN_DIR=$RUN_DIR PG_PORT=$PG_PORT BROKER_CONTROL_PORT=$BROKER_CONTROL_PORT" \
      "GATEWAY_PORT=$GATEWAY_PORT scripts/stack.sh down; then kill \$(cat $RUN_DIR/transformer-*.pid)"
    return 0
  fi
  tf_stop_all
  stop_process ingest-gateway
  broker_stop
  pg_stop
}
trap 'cleanup exit' EXIT

# ---------------------------------------------------------------- helpers

now() { date +%s.%N; }
# Sleeps until $1 seconds after $2 (an epoch), not at all if that moment has passed.
sleep_until() { local d; d="$(awk -v a="$2" -v b="$1" -v n="$(now)" 'BEGIN { d = a + b - n; print (d > 0 ? d : 0) }')"; sleep "$d"; }
# A random point in the k-th of n equal slices of $3 seconds (the middle half of the slice).
random_point() { awk -v k="$1" -v n="$2" -v t="$3" -v r="$RANDOM" 'BEGIN { s = t / n; printf "%.1f", s * (k + 0.25 + 0.5 * r / 32768) }'; }
recovery() { "${CHECK[@]}" recovery --db "$DATABASE_URL" "$@" || true; }
# One figure per fault: "3.4 / 5.1 / 4.0".
summary_of() { local IFS=$'\n'; echo "$*" | paste -sd/ | sed 's|/| / |g'; }
max_of() { printf '%s\n' "$@" | awk '$1 ~ /^[0-9.]+$/ { if ($1 > m) m = $1; n++ } $1 !~ /^[0-9.]+$/ { t = 1 } END { if (t) print "timeout"; else printf "%.1f", m }'; }
wanted() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }

# Waits until caught up, then judges the scenario and prints its row.
finish_scenario() {
  local dir="$1" name="$2" faults="$3" rec="$4" parts="$5" caught_up extra=() n
  for n in "${TF[@]}"; do
    running_pid "transformer-$n" >/dev/null || extra+=(--extra-problem "transformer-$n exited by itself (see logs/transformer-$n.log)")
  done
  running_pid ingest-gateway >/dev/null || extra+=(--extra-problem "ingest-gateway is not running")
  log "$name: waiting until the transformers have caught up (at most ${CATCH_UP_S}s)"
  mapfile -t margs < <(metrics_args)
  caught_up="$("${CHECK[@]}" wait --db "$DATABASE_URL" --ledgers "$LEDGERS" "${margs[@]}" \
    --timeout "$CATCH_UP_S")" || true
  log "$name: $caught_up"
  "${CHECK[@]}" check --db "$DATABASE_URL" --ledgers "$LEDGERS" --scenario-dir "$(basename "$dir")" \
    --scenario "$name" --faults "$faults" --recovery "$rec" --all-partitions "$parts" \
    --caught-up "$caught_up" --results "$RESULTS" "${extra[@]}" || FAILED=1
}

# ---------------------------------------------------------------- scenarios

# Streams for LOAD_S seconds into ledgers/$1 and calls "$3 k" at a random point of each of $2
# equal slices (leaving $4 seconds at the end); fault k injects itself, ends, and appends its
# recovery times to RECS and PARTS.
faults_under_load() {
  local dir="$1" n="$2" fault="$3" margin="$4" name="${1#*-}" start k at
  RECS=() PARTS=()
  start="$(now)"
  loaders_start "$LEDGERS/$dir" "$LOAD_S"
  for k in $(seq 0 $((n - 1))); do
    at="$(random_point "$k" "$n" "$((LOAD_S - margin))")"
    sleep_until "$at" "$start"
    log "$name: fault $((k + 1)) of $n at t=${at}s"
    "$fault" "$k"
    log "$name: recovered in ${RECS[-1]}s, every partition committing again after ${PARTS[-1]}s"
  done
  loaders_wait "$LOAD_S"
}
# Records landing again since now: the first batch, and every partition of both topics.
measure_landing() {
  local t_end
  t_end="$(now)"
  RECS+=("$(recovery --mode landing --since "$t_end")")
  PARTS+=("$(recovery --mode partitions --since "$t_end")")
}

kill_transformer() {
  tf_kill9 1
  tf_start 1
  measure_landing
}
kill_gateway() {
  local pid t0
  pid="$(running_pid ingest-gateway)"
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true  # reap it quietly (no "Killed" line)
  sleep "$GW_DOWN_S"
  t0="$(now)"
  services_start ingest-gateway  # returns once /readyz answers 200
  RECS+=("$(awk -v a="$t0" -v n="$(now)" 'BEGIN { printf "%.1f", n - a }')")
  PARTS+=("$(recovery --mode partitions --since "$t0")")
}
restart_postgres() {
  as_postgres "$PG_BIN/pg_ctl" -D "$RUN_DIR/pgdata" -m immediate -w stop >/dev/null
  sleep "${PG_OUTAGES[$1]}"
  pg_start
  measure_landing
}

scenario_transformer_kill() {
  log "transformer-kill: ${LOAD_S}s of load, $TF_KILLS x kill -9 of the transformer"
  faults_under_load 1-transformer-kill "$TF_KILLS" kill_transformer 4
  finish_scenario "$LEDGERS/1-transformer-kill" transformer-kill \
    "kill -9 transformer ×$TF_KILLS, restarted at once" \
    "$(summary_of "${RECS[@]}")" "$(max_of "${PARTS[@]}")"
}

scenario_gateway_kill() {
  log "gateway-kill: ${LOAD_S}s of load, $GW_KILLS x kill -9 of the gateway, down ${GW_DOWN_S}s"
  faults_under_load 2-gateway-kill "$GW_KILLS" kill_gateway $((GW_DOWN_S + 4))
  finish_scenario "$LEDGERS/2-gateway-kill" gateway-kill \
    "kill -9 gateway ×$GW_KILLS, down ${GW_DOWN_S} s each" \
    "$(summary_of "${RECS[@]}") (ready)" "$(max_of "${PARTS[@]}")"
}

scenario_postgres_restart() {
  local n=${#PG_OUTAGES[@]} longest
  longest="$(max_of "${PG_OUTAGES[@]}")"
  log "postgres-restart: ${LOAD_S}s of load, $n immediate stops of PostgreSQL (${PG_OUTAGES[*]}s down)"
  faults_under_load 3-postgres-restart "$n" restart_postgres $((${longest%.*} + 4))
  finish_scenario "$LEDGERS/3-postgres-restart" postgres-restart \
    "PostgreSQL stop -m immediate ×$n (down $(summary_of "${PG_OUTAGES[@]}") s)" \
    "$(summary_of "${RECS[@]}")" "$(max_of "${PARTS[@]}")"
}

scenario_consumer_group() {
  local dir="$LEDGERS/4-consumer-group" start victim t_end rec part
  log "consumer-group: ${GROUP_S}s of load; 2, then 3 transformers; kill -9 one; add one"
  start="$(now)"
  loaders_start "$dir" "$GROUP_S"
  sleep_until "$(awk -v t="$GROUP_S" 'BEGIN { print t * 0.12 }')" "$start"
  log "consumer-group: starting transformer-2"
  tf_start 2
  tf_ready 2
  sleep_until "$(awk -v t="$GROUP_S" 'BEGIN { print t * 0.3 }')" "$start"
  log "consumer-group: starting transformer-3"
  tf_start 3
  tf_ready 3
  sleep_until "$(random_point 2 5 "$GROUP_S")" "$start"
  victim=$((1 + RANDOM % 3))
  log "consumer-group: kill -9 transformer-$victim of 3"
  tf_kill9 "$victim"
  t_end="$(now)"
  rec="$(recovery --mode landing --since "$t_end")"
  part="$(recovery --mode partitions --since "$t_end")"
  log "consumer-group: every partition committed again ${part}s after the kill"
  sleep_until "$(awk -v t="$GROUP_S" 'BEGIN { print t * 0.7 }')" "$start"
  log "consumer-group: adding transformer-4"
  tf_start 4
  tf_ready 4
  loaders_wait "$GROUP_S"
  finish_scenario "$dir" consumer-group \
    "2 → 3 transformers in one group, kill -9 transformer-$victim, add a 4th" \
    "$rec" "$part"
}

# ---------------------------------------------------------------- the run

log "crash suite ($($SHORT && echo short || echo long) form): $SETTINGS; state in $RUN_DIR"
# A fresh stack every run: the checks compare this run's ledgers with this run's warehouse.
cleanup >/dev/null 2>&1 || true
for f in "$RUN_DIR"/*.pid; do
  [ -e "$f" ] && { stop_process "$(basename "$f" .pid)" >/dev/null 2>&1 || true; }
done
rm -rf "$RUN_DIR"
mkdir -p "$LEDGERS" "$RUN_DIR/logs"
pg_start
broker_start
migrate >>"$RUN_DIR/logs/migrate.log" 2>&1
services_start ingest-gateway
tf_start 1
tf_ready 1

if wanted transformer-kill; then scenario_transformer_kill; fi
if wanted gateway-kill; then scenario_gateway_kill; fi
if wanted postgres-restart; then scenario_postgres_restart; fi
if wanted consumer-group; then scenario_consumer_group; fi

elapsed=$((SECONDS - SUITE_START))
echo
report=("${CHECK[@]}" report --results "$RESULTS")
if $DOC; then
  report+=(--doc "$ROOT/docs/reliability.md" --form "$($SHORT && echo short || echo long)"
    --elapsed "$elapsed" --settings "$SETTINGS"
    --command "tests/reliability/crash_suite.sh${args[*]:+ ${args[*]}}")
fi
"${report[@]}" || FAILED=1
log "crash suite: $([ "$FAILED" = 0 ] && echo passed || echo FAILED) in ${elapsed}s"
exit "$FAILED"
