#!/usr/bin/env bash
# Secrets never leave through logs, error bodies or /metrics. Runs a stack of its own with a
# known value for every secret (gateway API key, eventgen and dev-broker operator keys, the PII
# HMAC key, pipeline_writer's password inside the transformer's DATABASE_URL), streams events,
# provokes the error paths that are likeliest to echo configuration (wrong keys, bad bodies, a
# PostgreSQL outage under load), collects every service's /metrics and every error body, stops
# the stack and greps all of it — logs included — for each secret.
#   tests/reliability/secrets_not_leaked.sh     (ports via env, like every stack script)
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
export_database_url

OUT="$RUN_DIR/leak-check"
cleanup() { "$ROOT/scripts/stack.sh" down >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR" "$OUT"

# Every secret the stack reads, with a value that cannot occur by chance. stack_secret keeps
# its files in $RUN_DIR: writing them first makes the stack use these values.
(umask 077
 echo "gwkey$(openssl rand -hex 12)" >"$RUN_DIR/gateway_api_key"
 echo "pii$(openssl rand -hex 16)" >"$RUN_DIR/pii_hmac_key"
 echo "pw$(openssl rand -hex 12)" >"$RUN_DIR/pipeline_writer_password")
export EVENTGEN_API_KEYS="egkey$(openssl rand -hex 12)"
export DEV_BROKER_API_KEYS="brkey$(openssl rand -hex 12)"
SECRETS=("$(cat "$RUN_DIR/gateway_api_key")" "$(cat "$RUN_DIR/pii_hmac_key")"
         "$(cat "$RUN_DIR/pipeline_writer_password")" "$EVENTGEN_API_KEYS" "$DEV_BROKER_API_KEYS")

"$ROOT/scripts/stack.sh" up >"$OUT/stack-up.log" 2>&1 || { cat "$OUT/stack-up.log"; die "stack did not start"; }
gateway="http://127.0.0.1:$GATEWAY_PORT"
eventgen="http://127.0.0.1:$EVENTGEN_PORT"
key="$(cat "$RUN_DIR/gateway_api_key")"

# What a client sees when it gets things wrong: each answer's body is kept for the grep.
n=0
answer() { n=$((n + 1)); curl -s -m 10 -o "$OUT/answer-$n.txt" -w '%{http_code}\n' "$@" >>"$OUT/codes.txt" || true; }
answer -X POST -H 'Content-Type: application/json' -d '{}' "$gateway/v1/events/commerce.transaction"
answer -X POST -H 'Content-Type: application/json' -H "X-API-Key: ${key}x" -d '{}' "$gateway/v1/events/commerce.transaction"
answer -X POST -H 'Content-Type: application/json' -H "X-API-Key: $key" -d '{"order_id":1}' "$gateway/v1/events/commerce.transaction"
answer -X POST -H 'Content-Type: application/json' -d '{"count":10}' "$eventgen/v1/load"
answer -X POST -H 'Content-Type: application/json' -H "X-API-Key: $EVENTGEN_API_KEYS" -d '{"count":-1}' "$eventgen/v1/load"
answer -X POST -H "X-API-Key: ${DEV_BROKER_API_KEYS}" "http://127.0.0.1:$BROKER_CONTROL_PORT/v1/brokers/99/down"
answer "http://127.0.0.1:$KPI_API_PORT/v1/kpi/summary?from=nope"

# Load through a PostgreSQL outage: the transformer and kpi-api log their connection errors.
GATEWAY_API_KEY="$key" "$BIN_DIR/eventgen" load --gateway "$gateway" --type transactions \
  --count 3000 --rate 1500 --batch 500 >"$OUT/load.json" 2>"$OUT/load.log" &
loader=$!
sleep 1
pg_stop >/dev/null 2>&1
sleep 3
answer "http://127.0.0.1:$KPI_API_PORT/v1/kpi/summary"
answer "http://127.0.0.1:$TRANSFORMER_PORT/readyz"
pg_start >/dev/null 2>&1
wait "$loader" || true
wait_http "http://127.0.0.1:$TRANSFORMER_PORT/readyz" 60 transformer

for s in kafka-dev-broker eventgen ingest-gateway transformer kpi-api; do
  curl -fsS -m 10 "http://127.0.0.1:$(service_port "$s")/metrics" >"$OUT/metrics-$s.txt" \
    || die "$s did not answer /metrics"
done
"$ROOT/scripts/stack.sh" down >/dev/null 2>&1
trap - EXIT

checked=$(find "$RUN_DIR/logs" "$OUT" -type f | wc -l)
bytes=$(cat "$RUN_DIR"/logs/* "$OUT"/* | wc -c)
[ "$bytes" -gt 10000 ] || die "too little output to check ($bytes bytes): did the run happen?"
leaks=0
for secret in "${SECRETS[@]}"; do
  if hits="$(grep -rlF -- "$secret" "$RUN_DIR/logs" "$OUT")"; then
    echo "LEAK: a secret (${#secret} characters, starting ${secret:0:4}) appears in: $hits"
    leaks=$((leaks + 1))
  fi
done
[ "$leaks" = 0 ] || die "$leaks secret(s) leaked"
echo "no secret in $checked files ($bytes bytes: every service's log, /metrics and $n error answers)"
