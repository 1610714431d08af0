#!/usr/bin/env bash
# kpi-api benchmark, in one run on a warehouse of its own (.run/bench-kpi, ports below):
#   (a) a bulk path fills the warehouse the transformer would have written (bench/kpi/load_*.sql:
#       dimensions, behaviour gold and ops rows, then orders, the order aggregates rebuilt from
#       the facts as migration 004 does) with 1,000,000 and then 10,000,000 orders;
#   (b) at each size, every endpoint GET /v1/kpi lists, with wrk (-t2 -c8, DURATION seconds,
#       after a warm-up run of the same length):
#       p50/p95/p99 and requests/s with the answer cache on (repeated requests: the version
#       check and a cached body) and off (KPI_CACHE_ENTRIES=0: the endpoint's SQL every time),
#       plus filtered variants;
#   (c) the floors in the same run: `SELECT 1` through pgbench as kpi_reader (-c8 -j2), and
#       kpi-api's /healthz with the same wrk settings.
# Writes the kpi section of docs/benchmarks.md.
#   bench/kpi/run.sh   (or bench/run.sh kpi; builds Release into build-release/)
# Knobs: SIZES orders ("1000000 10000000"), DURATION seconds per wrk run (5), DAYS of orders (30).
set -euo pipefail

# Ports of their own: the dev stack (5433, 8080..), tests (5434), demo (5435), gateway bench
# (5436), transformer bench (5438), ad-hoc integration runs (5439) are left alone.
RUN_DIR="$(cd "$(dirname "$0")/../.." && pwd)/.run/bench-kpi"
PG_PORT=5437 PG_DB=analytics KPI_API_PORT=18583
unset DATABASE_URL KPI_DATABASE_URL KPI_CACHE_ENTRIES PG_FSYNC
source "$(dirname "$0")/../lib.sh"
export_database_url

SIZES="${SIZES:-1000000 10000000}"
DURATION="${DURATION:-5}"
DAYS="${DAYS:-30}"
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 60 ] && [ "$DAYS" -ge 7 ] && [ "$DAYS" -le 365 ] \
  || die "need 1 <= DURATION <= 60 and 7 <= DAYS <= 365"
for n in $SIZES; do [ "$n" -ge 1000 ] && [ "$n" -le 50000000 ] || die "SIZES: 1000..50000000"; done
HERE="$(cd "$(dirname "$0")" && pwd)"
PSQL="${PG_BIN}/psql"

bench_build transformer kpi-api
for tool in wrk pgbench curl; do command -v "$tool" >/dev/null || [ -x "$PG_BIN/$tool" ] || die "$tool is missing"; done
PGBENCH="$(command -v pgbench || echo "$PG_BIN/pgbench")"

stop_process kpi-api
pg_stop
rm -rf "$RUN_DIR"
work="$(mktemp -d)"
cleanup() {
  stop_process kpi-api
  pg_stop
  rm -rf "$work"
}
trap cleanup EXIT

pg_start
"$BIN_DIR/transformer" migrate >/dev/null 2>&1 || die "migrations failed"
sql() { "$PSQL" "$DATABASE_URL" -XAtq -v ON_ERROR_STOP=1 "$@"; }
log "loading dimensions, behaviour gold and ops rows"
sql -v days="$DAYS" -f "$HERE/load_dims.sql"
KPI_URL="http://127.0.0.1:$KPI_API_PORT"

start_kpi() {  # $1: cache entries
  stop_process kpi-api
  KPI_DATABASE_URL="$(database_url_as kpi_reader)" PG_POOL_SIZE=8 KPI_CACHE_ENTRIES="$1" \
    HTTP_PORT="$KPI_API_PORT" LOG_LEVEL=warn start_process kpi-api "$BIN_DIR/kpi-api"
  wait_http "$KPI_URL/readyz" 30 kpi-api
}

# One wrk run: prints "p50 p95 p99 rps errors" (ms, ms, ms, requests/s, non-2xx or failed).
measure() {
  local out
  out="$(wrk -t2 -c8 -d"${DURATION}s" --timeout 10s -s "$HERE/latency.lua" "$KPI_URL$1" 2>&1)"
  grep '^RESULT' <<<"$out" | cut -d' ' -f2-
}

# What each row measures: every listed endpoint without parameters, and filtered variants.
targets() {
  curl -fsS "$KPI_URL/v1/kpi" | python3 -c 'import json,sys; [print(e["path"]) for e in json.load(sys.stdin)["endpoints"]]'
  echo "/v1/kpi/summary?from=$(date -u -d '-7 days' +%F)&region=APAC"
  echo "/v1/kpi/daily-revenue?region=EU-West&category=Home"
  echo "/v1/kpi/sales-by-product?status=completed&limit=10"
  echo "/v1/kpi/funnel?platform=IOS&from=$(date -u -d '-7 days' +%F)"
}

