#!/usr/bin/env python3
"""Checks that the alerting rules and the Grafana dashboard only query metrics that exist.

The metrics that exist are read from the services' sources: every registry.counter / gauge /
histogram call in services/ and common/ (name and label keys), plus what Prometheus adds (`up`,
the `job` and `instance` target labels, a histogram's _bucket / _sum / _count and `le`). Then:
  - docker/grafana/dashboard.json is JSON, a Grafana dashboard with a Prometheus datasource
    variable that every panel and query uses, unique panel ids, and an expr on every query;
  - every PromQL expression (the dashboard's and docker/prometheus/alerts.yml's) names only
    metrics that exist, selects them only on labels they have, and groups only on known labels.
Usage: monitoring_exprs.py REPO_ROOT. Exit 1 listing every problem.
"""
import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
problems = []

# ------------------------------------------------------------------------ metrics in source
CALL = re.compile(r'\.(counter|gauge|histogram)\(\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"')
LABEL_KEY = re.compile(r'\{\s*"([a-zA-Z_][a-zA-Z0-9_]*)"\s*,')
TARGET_LABELS = {"job", "instance"}


def call_text(src, start):
    """The text of the call whose '(' is at start, up to its matching ')', strings skipped."""
    depth, i, in_str = 0, start, False
    while i < len(src):
        c = src[i]
        if in_str:
            if c == "\\":
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return src[start:i + 1]
        i += 1
    return src[start:]


metrics = {"up": set(TARGET_LABELS)}  # name -> label keys
for path in list((ROOT / "services").rglob("*.cpp")) + list((ROOT / "common").rglob("*.cpp")):
    src = path.read_text(encoding="utf-8", errors="replace")
    for m in CALL.finditer(src):
        kind, name = m.group(1), m.group(2)
        labels = set(LABEL_KEY.findall(call_text(src, src.index("(", m.start(0)))))
        labels |= TARGET_LABELS
        if kind == "histogram":
            metrics.setdefault(name + "_bucket", set()).update(labels | {"le"})
            metrics.setdefault(name + "_sum", set()).update(labels)
            metrics.setdefault(name + "_count", set()).update(labels)
        else:
            metrics.setdefault(name, set()).update(labels)
if len(metrics) < 10:
    problems.append(f"found only {len(metrics)} metrics in the sources: is {ROOT} the repository?")
all_labels = set().union(*metrics.values())

# ------------------------------------------------------------------------------ PromQL scan
AGGREGATIONS = {"sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk",
                "quantile", "count_values", "group"}
KEYWORDS = {"and", "or", "unless", "bool", "offset"}
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
TOKEN = re.compile(r'\s+|"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?'
                   r'|[a-zA-Z_:][a-zA-Z0-9_:]*|=~|!~|!=|==|>=|<=|.')


def check_expr(expr, where):
    tokens = [t for t in TOKEN.findall(expr) if t.strip()]
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if tok in GROUPING and nxt == "(":
            j = i + 2
            while j < len(tokens) and tokens[j] != ")":
                if re.match(r"[a-zA-Z_]", tokens[j]) and tokens[j] not in all_labels:
                    problems.append(f"{where}: groups on unknown label {tokens[j]!r}: {expr}")
                j += 1
            i = j + 1
            continue
        if not re.fullmatch(r"[a-zA-Z_:][a-zA-Z0-9_:]*", tok) or tok in AGGREGATIONS | KEYWORDS:
            i += 1
            continue
        if nxt == "(":  # a function
            i += 1
            continue
        known = tok in metrics
        if not known:
            problems.append(f"{where}: unknown metric {tok!r}: {expr}")
        i += 1
        if nxt == "{":
            j = i + 1
            while j < len(tokens) and tokens[j] != "}":
                if re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", tokens[j]) and j + 1 < len(tokens) \
                        and tokens[j + 1] in ("=", "!=", "=~", "!~"):
                    if known and tokens[j] not in metrics[tok]:
                        problems.append(f"{where}: {tok} has no label {tokens[j]!r} "
                                        f"(it has {sorted(metrics[tok])}): {expr}")
                j += 1
            i = j + 1


# ----------------------------------------------------------------------------- alerts.yml
rules = yaml.safe_load((ROOT / "docker/prometheus/alerts.yml").read_text())
alert_names = []
for group in rules["groups"]:
    for rule in group["rules"]:
        name = rule.get("alert") or rule.get("record")
        alert_names.append(name)
        check_expr(rule["expr"], f"alerts.yml {name}")
        if "alert" in rule:
            for key in ("summary", "description", "runbook_url"):
                if key not in rule.get("annotations", {}):
                    problems.append(f"alerts.yml {name}: no {key} annotation")
            if rule.get("labels", {}).get("severity") not in ("warning", "critical"):
                problems.append(f"alerts.yml {name}: severity is not warning or critical")
            if "for" not in rule:
                problems.append(f"alerts.yml {name}: no for:")
            if not str(rule.get("annotations", {}).get("runbook_url", "")).startswith(
                    "docs/operations.md#"):
                problems.append(f"alerts.yml {name}: runbook_url is not docs/operations.md#...")

# Every alert has a test that sees it fire.
tests = yaml.safe_load((ROOT / "docker/prometheus/alerts_test.yml").read_text())
fired = {t["alertname"] for case in tests["tests"] for t in case.get("alert_rule_test", [])
         if t.get("exp_alerts")}
for name in alert_names:
    if name not in fired:
        problems.append(f"alerts_test.yml: no test sees {name} fire")

# ------------------------------------------------------------------------- dashboard.json
try:
    dash = json.loads((ROOT / "docker/grafana/dashboard.json").read_text())
except ValueError as e:
    problems.append(f"dashboard.json is not JSON: {e}")
    dash = {"panels": []}
if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 36:
    problems.append(f"dashboard.json: schemaVersion {dash.get('schemaVersion')!r}, want >= 36")
variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
ds_var = variables.get("datasource", {})
if ds_var.get("type") != "datasource" or ds_var.get("query") != "prometheus":
    problems.append("dashboard.json: no datasource variable 'datasource' of type prometheus")
ids, exprs = set(), 0
for panel in dash.get("panels", []):
    pid = panel.get("id")
    if pid in ids:
        problems.append(f"dashboard.json: panel id {pid} twice")
    ids.add(pid)
    if "gridPos" not in panel:
        problems.append(f"dashboard.json: panel {panel.get('title')!r} has no gridPos")
    if panel.get("type") == "row":
        continue
    if panel.get("datasource", {}).get("uid") != "${datasource}":
        problems.append(f"dashboard.json: panel {panel.get('title')!r} does not use ${{datasource}}")
    if not panel.get("targets"):
        problems.append(f"dashboard.json: panel {panel.get('title')!r} has no query")
    for target in panel.get("targets", []):
        if target.get("datasource", {}).get("uid") != "${datasource}":
            problems.append(f"dashboard.json: a query of {panel.get('title')!r} does not use "
                            "${datasource}")
        expr = target.get("expr", "")
        if not expr.strip():
            problems.append(f"dashboard.json: a query of {panel.get('title')!r} has no expr")
            continue
        exprs += 1
        check_expr(expr, f"dashboard.json {panel.get('title')!r}")

for p in problems:
    print("FAIL:", p)
print(f"{len(metrics)} metric series names in the sources; {len(alert_names)} rules and "
      f"{exprs} dashboard queries checked; {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
