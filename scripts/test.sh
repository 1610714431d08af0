#!/usr/bin/env bash
# Runs every test: unit, component and integration (real PostgreSQL 15 + kafka-dev-broker,
# started here and stopped on exit, even on failure), plus the demo end to end on the real
# binaries. Exits non-zero when any test fails.
#   scripts/test.sh                 everything
#   scripts/test.sh -L unit         only one ctest label (unit | integration | system)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# A stack of its own, so tests never touch a running demo.
RUN_DIR="$ROOT/.run/test"
PG_PORT="${TEST_PG_PORT:-5434}"
BROKER_CONTROL_PORT="${TEST_BROKER_CONTROL_PORT:-8190}"
PG_FSYNC=off  # test data is disposable; durability is tested by the fault tests, not here

ensure_packages
build

cleanup() {
  broker_stop
  pg_stop
}
trap cleanup EXIT

pg_start
broker_start
export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
export DEV_BROKER_CONTROL="http://127.0.0.1:$BROKER_CONTROL_PORT"

log "running tests"
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 600 --parallel 2 "$@"
