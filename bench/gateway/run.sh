#!/usr/bin/env bash
# ingest-gateway benchmark, in one run on a stack of its own (.run/bench, ports below):
#   (a) the physical limit: raw `kcat -P` of the same NDJSON records to the same broker and
#       topic, acks=all + idempotence, in msgs/s;
#   (b) the gateway's validated events/s over HTTP: 1,000-event NDJSON bodies of clean
#       transactions and of interactions from eventgen, posted from several connections;
#   (c) p50/p99 request latency paced at half of the rate measured in (b);
#   (d) the gateway's peak RSS (VmHWM);
#   (e) Google Benchmark micro-benchmarks of the per-event work (bench/gateway/gateway_bench).
# Writes the gateway section of docs/benchmarks.md.
#   bench/gateway/run.sh      (or bench/run.sh gateway; builds Release into build-release/)
# Knobs: REPS (3), RUN_SECONDS per measured run (10), CONNECTIONS (4), BODIES per type (10),
# KCAT_RECORDS (500000).
set -euo pipefail

# Ports and state of their own: they collide with neither the dev stack (8080.., 5433), the
# test stack (5434, 8190) nor the demo test's (5435, 18080..). PostgreSQL, the transformer and
# kpi-api are not started: the two cores go to the gateway and the broker.
RUN_DIR="$(cd "$(dirname "$0")/../.." && pwd)/.run/bench"
PG_PORT=5436 BROKER_CONTROL_PORT=8290
GATEWAY_PORT=18280 EVENTGEN_PORT=18281 TRANSFORMER_PORT=18282 KPI_API_PORT=18283
unset GATEWAY_URL GATEWAY_API_KEY GATEWAY_API_KEYS KAFKA_BROKERS KAFKA_TOPIC_PREFIX
source "$(dirname "$0")/../lib.sh"

REPS="${REPS:-3}"
RUN_SECONDS="${RUN_SECONDS:-10}"
CONNECTIONS="${CONNECTIONS:-4}"
BODIES="${BODIES:-10}"
KCAT_RECORDS="${KCAT_RECORDS:-500000}"
TYPES=(transactions interactions)
declare -A EVENT_TYPE=([transactions]=commerce.transaction [interactions]=user.interaction)
declare -A TOPIC=([transactions]=events.commerce.transaction [interactions]=events.user.interaction)

bench_build kafka-dev-broker eventgen ingest-gateway http_load gateway_bench
command -v kcat >/dev/null || die "kcat is missing"
HTTP_LOAD="$BUILD_DIR/bench/http_load"
GATEWAY="http://127.0.0.1:$GATEWAY_PORT"

# Leftovers of an interrupted run: stop them and start from nothing.
services_stop
broker_stop
rm -rf "$RUN_DIR"
work="$(mktemp -d)"
cleanup() {
  services_stop
  broker_stop
  rm -rf "$work"
}
trap cleanup EXIT

broker_start
services_start eventgen ingest-gateway
gateway_pid="$(running_pid ingest-gateway)"
GATEWAY_API_KEY="$(gateway_api_key)"
export GATEWAY_API_KEY  # http_load sends it as X-API-Key

json() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }

log "generating $BODIES clean 1,000-event NDJSON bodies per type from eventgen"
for type in "${TYPES[@]}"; do
  clean="malformed_timestamp_rate=0&missing_field_rate=0&duplicate_rate=0"
  [ "$type" = interactions ] && clean="$clean&late_rate=0"
  for i in $(seq 1 "$BODIES"); do
    curl -fsS -o "$work/$type.$i.ndjson" \
      "http://127.0.0.1:$EVENTGEN_PORT/v1/$type?count=1000&format=ndjson&$clean&seed=$i"
  done
  # Every body must be accepted whole, or the benchmark measures rejections.
  code="$(curl -sS -o "$work/check.json" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/x-ndjson' -H "X-API-Key: $GATEWAY_API_KEY" \
    --data-binary "@$work/$type.1.ndjson" "$GATEWAY/v1/events/${EVENT_TYPE[$type]}")"
  [ "$code" = 200 ] || die "the gateway answered $code to a clean $type body: $(head -c 400 "$work/check.json")"
done
stop_process eventgen  # idle from here on; the cores go to the gateway, the broker and the client

