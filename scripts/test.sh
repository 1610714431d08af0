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

# Start from nothing: leftovers of an earlier, interrupted run are stopped and removed (also
# those of the demo_once system test, whose stack lives in .run/demo-test on port 5435).
RUN_DIR="$ROOT/.run/demo-test" PG_PORT=5435 "$ROOT/scripts/stack.sh" down >/dev/null 2>&1 || true
rm -rf "$ROOT/.run/demo-test"
broker_stop
pg_stop
rm -rf "$RUN_DIR"

# The sanitizer and fuzzing stage (scripts/sanitize.sh: ASan + UBSan over the unit and
# in-process integration tests, then every fuzzer for 20 s), against this PostgreSQL and broker.
# CI always runs it; locally SANITIZE=0 skips it, and so does a run narrowed by ctest arguments
# (-L unit, -R ...) unless SANITIZE=1.
sanitize_stage=0
if [ "${CI:-}" = true ] || { [ "${SANITIZE:-}" != 0 ] && { [ $# -eq 0 ] || [ "${SANITIZE:-}" = 1 ]; }; }; then
  sanitize_stage=1
fi
sanitize_build=""

cleanup() {
  # The background build of the sanitizer tree, when ctest failed before it was waited for.
  [ -z "$sanitize_build" ] || kill -- "-$sanitize_build" 2>/dev/null || true
  broker_stop
  pg_stop
}
trap cleanup EXIT

pg_start
broker_start
export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
export DEV_BROKER_CONTROL="http://127.0.0.1:$BROKER_CONTROL_PORT"

if [ "$sanitize_stage" = 1 ]; then
  # Its (clang) build runs beside ctest at the lowest CPU priority, in the time the tests spend
  # waiting on PostgreSQL, Kafka and their own clocks; in a process group of its own, so a
  # failed run stops all of it.
  log "building the sanitizer tree beside the tests, at the lowest priority ($RUN_DIR/sanitize-build.log)"
  setsid -w nice -n 19 "$ROOT/scripts/sanitize.sh" --build-only >"$RUN_DIR/sanitize-build.log" 2>&1 &
  sanitize_build=$!
fi

log "running tests"
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 600 --parallel 2 "$@"

if [ "$sanitize_stage" = 1 ]; then
  log "waiting for the sanitizer tree"
  wait "$sanitize_build" || { tail -40 "$RUN_DIR/sanitize-build.log" >&2; die "the sanitizer tree did not build"; }
  sanitize_build=""
  "$ROOT/scripts/sanitize.sh"
else
  log "skipping the sanitizer and fuzzing stage (SANITIZE=0, or a narrowed run); CI always runs it"
fi
