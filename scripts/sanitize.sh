#!/usr/bin/env bash
# The sanitizer and fuzzing stage (docs/reliability.md, "Fuzzing" and "Sanitizers"). Builds
# build-asan/ with clang, AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer included)
# and the libFuzzer targets of fuzz/, then runs under them: the unit tests, the in-process
# integration tests (real PostgreSQL + dev broker) and every fuzzer for a bounded time over its
# seed corpus. Any sanitizer report, failed test or fuzzer crash fails it.
#
# scripts/test.sh runs it after ctest, against its own PostgreSQL and broker (it passes
# TEST_DATABASE_URL, KAFKA_BROKERS and DEV_BROKER_CONTROL). Run alone, it starts a PostgreSQL and
# an (ASan-built) dev broker of its own on port 5447 and control port 8197 (state in
# .run/sanitize/), and stops them on exit.
#   scripts/sanitize.sh                          build, tests, fuzzers (FUZZ_SECONDS=20 each)
#   scripts/sanitize.sh --fuzz-only              build and fuzzers only
#   FUZZ_SECONDS=300 scripts/sanitize.sh --fuzz-only --docs
#                                                the documented long run; --docs rewrites the
#                                                Fuzzing and Sanitizers sections of
#                                                docs/reliability.md from this run's results
#   scripts/sanitize.sh --build-only             only the build (scripts/test.sh runs it during ctest)
#   scripts/sanitize.sh --tsan                   ThreadSanitizer over the unit tests (build-tsan/)
#   SANITIZE=0 scripts/test.sh                   skips this stage (local runs only; CI runs it)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ASAN_DIR="${ASAN_BUILD_DIR:-$ROOT/build-asan}"
TSAN_DIR="${TSAN_BUILD_DIR:-$ROOT/build-tsan}"
FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
STATE="$ROOT/.run/sanitize"
FUZZERS=(request_body schema_validation gzip_body iso8601 silver_mappers kpi_params)
# Tests that are not in-process: DashboardTest drives headless Chromium against the real
# binaries of the gcc tree (ctest runs it); the demo system test is a script over those binaries.
INTEGRATION_FILTER="-DashboardTest.*"

mode=all
write_docs=0
for arg in "$@"; do
  case "$arg" in
    --fuzz-only) mode=fuzz ;;
    --build-only) mode=build ;;
    --tsan) mode=tsan ;;
    --docs) write_docs=1 ;;
    *) die "unknown argument: $arg (see the header of $0)" ;;
  esac
done

# Every finding stops the run with a stack; UBSan's too (-fno-sanitize-recover=all).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$ROOT/tests/sanitizers/lsan.supp:print_suppressions=0}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1:suppressions=$ROOT/tests/sanitizers/tsan.supp}"

mkdir -p "$STATE/results"
RESULTS="$STATE/results"
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }'; }

# Configures (once) and builds only what this stage runs: the test binaries, the transformer
# (restart_test runs it), the dev broker (for a standalone run) and the fuzzers.
build_tree() {
  local dir="$1" sanitize="$2" fuzzers="$3"; shift 3
  if [ ! -f "$dir/build.ninja" ]; then
    # -O1 and line tables only: ASan's usual trade of compile time, speed and readable stacks.
    cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" \
      -DANALYTICS_SANITIZE="$sanitize" -DANALYTICS_BUILD_FUZZERS="$fuzzers" \
      -DANALYTICS_BUILD_BENCH=OFF >/dev/null
  fi
  cmake --build "$dir" --target "$@"
}

# Fails when a log holds a sanitizer report (a child process's, e.g. the broker's or the
# transformer's that restart_test starts, would not fail the test binary itself).
check_log_clean() {
  if grep -qE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|WARNING: ThreadSanitizer" "$1"; then
    grep -nE -A30 "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|WARNING: ThreadSanitizer" "$1" | head -80 >&2
    return 1
  fi
}

# From a gtest log: how many tests ran (`ran`) or passed (`passed`); 0 when it did not say.
gtest_count() {
  local n
  case "$1" in
    ran) n="$(awk '/^\[==========\] [0-9]+ tests? from .* ran/ { print $2; exit }' "$2")" ;;
    passed) n="$(awk '/^\[  PASSED  \] [0-9]+/ { print $4; exit }' "$2")" ;;
  esac
  echo "${n:-0}"
}