log "(a) physical limit: kcat -P of $KCAT_RECORDS records per type, acks=all + idempotence, 1 + $REPS runs"
for type in "${TYPES[@]}"; do
  # The same records the gateway gets, repeated up to KCAT_RECORDS lines.
  reps=$(((KCAT_RECORDS + BODIES * 1000 - 1) / (BODIES * 1000)))
  for _ in $(seq 1 "$reps"); do cat "$work/$type".*.ndjson; done |
    awk -v n="$KCAT_RECORDS" 'NF && ++c <= n' >"$work/$type.kcat"
  # Run 0 warms the fresh broker up (its first appends allocate) and is not counted.
  for r in $(seq 0 "$REPS"); do
    start="$(date +%s.%N)"
    timeout 300 kcat -P -b "$KAFKA_BROKERS" -t "${TOPIC[$type]}" -l \
      -X enable.idempotence=true -X acks=all "$work/$type.kcat" 2>"$work/kcat.err" \
      || die "kcat failed: $(head -5 "$work/kcat.err")"
    end="$(date +%s.%N)"
    ! grep -qi "fail\|error" "$work/kcat.err" || die "kcat reported: $(head -5 "$work/kcat.err")"
    [ "$r" = 0 ] || awk -v n="$KCAT_RECORDS" -v s="$start" -v e="$end" \
      'BEGIN { printf "%.0f\n", n / (e - s) }' >"$work/$type.kcat.$r"
  done
done

load() {  # load TYPE OUT [http_load options...]: one bounded http_load run
  local type="$1" out="$2"
  shift 2
  "$HTTP_LOAD" --url "$GATEWAY" --path "/v1/events/${EVENT_TYPE[$type]}" \
    --connections "$CONNECTIONS" "$@" "$work/$type".*.ndjson >"$out" || true
  [ -s "$out" ] || die "http_load printed nothing (see above)"
}

for type in "${TYPES[@]}"; do
  log "(b) gateway, $type: $REPS runs of ${RUN_SECONDS}s from $CONNECTIONS connections (after a 2 s warm-up)"
  load "$type" "$work/warmup.json" --seconds 2 --requests 100000
  rates=()
  for r in $(seq 1 "$REPS"); do
    # Time bounds the run; the request bound (2 M events/s) only guards against a runaway.
    load "$type" "$work/$type.full.$r.json" --seconds "$RUN_SECONDS" \
      --requests $((RUN_SECONDS * 2000))
    rates+=("$(json "$work/$type.full.$r.json" events_per_second)")
  done
  # (c) half of the median rate, paced; long enough for about 300 requests (at most 60 s).
  half_rps="$(awk -v r="$(median "${rates[@]}")" 'BEGIN { printf "%.3f\n", r / 2 / 1000 }')"
  read -r paced_seconds paced_requests < <(awk -v q="$half_rps" -v s="$RUN_SECONDS" 'BEGIN {
    t = q > 0 ? 300 / q : s; t = t < s ? s : t; t = t > 60 ? 60 : t
    printf "%.1f %d\n", t, q * t + 1 }')
  log "(c) gateway, $type: paced at $half_rps requests/s for ${paced_seconds}s"
  if awk -v q="$half_rps" 'BEGIN { exit !(q > 0) }'; then
    load "$type" "$work/$type.paced.json" --rate "$half_rps" --seconds "$paced_seconds" \
      --requests "$paced_requests"
  else
    echo '{}' >"$work/$type.paced.json"  # nothing was accepted in (b): no rate to halve
  fi
done

vmhwm_kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$gateway_pid/status")"
pid_alive "$gateway_pid" || die "the gateway died during the benchmark; see $RUN_DIR/logs/"
services_stop
broker_stop

log "(e) micro-benchmarks of the per-event work, $REPS repetitions, pinned to core 0"
taskset -c 0 "$BUILD_DIR/bench/gateway_bench" --benchmark_repetitions="$REPS" \
  --benchmark_report_aggregates_only=true --benchmark_out="$work/micro.json" \
  --benchmark_out_format=json >/dev/null

section="$work/section.md"
/usr/bin/python3 - "$work" "$(bench_date)" "$(bench_machine)" "$(bench_commit)" "$REPS" \
  "$RUN_SECONDS" "$CONNECTIONS" "$BODIES" "$KCAT_RECORDS" "$vmhwm_kb" >"$section" <<'PY'
import glob, json, os, statistics, sys
sys.path.insert(0, os.environ["BENCH_PYTHON"])
from bench_table import Table, fmt_rate, met
work, date, machine, commit = sys.argv[1:5]
reps, seconds, conns, bodies, kcat_records, vmhwm_kb = (int(float(x)) for x in sys.argv[5:11])
cmd = "`bench/run.sh gateway`"

