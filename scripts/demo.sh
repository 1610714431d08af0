#!/usr/bin/env bash
# The whole pipeline on this machine: installs missing Debian packages, builds, starts
# PostgreSQL + kafka-dev-broker + the four services, streams generated (dirty) orders and
# clickstream events through the gateway with eventgen's load mode, waits until gold has them,
# and prints the KPIs and the URLs to try.
#   scripts/demo.sh           leave the stack running (stop it with scripts/stack.sh down)
#   scripts/demo.sh --once    stop everything afterwards and exit 0 on success
set -euo pipefail
source "$(dirname "$0")/lib.sh"
export_database_url

ONCE=false
DEMO_EVENTS="${DEMO_EVENTS:-10000}"
DEMO_RATE="${DEMO_RATE:-5000}"
for arg in "$@"; do
  case "$arg" in
    --once) ONCE=true ;;
    *) die "unknown argument: $arg (usage: $0 [--once])" ;;
  esac
done

if $ONCE; then trap '"$ROOT/scripts/stack.sh" down' EXIT; fi
"$ROOT/scripts/stack.sh" up

gateway="http://127.0.0.1:$GATEWAY_PORT"
eventgen="http://127.0.0.1:$EVENTGEN_PORT"
kpi="http://127.0.0.1:$KPI_API_PORT"
sql() { psql "$DATABASE_URL" -Atqc "$1"; }
# The stack's gateway API key (scripts/lib.sh): load mode and curl send it as X-API-Key.
export GATEWAY_API_KEY="${GATEWAY_API_KEY:-$(gateway_api_key)}"

bronze_before="$(sql "SELECT count(*) FROM bronze.events")"
accepted=0 rejected=0
for type in transactions interactions; do
  log "load mode: streaming $DEMO_EVENTS generated $type through the gateway at $DEMO_RATE/s"
  summary="$("$BIN_DIR/eventgen" load --gateway "$gateway" --type "$type" \
    --count "$DEMO_EVENTS" --rate "$DEMO_RATE" --batch 1000)" || die "load run failed: $summary"
  echo "$summary"
  a="$(grep -o '"accepted":[0-9]*' <<<"$summary" | cut -d: -f2)"
  r="$(grep -o '"rejected":[0-9]*' <<<"$summary" | cut -d: -f2)"
  accepted=$((accepted + a)); rejected=$((rejected + r))
done
# One record that breaks the schema, to show the dead-letter path.
curl -sS -X POST -H 'Content-Type: application/json' -H "X-API-Key: $GATEWAY_API_KEY" \
  -d '{"order_id":"oops","customer_id":"not-a-number"}' "$gateway/v1/events/commerce.transaction"
echo
rejected=$((rejected + 1))
log "gateway acknowledged: accepted=$accepted rejected(to DLQ)=$rejected"

expected=$((bronze_before + accepted + rejected))
log "waiting for the transformer to land $expected rows in bronze"
for _ in $(seq 1 600); do
  [ "$(sql "SELECT count(*) FROM bronze.events")" -ge "$expected" ] && break
  sleep 0.1
done
got="$(sql "SELECT count(*) FROM bronze.events")"
[ "$got" -ge "$expected" ] || die "bronze has $got rows, expected $expected; see $RUN_DIR/logs/transformer.log"

echo
echo "Rows per layer:"
psql "$DATABASE_URL" -P pager=off -c "
  SELECT (SELECT count(*) FROM bronze.events)     AS bronze,
         (SELECT count(*) FROM silver.orders)     AS silver_orders,
         (SELECT count(*) FROM silver.quarantine) AS quarantined,
         (SELECT count(*) FROM gold.fact_orders)  AS gold_fact_orders"
echo "Quarantine by reason:"
psql "$DATABASE_URL" -P pager=off -c "
  SELECT _quarantine_reason AS reason, count(*) FROM silver.quarantine GROUP BY 1 ORDER BY 2 DESC"

summary="$(curl -fsS "$kpi/v1/kpi/summary")"
echo "KPI summary (GET $kpi/v1/kpi/summary):"
echo "$summary"
grep -q '"total_orders":[1-9]' <<<"$summary" || die "KPI summary is empty"
echo
echo "Revenue by region (Accept: text/csv):"
curl -fsS -H 'Accept: text/csv' "$kpi/v1/kpi/sales-by-region"
echo
cat <<URLS
Try:
  curl '$eventgen/v1/transactions?count=3&seed=1'
  curl -X POST -H 'Content-Type: application/json' -H "X-API-Key: \$(cat $RUN_DIR/gateway_api_key)" \\
       --data-binary @event.json $gateway/v1/events/commerce.transaction
  curl $gateway/v1/schemas
  open $kpi/ in a browser (the dashboard)
  curl $kpi/v1/kpi                      # every KPI and pipeline endpoint with its parameters
  curl '$kpi/v1/kpi/summary?region=APAC'
  curl -H 'Accept: text/csv' $kpi/v1/kpi/sales-by-region
  curl $kpi/v1/pipeline/quality
  curl http://127.0.0.1:$TRANSFORMER_PORT/metrics
  psql $DATABASE_URL
URLS
if $ONCE; then
  log "demo finished (--once): stopping the stack"
else
  log "the stack keeps running; stop it with: scripts/stack.sh down"
fi
