#!/usr/bin/env bash
# The monitoring files are valid and say what they mean: promtool (Debian package prometheus)
# checks docker/prometheus/prometheus.yml and alerts.yml and runs the rules' unit tests
# (alerts_test.yml: each alert fires on synthetic series and stays quiet on healthy ones);
# monitoring_exprs.py checks the Grafana dashboard and that every query names real metrics and
# labels. A missing promtool or PyYAML fails the test: it never skips.
#   tests/reliability/monitoring_config.sh [REPO_ROOT]
set -euo pipefail
ROOT="${1:-$(cd "$(dirname "$0")/../.." && pwd)}"
PROM="$ROOT/docker/prometheus"

command -v promtool >/dev/null 2>&1 || {
  echo "FAIL: promtool not found: install the Debian package prometheus (scripts/lib.sh lists it)"
  exit 1
}
python3 -c 'import yaml' 2>/dev/null || { echo "FAIL: python3 yaml module missing (python3-yaml)"; exit 1; }

promtool check config "$PROM/prometheus.yml"
promtool check rules "$PROM/alerts.yml"
# promtool resolves rule_files relative to the test file.
promtool test rules "$PROM/alerts_test.yml"
python3 "$ROOT/tests/reliability/monitoring_exprs.py" "$ROOT"
# Every alert's runbook link lands on a heading of docs/operations.md.
for anchor in $(grep -oE 'operations\.md#[a-z0-9-]+' "$PROM/alerts.yml" | sort -u | cut -d'#' -f2); do
  grep -qiE "^#+ $(echo "$anchor" | sed 's/-/[ -]/g')\$" "$ROOT/docs/operations.md" \
    || { echo "FAIL: alerts.yml links docs/operations.md#$anchor, which has no such heading"; exit 1; }
done
echo "ok: prometheus.yml, alerts.yml (unit-tested) and docker/grafana/dashboard.json"