table = Table(commit, date, cmd)
row = table.row

def load(path):
    return json.load(open(path))

notes = []
for t in ("transactions", "interactions"):
    kcat = statistics.median(float(open(f).read()) for f in glob.glob(f"{work}/{t}.kcat.*"))
    row(f"Physical limit: raw `kcat -P` of the same {t} NDJSON records ({kcat_records:,}), "
        "acks=all + idempotence", f"{fmt_rate(kcat)} msgs/s", ratio="1×")
    runs = [load(f) for f in sorted(glob.glob(f"{work}/{t}.full.*.json"))]
    eps = statistics.median(r["events_per_second"] for r in runs)
    ratio = eps / kcat
    row(f"Gateway: validated {t} over HTTP ({conns} connections, 1,000-event NDJSON bodies)",
        f"{fmt_rate(eps)} events/s", f"{fmt_rate(kcat)} msgs/s (kcat)", f"{ratio:.3g}×",
        f"≥ 200,000 events/s: {met(eps >= 200000)}; ≥ 0.25× kcat: {met(ratio >= 0.25)}")
    errors = {}
    for r in runs:
        for status, n in r["errors"].items():
            errors[status] = errors.get(status, 0) + n
    notes.append(f"{t}: runs of {', '.join(fmt_rate(r['events_per_second']) for r in runs)} "
                 f"events/s ({sum(r['requests'] for r in runs):,} requests; non-200 answers: "
                 f"{', '.join(f'{n} × {s}' for s, n in sorted(errors.items())) or 'none'})")
    paced = load(f"{work}/{t}.paced.json")
    if paced:
        lat = paced["latency_ms"]
        what = (f"a 1,000-event {t} request at half load "
                f"({fmt_rate(paced['target_requests_per_second'] * 1000)} events/s paced, "
                f"{paced['requests']:,} requests)")
        row(f"p50 latency of {what}", f"{lat['p50']:.1f} ms")
        row(f"p99 latency of {what}", f"{lat['p99']:.1f} ms", goal=f"< 20 ms: {met(lat['p99'] < 20)}")
        bad = sum(paced["errors"].values())
        if bad:
            notes.append(f"{t} at half load: {bad} non-200 answers {paced['errors']}")
row("Gateway peak RSS (VmHWM) over the whole run", f"{vmhwm_kb / 1024:.0f} MB",
    goal=f"< 256 MB: {met(vmhwm_kb < 256 * 1024)}")
micro = {b["run_name"]: b for b in load(f"{work}/micro.json")["benchmarks"]
         if b.get("aggregate_name") == "median"}
def ns(name):
    b = micro[name]
    return b["cpu_time"] * {"ns": 1, "us": 1e3, "ms": 1e6}[b["time_unit"]]
row("Micro: validate one clean order against commerce.transaction v2 (compiled schema; "
    "CPU time, median)", f"{ns('BM_ValidateCleanOrder'):.0f} ns",
    goal=f"< 2 µs: {met(ns('BM_ValidateCleanOrder') < 2000)}")
row("Micro: parse (simdjson) + validate one clean order", f"{ns('BM_ParseAndValidateCleanOrder'):.0f} ns")
row("Micro: one order's whole Kafka record (parse, validate, repeated-key check, "
    "received_at spliced, key)", f"{ns('BM_BuildKafkaRecord'):.0f} ns")

table.print(f"### {date}, {machine}, commit {commit}")
print()
print(f"Medians of {reps} runs of {seconds} s each (kcat: {reps} runs per type), each after a "
      f"warm-up run; {bodies} distinct bodies per type, clean (no dirt), posted round-robin. "
      "Latency is from sending a request to its complete answer. Only the dev broker and the "
      "gateway run (eventgen is stopped once the bodies are generated; PostgreSQL, the "
      "transformer and kpi-api are not started), so the cores are shared by the gateway, the "
      "broker and the load client (`http_load`) or `kcat`. The gateway runs as the local stack "
      "starts it, with `max.in.flight.requests.per.connection=1` (`KAFKA_PRODUCER_CONFIG`): "
      "against the dev broker an idempotent producer with 5 requests in flight waits 45-55 ms "
      "per synchronous batch of 1,000, with 1 it waits 8-10 ms.")
print()
for n in notes:
    print(f"- {n}")
PY
bench_write_section gateway "$section"
cat "$section"
