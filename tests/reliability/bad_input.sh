#!/usr/bin/env bash
# The bad-input catalogue (tests/reliability/bad_input.py) on a stack of its own: PostgreSQL,
# the dev broker and the four services on ports of their own and state in .run/bad-input, so
# it never disturbs a running demo or test stack. The stack is stopped on exit, pass or fail.
#   tests/reliability/bad_input.sh             run it and rewrite docs/reliability.md's section
#   tests/reliability/bad_input.sh --no-doc    run it only (what ctest does)
# Other arguments go to bad_input.py (e.g. --quick, --only kpi-api). On a machine where others
# build the same tree, BUILD_LOCK=/path/to/lockfile makes stack.sh's build wait for theirs.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export RUN_DIR="${RUN_DIR:-$ROOT/.run/bad-input}"
export PG_PORT="${PG_PORT:-5436}"
export BROKER_CONTROL_PORT="${BROKER_CONTROL_PORT:-18290}"
export GATEWAY_PORT="${GATEWAY_PORT:-18280}"
export EVENTGEN_PORT="${EVENTGEN_PORT:-18281}"
export TRANSFORMER_PORT="${TRANSFORMER_PORT:-18282}"
export KPI_API_PORT="${KPI_API_PORT:-18283}"
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:$PG_PORT/analytics}"
export PG_FSYNC="${PG_FSYNC:-off}"  # disposable data

doc=(--doc "$ROOT/docs/reliability.md")
args=()
for a in "$@"; do
  case "$a" in
    --no-doc) doc=() ;;
    *) args+=("$a") ;;
  esac
done

# A fresh stack every run: the catalogue checks what arrives, not what an earlier run left.
"$ROOT/scripts/stack.sh" down >/dev/null 2>&1 || true
rm -rf "$RUN_DIR"
trap '"$ROOT/scripts/stack.sh" down >/dev/null 2>&1 || true' EXIT
# stack.sh up builds first (a no-op when the tree is built).
if [ -n "${BUILD_LOCK:-}" ]; then
  flock "$BUILD_LOCK" "$ROOT/scripts/stack.sh" up
else
  "$ROOT/scripts/stack.sh" up
fi
python3 "$ROOT/tests/reliability/bad_input.py" "${doc[@]}" "${args[@]}"