# Runs a gtest binary in two shards at once (2 cores); fails unless both pass cleanly.
run_gtest() {
  local name="$1" binary="$2" filter="$3" started rc=0 pids=() i
  started="$(now)"
  log "$name: $binary${filter:+ --gtest_filter=$filter} (2 shards)"
  for i in 0 1; do
    GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=$i "$binary" --gtest_brief=1 ${filter:+--gtest_filter="$filter"} \
      >"$RESULTS/$name.$i.log" 2>&1 &
    pids+=($!)
  done
  for i in 0 1; do wait "${pids[$i]}" || rc=1; done
  local tests=0 passed=0
  for i in 0 1; do
    check_log_clean "$RESULTS/$name.$i.log" || rc=1
    tests=$((tests + $(gtest_count ran "$RESULTS/$name.$i.log")))
    passed=$((passed + $(gtest_count passed "$RESULTS/$name.$i.log")))
  done
  local seconds; seconds="$(elapsed "$started")"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$tests" "$passed" "$seconds" "$([ $rc = 0 ] && echo pass || echo FAIL)" \
    >"$RESULTS/$name.tsv"
  if [ $rc != 0 ]; then
    # What failed, with the lines gtest printed under it (the values compared).
    for i in 0 1; do grep -E -A7 "^\[  FAILED  \]|Failure" "$RESULTS/$name.$i.log" | head -60 >&2 || true; done
    die "$name failed under the sanitizers; logs: $RESULTS/$name.{0,1}.log"
  fi
  log "$name: $passed of $tests tests passed in ${seconds}s, no sanitizer report"
}

# Runs one fuzzer for FUZZ_SECONDS over its seed corpus (new inputs go to a scratch corpus, not
# the repository). Prints a result line; fails on any crash, leak, timeout or broken invariant.
run_fuzzer() {
  local t="$1" bin="$ASAN_DIR/fuzz/${1}_fuzz" work="$STATE/fuzz/$1" log="$RESULTS/fuzz-$1.log"
  rm -rf "$work" && mkdir -p "$work" "$STATE/fuzz-artifacts"
  local rc=0
  "$bin" -max_total_time="$FUZZ_SECONDS" -max_len=8192 -timeout=10 -rss_limit_mb=2560 \
    -print_final_stats=1 -artifact_prefix="$STATE/fuzz-artifacts/$t-" "$work" "$ROOT/fuzz/corpus/$t" \
    >"$log" 2>&1 || rc=$?
  local seeds execs per_sec cov ft corpus
  seeds="$(find "$ROOT/fuzz/corpus/$t" -type f | wc -l)"
  execs="$(awk '/stat::number_of_executed_units/ {print $2}' "$log")"
  per_sec="$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")"
  cov="$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)"
  ft="$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)"
  corpus="$(grep -oE 'corp: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$seeds" "$FUZZ_SECONDS" "${execs:-0}" "${per_sec:-0}" \
    "$cov" "$ft" "$corpus" "$([ $rc = 0 ] && echo 0 || echo 1)" >"$RESULTS/fuzz-$t.tsv"
  if [ $rc != 0 ]; then
    grep -E "ERROR|invariant broken|SUMMARY|Test unit written" "$log" | head -10 >&2
    echo "fuzzer $t failed (exit $rc); log: $log" >&2
    return 1
  fi
}

