#!/usr/bin/env bash
# Every benchmark of the project. Each one builds what it needs in Release (into
# build-release/, tests off), measures beside its physical limit in the same run, and rewrites
# only its own section of docs/benchmarks.md (between <!-- bench:NAME:begin/end --> markers).
#   bench/run.sh [eventgen|gateway|transformer|kpi|scaleout|all]      default: all
# A new benchmark is a directory bench/NAME/ with a run.sh, added to BENCHMARKS below, and a
# pair of markers in docs/benchmarks.md.
set -euo pipefail
BENCH_ROOT="$(cd "$(dirname "$0")" && pwd)"
BENCHMARKS=(eventgen gateway transformer kpi scaleout)

usage() { (IFS='|' && echo "usage: $0 [${BENCHMARKS[*]}|all]" >&2); exit 2; }
[ $# -le 1 ] || usage
selected=()
case "${1:-all}" in
  all) selected=("${BENCHMARKS[@]}") ;;
  -h | --help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *)
    for b in "${BENCHMARKS[@]}"; do [ "$b" = "$1" ] && selected=("$1"); done
    [ ${#selected[@]} -gt 0 ] || usage
    ;;
esac

for b in "${selected[@]}"; do
  printf '\033[1m==> benchmark: %s\033[0m\n' "$b" >&2
  "$BENCH_ROOT/$b/run.sh"
done
