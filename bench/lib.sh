# Shared functions of the benchmark scripts. Source it; do not run it.
# A benchmark script sets its stack's ports and RUN_DIR (if it runs services) before sourcing.
# Benchmarks build in Release into $BENCH_BUILD_DIR (default build-release/, tests off) and
# write their results only between their own markers in docs/benchmarks.md.

BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD_DIR="${BENCH_BUILD_DIR:-$BENCH_ROOT/../build-release}"
source "$BENCH_ROOT/../scripts/lib.sh"  # ROOT, BIN_DIR, log, die, the stack functions
BUILD_DIR="$(cd "$ROOT" && mkdir -p "$BUILD_DIR" && cd "$BUILD_DIR" && pwd)"
BIN_DIR="$BUILD_DIR/bin"
BENCH_DOC="$ROOT/docs/benchmarks.md"
# The benchmarks' shared Python (bench/python/bench_table.py: the docs table, rate formats).
export BENCH_PYTHON="$BENCH_ROOT/python"

# Builds the given targets in Release (configuring $BUILD_DIR the first time).
bench_build() {
  ensure_packages
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    log "configuring a Release build in $BUILD_DIR"
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DANALYTICS_BUILD_TESTS=OFF >/dev/null
  fi
  log "building (Release) $*"
  cmake --build "$BUILD_DIR" --target "$@" >/dev/null
}

# The commit measured, marked when the working tree differed from it (other than in the
# benchmarks' own output, which an earlier benchmark of the same run may have rewritten).
bench_commit() {
  local c
  c="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)" || { echo "unknown"; return; }
  if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no -- . \
    ":(exclude)${BENCH_DOC#"$ROOT"/}" 2>/dev/null)" ]; then
    c="$c + uncommitted changes"
  fi
  echo "$c"
}

bench_date() { date -u +%Y-%m-%d; }

# The machines are shared: how busy this one was when the benchmark started goes beside its
# figures.
BENCH_LOADAVG="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo unknown)"

# "AMD EPYC 7B13, 2 cores, load average 0.35 at the start"
bench_machine() {
  local model
  model="$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
  echo "${model:-unknown CPU}, $(nproc) cores, load average $BENCH_LOADAVG at the start"
}

# The median of the numbers given as arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Replaces what lies between <!-- bench:NAME:begin --> and <!-- bench:NAME:end --> in
# docs/benchmarks.md with the content of FILE; the rest of the document is left as it is.
bench_write_section() {
  local name="$1" file="$2" begin="<!-- bench:$1:begin -->" end="<!-- bench:$1:end -->"
  [ "$(grep -cxF "$begin" "$BENCH_DOC")" = 1 ] && [ "$(grep -cxF "$end" "$BENCH_DOC")" = 1 ] \
    || die "$BENCH_DOC must hold the lines '$begin' and '$end' once each"
  local tmp="$BENCH_DOC.tmp.$$"
  awk -v begin="$begin" -v end="$end" -v file="$file" '
    $0 == begin { print; while ((getline line < file) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }' "$BENCH_DOC" >"$tmp"
  mv "$tmp" "$BENCH_DOC"
  log "wrote the $name section of ${BENCH_DOC#"$ROOT"/}"
}