: >"$work/rows"
loaded=0
for size in $SIZES; do
  [ "$size" -gt "$loaded" ] || continue
  log "loading orders $((loaded + 1))..$size"
  start_s=$(date +%s)
  sql -v first=$((loaded + 1)) -v last="$size" -v days="$DAYS" -f "$HERE/load_orders.sql"
  echo "$size $(( $(date +%s) - start_s ))" >>"$work/loads"
  loaded=$size
  facts="$(sql -c 'SELECT count(*) FROM gold.fact_orders')"
  cells="$(sql -c 'SELECT count(*) FROM gold.agg_orders_daily')"
  # Floors: a SELECT 1 round trip as kpi_reader through 8 connections, and kpi-api's /healthz.
  echo 'SELECT 1;' >"$work/select1.sql"
  pgb="$("$PGBENCH" -n -f "$work/select1.sql" -c 8 -j 2 -T "$DURATION" "$(database_url_as kpi_reader)" 2>&1)"
  pg_tps="$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$pgb" | head -1)"
  pg_lat="$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$pgb")"
  start_kpi 1000
  echo "$size floor-healthz $(measure /healthz)" >>"$work/rows"
  echo "$size floor-select1 $pg_lat $pg_tps" >>"$work/rows"
  echo "$size facts $facts $cells" >>"$work/rows"
  for mode in cached uncached; do
    [ "$mode" = cached ] && start_kpi 1000 || start_kpi 0
    while read -r target; do
      code="$(curl -s -o /dev/null -w '%{http_code}' "$KPI_URL$target")"
      [ "$code" = 200 ] || die "$target answered $code"
      log "$size orders, $mode: $target"
      measure "$target" >/dev/null  # warm-up: connections opened, role checked, pages cached
      echo "$size $mode $target $(measure "$target")" >>"$work/rows"
    done < <(targets)
  done
done
stop_process kpi-api

python3 - "$work/rows" "$work/loads" "$(bench_commit)" "$(bench_date)" "$(bench_machine)" \
  "$DURATION" >"$work/section.md" <<'PY'
import sys
rows_file, loads_file, commit, day, machine, duration = sys.argv[1:]
rows = [l.split() for l in open(rows_file)]
loads = dict(l.split() for l in open(loads_file))
sizes = sorted({int(r[0]) for r in rows})
def fmt_n(n): return f"{n // 1000000}M" if n % 1000000 == 0 else f"{n:,}"
res = {}
floor = {}
for r in rows:
    size = int(r[0])
    if r[1] in ("cached", "uncached"):
        res.setdefault(r[2], {})[(size, r[1])] = r[3:]
    else:
        floor[(size, r[1])] = r[2:]
out = []
out.append(f"Measured {day} at {commit} on {machine}; `bench/kpi/run.sh` (wrk -t2 -c8, "
           f"{duration} s per row). The warehouse is filled by the bulk path in `bench/kpi/` "
           "(the tables the transformer writes: facts, then the order aggregates rebuilt from "
           "them as migration 004 does; behaviour cells for 30 days x 4 platforms; 200,000 "
           "attributed users; 7 days of batches and DQ runs).")
out.append("")
for s in sizes:
    f = floor.get((s, "facts"), ["?", "?"])
    hz = floor.get((s, "floor-healthz"), ["?"] * 5)
    s1 = floor.get((s, "floor-select1"), ["?", "?"])
    out.append(f"- **{fmt_n(s)} orders** ({int(f[0]):,} fact rows, {int(f[1]):,} order cells; "
               f"loading took {loads.get(str(s), '?')} s). Floors: `SELECT 1` through 8 "
               f"connections as kpi_reader (pgbench) {float(s1[1]):,.0f}/s at {s1[0]} ms average; "
               f"kpi-api `/healthz` {float(hz[3]):,.0f} requests/s, p95 {hz[1]} ms.")
out.append("")
hdr = "| Endpoint | " + " | ".join(
    f"{fmt_n(s)} cached p50 / p95 / p99 ms | {fmt_n(s)} cached req/s | {fmt_n(s)} uncached p50 / p95 / p99 ms | {fmt_n(s)} uncached req/s"
    for s in sizes) + " |"
out.append(hdr)
out.append("|---|" + "---|---|---|---|" * len(sizes))
worst = {}
for target, m in res.items():
    cells = []
    for s in sizes:
        for mode in ("cached", "uncached"):
            v = m.get((s, mode))
            if not v:
                cells += ["-", "-"]
                continue
            p50, p95, p99, rps, bad = v
            mark = "" if bad == "0" else f" ({bad} failed)"
            if float(rps) == 0:  # nothing answered within the run (statement_timeout is 5 s)
                cells += ["no answer within the run", "0"]
                worst[(s, mode)] = (float("inf"), target) if target.startswith("/v1/kpi/") else worst.get((s, mode), (0, ""))
                continue
            cells += [f"{p50} / **{p95}** / {p99}", f"{float(rps):,.0f}{mark}"]
            if target.startswith("/v1/kpi/"):
                key = (s, mode)
                if key not in worst or float(p95) > worst[key][0]:
                    worst[key] = (float(p95), target)
    out.append(f"| `{target}` | " + " | ".join(cells) + " |")
out.append("")
big = sizes[-1]
summ = res.get("/v1/kpi/summary", {}).get((big, "cached"))
for mode in ("cached", "uncached"):
    w = worst.get((big, mode))
    if w:
        verdict = "met" if w[0] <= 5 else "**not met**"
        out.append(f"- Goal p95 <= 5 ms for every KPI endpoint at {fmt_n(big)} orders, {mode}: "
                   f"{verdict} (worst: `{w[1]}`, " +
                   ("no answer within the run" if w[0] == float("inf") else f"p95 {w[0]} ms") + ").")
if summ:
    rps = float(summ[3])
    verdict = "met" if rps >= 10000 else "**not met**"
    out.append(f"- Goal >= 10,000 requests/s on `/v1/kpi/summary` at {fmt_n(big)} orders: {verdict} "
               f"({rps:,.0f}/s cached; the `/healthz` floor above bounds what kpi-api's HTTP layer "
               "can do on these cores, wrk sharing them).")
print("\n".join(out))
PY
bench_write_section kpi "$work/section.md"
