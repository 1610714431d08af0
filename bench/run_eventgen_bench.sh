#!/usr/bin/env bash
# eventgen benchmark: C++ generation rate (one core) and GET count=5000 latency, beside the
# physical limit (copying the same bytes) and seed 003's Python generator, all in one run.
# Prints a Markdown table of medians and ratios for docs/benchmarks.md.
#   bench/run_eventgen_bench.sh            (builds Release into build-release/)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD_DIR:-$ROOT/build-release}"
REPS="${REPS:-5}"
PY_EVENTS="${PY_EVENTS:-50000}"

dpkg-query -W -f='${Status}' python3-fake-factory 2>/dev/null | grep -q "install ok installed" || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-fake-factory >/dev/null
}
[ -f "$BUILD/build.ninja" ] || cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DANALYTICS_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" --target eventgen_bench >/dev/null

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
# taskset pins the generator to one core, as the goal is per core.
taskset -c 0 "$BUILD/bench/eventgen_bench" --benchmark_repetitions="$REPS" \
  --benchmark_report_aggregates_only=true --benchmark_format=json --benchmark_out="$out" \
  --benchmark_out_format=json >/dev/null 2>&1

py_rates=()
for _ in 1 2 3; do
  py_rates+=("$(taskset -c 0 /usr/bin/python3 "$ROOT/bench/python/seed003_generator.py" "$PY_EVENTS" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["events_per_second"])')")
done

/usr/bin/python3 - "$out" "${py_rates[@]}" <<'PY'
import json, statistics, sys, platform, subprocess
data = json.load(open(sys.argv[1]))
py = statistics.median(float(x) for x in sys.argv[2:])
med = {b["run_name"]: b for b in data["benchmarks"] if b.get("aggregate_name") == "median"}
def rate(name): return med[name]["items_per_second"]
tx, ix, copy = rate("BM_GenerateTransactions"), rate("BM_GenerateInteractions"), rate("BM_CopySameBytes")
http = med["BM_HttpGetTransactions5000/iterations:300/real_time"]
cpu = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p'"], capture_output=True, text=True).stdout.strip()
print(f"Machine: {cpu or platform.processor()}, {data['context']['num_cpus']} cores; "
      f"medians of {len(sys.argv) - 2} Python runs and {data['benchmarks'][0].get('repetitions', '?')} C++ repetitions, pinned to core 0.\n")
print("| Measure | Result | Ratio |")
print("|---|---|---|")
print(f"| Transactions generated, C++ (one core) | {tx/1e6:.2f} M events/s | {tx/py:.0f}x Python; {tx/copy*100:.1f} % of copying the same bytes |")
print(f"| Interactions generated, C++ (one core) | {ix/1e6:.2f} M events/s | |")
print(f"| Physical limit: copy of the same batch bytes | {copy/1e6:.0f} M events/s | |")
print(f"| seed 003 Python generator (Faker), same fields and dirt | {py/1e3:.1f} k events/s | 1x |")
print(f"| GET /v1/transactions?count=5000 over loopback, p50 | {http['p50_ms']:.2f} ms | |")
print(f"| GET /v1/transactions?count=5000 over loopback, p99 | {http['p99_ms']:.2f} ms | |")
PY
