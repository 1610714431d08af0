#!/usr/bin/env bash
# Where the services listen, checked on the real binaries: every service binds 127.0.0.1 by
# default; eventgen and the dev broker (operator actions: load jobs, fault injection) refuse a
# non-loopback HTTP_HOST unless API keys are set. Needs no PostgreSQL and no broker.
#   tests/reliability/listen_defaults.sh BIN_DIR
set -euo pipefail
BIN_DIR="${1:?usage: listen_defaults.sh BIN_DIR}"
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# Starts $1 with the environment in the remaining arguments and port 0 (any free port); prints
# the port the service says it bound once it is listening.
start_and_port() {
  local bin="$1"; shift
  env "$@" HTTP_PORT=0 "$BIN_DIR/$bin" >"$WORK/$bin.log" 2>&1 &
  PIDS+=($!)
  local pid=$!
  for _ in $(seq 1 100); do
    local port
    port="$(grep -oE '(started|control_port=)[^0-9]*[0-9]+' "$WORK/$bin.log" | grep -oE '[0-9]+$' | head -1 || true)"
    [ -n "$port" ] && { echo "$pid $port"; return 0; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$bin did not start:" >&2; cat "$WORK/$bin.log" >&2
  return 1
}

# The local addresses a process listens on (from ss, owner pid matched).
listen_addresses() {
  ss -Htlnp 2>/dev/null | grep "pid=$1," | awk '{print $4}' | sort -u
}

for bin in eventgen kafka-dev-broker ingest-gateway; do
  if read -r pid port < <(start_and_port "$bin" KAFKA_BROKERS=127.0.0.1:1); then
    addrs="$(listen_addresses "$pid" | grep ":$port\$" || true)"
    if [ "$addrs" = "127.0.0.1:$port" ]; then
      pass "$bin listens on 127.0.0.1:$port only by default"
    else
      fail "$bin by default listens on: ${addrs:-nothing seen}"
    fi
    kill -TERM "$pid" 2>/dev/null || true
  else
    fail "$bin did not start with its defaults"
  fi
done

for bin in eventgen kafka-dev-broker; do
  set +e
  HTTP_HOST=0.0.0.0 HTTP_PORT=0 timeout 10 "$BIN_DIR/$bin" >"$WORK/$bin.refused" 2>&1
  rc=$?
  set -e
  if [ "$rc" = 2 ] && grep -q "API_KEYS" "$WORK/$bin.refused"; then
    pass "$bin refuses HTTP_HOST=0.0.0.0 without API keys (exit 2, names the variable)"
  else
    fail "$bin with HTTP_HOST=0.0.0.0 and no keys: exit $rc: $(head -c 300 "$WORK/$bin.refused")"
  fi
done

# With keys it starts on the address asked for.
prefix_of() { [ "$1" = eventgen ] && echo EVENTGEN || echo DEV_BROKER; }
for bin in eventgen kafka-dev-broker; do
  var="$(prefix_of "$bin")_API_KEYS"
  if read -r pid port < <(start_and_port "$bin" HTTP_HOST=0.0.0.0 "$var=listen-test-key-0123456789"); then
    pass "$bin starts on 0.0.0.0:$port once $var is set"
    kill -TERM "$pid" 2>/dev/null || true
  else
    fail "$bin did not start on 0.0.0.0 with $var set"
  fi
done

[ "$failures" = 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all listen checks passed"