run_fuzzers() {
  local started failed=0 t pids=() names=()
  started="$(now)"
  log "fuzzing: ${#FUZZERS[@]} targets, ${FUZZ_SECONDS}s each over fuzz/corpus/, two at a time"
  rm -f "$RESULTS"/fuzz-*.tsv
  for t in "${FUZZERS[@]}"; do
    run_fuzzer "$t" &
    pids+=($!) names+=("$t")
    if [ ${#pids[@]} -eq 2 ]; then
      for i in 0 1; do wait "${pids[$i]}" || failed=1; done
      pids=() names=()
    fi
  done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  printf 'target\tseeds\tseconds\texecutions\texec/s\tcoverage\tfeatures\tcorpus\tcrashes\n'
  cat "$RESULTS"/fuzz-*.tsv
  echo "$FUZZ_SECONDS" >"$RESULTS/fuzz-seconds"
  # A long run keeps its figures apart, for the documentation.
  local kept=short
  [ "$FUZZ_SECONDS" -ge 120 ] && kept=long
  mkdir -p "$RESULTS/$kept" && cp "$RESULTS"/fuzz-*.tsv "$RESULTS/fuzz-seconds" "$RESULTS/commit" "$RESULTS/$kept/"
  log "fuzzing done in $(elapsed "$started")s"
  if [ $failed != 0 ]; then
    echo "a fuzzer found a crash or a broken invariant; reproduce with:" \
      "<tree>/fuzz/<target>_fuzz $STATE/fuzz-artifacts/<file>" >&2
    return 1
  fi
}

# The environment of the integration tests: the caller's (scripts/test.sh), or a PostgreSQL and
# dev broker of this script's own.
own_stack=0
start_own_stack() {
  RUN_DIR="$STATE/stack"
  PG_PORT="${SANITIZE_PG_PORT:-5447}"
  BROKER_CONTROL_PORT="${SANITIZE_BROKER_CONTROL_PORT:-8197}"
  BIN_DIR="$ASAN_DIR/bin"
  PG_FSYNC=off
  own_stack=1
  trap stop_own_stack EXIT
  pg_start
  broker_start
  export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
  export DEV_BROKER_CONTROL="http://127.0.0.1:$BROKER_CONTROL_PORT"
}
stop_own_stack() {
  [ "$own_stack" = 1 ] || return 0
  broker_stop
  pg_stop
}

build_asan() {
  local started seconds targets=(fuzzers)
  [ "$mode" != fuzz ] && targets+=(unit_tests integration_tests fault_tests transformer)
  # A broker of its own only when the caller gave none.
  [ "$mode" != fuzz ] && [ -z "${KAFKA_BROKERS:-}" ] && targets+=(kafka-dev-broker)
  started="$(now)"
  log "building the sanitizer tree $ASAN_DIR (clang, ASan + UBSan, fuzzers): ${targets[*]}"
  build_tree "$ASAN_DIR" address ON "${targets[@]}" | tee "$RESULTS/build.log"
  seconds="$(elapsed "$started")"
  # The figure of the build that did the work (scripts/test.sh builds ahead, during ctest).
  grep -q "no work to do" "$RESULTS/build.log" || echo "$seconds" >"$RESULTS/build-seconds"
  log "sanitizer tree built in ${seconds}s"
}

run_asan() {
  build_asan
  [ "$mode" = build ] && return 0
  if [ "$mode" != all ]; then
    run_fuzzers
    return
  fi
  if [ -z "${TEST_DATABASE_URL:-}" ] || [ -z "${KAFKA_BROKERS:-}" ] || [ -z "${DEV_BROKER_CONTROL:-}" ]; then
    start_own_stack
  fi
  # libpq and libpqxx are built without frame pointers: leak stacks through them are cut short
  # unless unwound the slow way, and lsan.supp matches a libpqxx frame. The tests that use them
  # wait on I/O, so the slower malloc costs little there.
  local slow_unwind="$ASAN_OPTIONS:fast_unwind_on_malloc=0" failed=0 unit integration fault
  # The unit tests (CPU) beside the integration tests (mostly waiting on PostgreSQL and Kafka),
  # as ctest runs them; then the fault tests, which take the broker's brokers down and so run
  # without other tests, beside the fuzzers (no network). Two cores stay busy, not one.
  run_gtest unit_tests "$ASAN_DIR/tests/unit_tests" "" &
  unit=$!
  ASAN_OPTIONS="$slow_unwind" run_gtest integration_tests "$ASAN_DIR/tests/integration_tests" \
    "$INTEGRATION_FILTER" &
  integration=$!
  wait "$unit" || failed=1
  wait "$integration" || failed=1
  [ $failed = 0 ] || die "tests failed under the sanitizers (above)"
  ASAN_OPTIONS="$slow_unwind" run_gtest_serial fault_tests "$ASAN_DIR/tests/fault_tests" &
  fault=$!
  run_fuzzers || failed=1
  wait "$fault" || failed=1
  [ $failed = 0 ] || die "the fault tests or a fuzzer failed (above)"
  stop_own_stack
  own_stack=0
  if [ -f "$STATE/stack/logs/kafka-dev-broker.log" ]; then
    check_log_clean "$STATE/stack/logs/kafka-dev-broker.log" || die "the ASan dev broker reported a finding"
  fi
}

# One process, no shards.
run_gtest_serial() {
  local name="$1" binary="$2" started rc=0
  started="$(now)"
  log "$name: $binary"
  "$binary" --gtest_brief=1 >"$RESULTS/$name.0.log" 2>&1 || rc=1
  check_log_clean "$RESULTS/$name.0.log" || rc=1
  local tests passed seconds
  tests="$(gtest_count ran "$RESULTS/$name.0.log")"
  passed="$(gtest_count passed "$RESULTS/$name.0.log")"
  seconds="$(elapsed "$started")"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$tests" "$passed" "$seconds" "$([ $rc = 0 ] && echo pass || echo FAIL)" \
    >"$RESULTS/$name.tsv"
  [ $rc = 0 ] || die "$name failed under the sanitizers; log: $RESULTS/$name.0.log"
  log "$name: $passed of $tests tests passed in ${seconds}s, no sanitizer report"
}

# ThreadSanitizer, by hand (not in CI): the unit tests, and with TSAN_INTEGRATION=1 the
# in-process integration tests too (against the caller's stack or one of its own).
run_tsan() {
  local started targets=(unit_tests)
  [ "${TSAN_INTEGRATION:-0}" = 1 ] && targets+=(integration_tests transformer kafka-dev-broker)
  started="$(now)"
  log "building the ThreadSanitizer tree $TSAN_DIR (clang): ${targets[*]}"
  build_tree "$TSAN_DIR" thread OFF "${targets[@]}"
  log "built in $(elapsed "$started")s"
  : >"$RESULTS/tsan.tsv"
  local failed=0
  tsan_suite unit_tests "$TSAN_DIR/tests/unit_tests" "" || failed=1
  if [ "${TSAN_INTEGRATION:-0}" = 1 ]; then
    ASAN_DIR="$TSAN_DIR"  # the broker of a stack of its own comes from this tree
    if [ -z "${TEST_DATABASE_URL:-}" ] || [ -z "${KAFKA_BROKERS:-}" ]; then start_own_stack; fi
    tsan_suite integration_tests "$TSAN_DIR/tests/integration_tests" "$INTEGRATION_FILTER" || failed=1
    stop_own_stack
  fi
  [ $failed = 0 ]
}

# One suite under TSan, in one process; records how many distinct reports it printed.
tsan_suite() {
  local name="$1" binary="$2" filter="$3" started rc=0 reports
  started="$(now)"
  "$binary" --gtest_brief=1 ${filter:+--gtest_filter="$filter"} >"$RESULTS/tsan-$name.log" 2>&1 || rc=$?
  reports="$(grep -c "WARNING: ThreadSanitizer" "$RESULTS/tsan-$name.log" || true)"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$reports" "$rc" "$(elapsed "$started")" \
    "$(gtest_count passed "$RESULTS/tsan-$name.log")/$(gtest_count ran "$RESULTS/tsan-$name.log")" \
    >>"$RESULTS/tsan.tsv"
  log "ThreadSanitizer, $name: exit $rc, $reports reports; log: $RESULTS/tsan-$name.log"
  [ "$rc" = 0 ] && [ "$reports" = 0 ]
}

stage_started="$(now)"
# The commit measured, for the documentation (sanitize_docs.py).
git -C "$ROOT" rev-parse --short HEAD >"$RESULTS/commit" 2>/dev/null || echo unknown >"$RESULTS/commit"
ensure_packages
case "$mode" in
  tsan) run_tsan ;;
  *) run_asan ;;
esac
[ "$mode" = all ] && elapsed "$stage_started" >"$RESULTS/stage-seconds"
log "sanitizer stage ($mode) done in $(elapsed "$stage_started")s"
if [ "$write_docs" = 1 ]; then
  /usr/bin/python3 "$ROOT/scripts/sanitize_docs.py" "$RESULTS" "$ROOT/docs/reliability.md"
fi
