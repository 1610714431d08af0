#!/usr/bin/env bash
# eventgen benchmark: C++ generation rate (one core) and GET count=5000 latency, beside the
# physical limit (copying the same bytes) and seed 003's Python generator, all in one run.
# Writes the eventgen section of docs/benchmarks.md.
#   bench/eventgen/run.sh      (or bench/run.sh eventgen; builds Release into build-release/)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
REPS="${REPS:-5}"
PY_EVENTS="${PY_EVENTS:-50000}"

dpkg-query -W -f='${Status}' python3-fake-factory 2>/dev/null | grep -q "install ok installed" || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-fake-factory >/dev/null
}
bench_build eventgen_bench

out="$(mktemp)" section="$(mktemp)"
trap 'rm -f "$out" "$section"' EXIT
log "Google Benchmark, $REPS repetitions on core 0"
# taskset pins the generator to one core, as the goal is per core.
taskset -c 0 "$BUILD_DIR/bench/eventgen_bench" --benchmark_repetitions="$REPS" \
  --benchmark_report_aggregates_only=true --benchmark_format=json --benchmark_out="$out" \
  --benchmark_out_format=json >/dev/null 2>&1

log "seed 003's Python generator, 3 runs of $PY_EVENTS events on core 0"
py_rates=()
for _ in 1 2 3; do
  py_rates+=("$(taskset -c 0 /usr/bin/python3 "$BENCH_ROOT/eventgen/seed003_generator.py" "$PY_EVENTS" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["events_per_second"])')")
done

/usr/bin/python3 - "$out" "$(bench_date)" "$(bench_machine)" "$(bench_commit)" "${py_rates[@]}" \
  >"$section" <<'PY'
import json, statistics, sys
data = json.load(open(sys.argv[1]))
date, machine, commit = sys.argv[2:5]
py = statistics.median(float(x) for x in sys.argv[5:])
# With REPS=1 Google Benchmark reports the run itself instead of aggregates.
med = ({b["run_name"]: b for b in data["benchmarks"] if b.get("aggregate_name") == "median"} or
       {b["run_name"]: b for b in data["benchmarks"] if b.get("run_type") == "iteration"})
def rate(name): return med[name]["items_per_second"]
tx, ix, copy = rate("BM_GenerateTransactions"), rate("BM_GenerateInteractions"), rate("BM_CopySameBytes")
http = med["BM_HttpGetTransactions5000/iterations:300/real_time"]
reps = data["benchmarks"][0].get("repetitions", "?")
def met(ok): return "met" if ok else "**not met**"
print(f"### {date}, {machine} (medians of {len(sys.argv) - 5} Python runs and {reps} C++ "
      f"repetitions, pinned to core 0), commit {commit}\n")
print("| Measure | Result | Ratio |")
print("|---|---|---|")
print(f"| Transactions generated, C++ (one core) | {tx/1e6:.2f} M events/s | {tx/py:.0f}× Python; {tx/copy*100:.1f} % of copying the same bytes |")
print(f"| Interactions generated, C++ (one core) | {ix/1e6:.2f} M events/s | |")
print(f"| Physical limit: copy of the same batch bytes | {copy/1e6:.0f} M events/s | |")
print(f"| seed 003 Python generator (Faker), same fields and dirt | {py/1e3:.1f} k events/s | 1× |")
print(f"| GET /v1/transactions?count=5000 over loopback, p50 | {http['p50_ms']:.2f} ms | |")
print(f"| GET /v1/transactions?count=5000 over loopback, p99 | {http['p99_ms']:.2f} ms | |")
print()
print(f"Goals: ≥ 1,000,000 events/s per core: {met(tx >= 1e6)} ({tx/1e6:.2f} M); "
      f"≥ 100× the Python baseline: {met(tx / py >= 100)} ({tx/py:.0f}×). "
      "Command: `bench/run.sh eventgen`.")
PY
bench_write_section eventgen "$section"
cat "$section"
