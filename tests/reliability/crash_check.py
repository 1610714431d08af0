#!/usr/bin/env python3
"""The crash suite's judge (tests/reliability/crash_suite.sh drives the faults).

The ground truth is what the gateway answered: eventgen's load mode appends one ledger line per
record it got a per-record answer for (`status<TAB>id<TAB>partition<TAB>offset`), and `probe`
below does the same for records built to be rejected (plus a fifth column, the reason the
gateway gave). A scenario's ledgers sit in one directory; `check` compares every ledger written
so far with the warehouse:

- lost: ids the gateway accepted that are in neither silver nor silver.quarantine (must be 0);
- duplicated: ids stored more than once in silver, and Kafka records (topic, partition, offset)
  stored more than once in bronze (must be 0);
- every accepted record's (partition, offset) is a bronze row of its topic;
- every rejected id is a dead letter (bronze rows of events.dlq) with the reason it was given;
- gold equals a recomputation from silver: orders and revenue per day (agg_orders_daily and
  fact_orders), events and revenue per day (agg_interactions_hourly), users and sessions per
  day and platform (daily_distinct);
- unacknowledged landed: ids in silver or quarantine that no ledger says were accepted. A
  request the gateway could not answer (killed mid-request) may still have reached Kafka, so
  these are allowed only after a loader saw unanswered requests, and reported either way.

Subcommands (Python 3 standard library; psql from PATH or PSQL):
  probe     send rejectable records to the gateway for a while, with a ledger
  recovery  seconds from a moment until records land again / a URL answers ready
  wait      until the transformers have caught up with everything in the ledgers (bounded)
  check     judge one scenario against the warehouse; append its row to a results file
  report    print the results table; optionally write it into docs/reliability.md
"""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict

PSQL = os.environ.get("PSQL", "psql")
GROUP = os.environ.get("CONSUMER_GROUP", "transformer")
FS, RS = "\x1f", "\x1e"

# Ledger file stem -> (topic, event type, id field). Files named bad-<stem>.tsv hold probes.
KINDS = {
    "orders": ("events.commerce.transaction", "commerce.transaction", "order_id"),
    "interactions": ("events.user.interaction", "user.interaction", "event_id"),
}
DLQ_TOPIC = "events.dlq"
BEGIN, END = "<!-- reliability:crash:begin -->", "<!-- reliability:crash:end -->"


# --------------------------------------------------------------------------- warehouse access

def query(db: str, sql: str) -> list[list[str]]:
    """Rows of `sql` as lists of strings (NULL as ''); separators no payload here contains."""
    out = subprocess.run(
        [PSQL, db, "-XAtq", "-v", "ON_ERROR_STOP=1", "-P", "pager=off", "-F", FS, "-R", RS,
         "-c", sql], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"psql failed: {out.stderr.strip()}")
    text = out.stdout.rstrip("\n")
    return [r.split(FS) for r in text.split(RS)] if text else []


def scalar(db: str, sql: str) -> str:
    rows = query(db, sql)
    return rows[0][0] if rows and rows[0] else ""


# --------------------------------------------------------------------------- ledgers

class Ledger:
    """Everything one directory of ledgers (or several) says the gateway answered."""

    def __init__(self) -> None:
        self.accepted_ids = {k: set() for k in KINDS}
        self.accepted_records = {k: 0 for k in KINDS}
        self.accepted_offsets = {k: set() for k in KINDS}  # (partition, offset)
        self.rejected = {k: {} for k in KINDS}  # id -> reason given ('' when unknown)
        self.rejected_records = 0
        self.failed_records = 0
        self.sent = 0
        self.unanswered = 0  # records of requests that got no per-record answer

    def add_dir(self, d: str) -> None:
        for path in sorted(glob.glob(os.path.join(d, "*.tsv"))):
            stem = os.path.basename(path)[:-4]
            kind = stem[4:] if stem.startswith("bad-") else stem
            if kind not in KINDS:
                continue
            with open(path, encoding="utf-8") as f:
                for line in f:
                    cols = line.rstrip("\n").split("\t")
                    if len(cols) < 4:
                        continue
                    status, rid = cols[0], cols[1].lower()
                    if status == "accepted":
                        self.accepted_records[kind] += 1
                        self.accepted_ids[kind].add(rid)
                        if cols[2] and cols[3]:
                            self.accepted_offsets[kind].add((int(cols[2]), int(cols[3])))
                    elif status == "rejected":
                        self.rejected_records += 1
                        self.rejected[kind][rid] = cols[4] if len(cols) > 4 else ""
                    else:
                        self.failed_records += 1
        for path in glob.glob(os.path.join(d, "*.summary.json")):
            try:
                s = json.loads(open(path, encoding="utf-8").read().strip().splitlines()[-1])
            except (OSError, ValueError, IndexError):
                continue  # a loader that died printed no summary: its sent count is unknown
            self.sent += int(s.get("sent", 0))
            answered = int(s.get("accepted", 0)) + int(s.get("rejected", 0))
            self.unanswered += max(0, int(s.get("sent", 0)) - answered)

    def max_offsets(self, kind: str) -> dict[int, int]:
        m: dict[int, int] = {}
        for p, o in self.accepted_offsets[kind]:
            m[p] = max(m.get(p, -1), o)
        return m


def scenario_dirs(root: str) -> list[str]:
    return sorted(d for d in glob.glob(os.path.join(root, "*")) if os.path.isdir(d))


# --------------------------------------------------------------------------- probe

def cmd_probe(a: argparse.Namespace) -> int:
    """Every `interval` seconds, one request per event type whose records the gateway must
    reject (each with a fresh id), until `duration` ends. Answers go to bad-<kind>.tsv."""
    key = open(a.key_file).read().strip()
    bad = {
        "orders": lambda i: {"order_id": i, "customer_id": "not-a-number", "product": "x",
                             "category": "y", "region": "z", "status": "completed",
                             "price": 1.0, "timestamp": "2026-01-01T00:00:00Z"},
        "interactions": lambda i: {"event_id": i, "user_id": "u1", "session_id": "s1",
                                   "event_type": "teleport", "platform": "WEB",
                                   "occurred_at": "2026-01-01T00:00:00Z"},
    }
    sent = answered = 0
    end = time.monotonic() + a.duration
    while time.monotonic() < end:
        for kind, make in bad.items():
            ids = [str(uuid.uuid4()) for _ in range(a.per_request)]
            body = "\n".join(json.dumps(make(i)) for i in ids).encode()
            req = urllib.request.Request(
                f"{a.gateway}/v1/events/{KINDS[kind][1]}", data=body, method="POST",
                headers={"Content-Type": "application/x-ndjson", "X-API-Key": key})
            sent += len(ids)
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    answer = json.loads(r.read())
            except urllib.error.HTTPError as e:
                try:
                    answer = json.loads(e.read())
                except ValueError:
                    continue
            except (OSError, ValueError):
                continue  # gateway down or cut off: no answer, nothing acknowledged
            results = answer.get("results") if isinstance(answer, dict) else None
            if not isinstance(results, list):
                continue
            with open(os.path.join(a.dir, f"bad-{kind}.tsv"), "a", encoding="utf-8") as f:
                for r in results:
                    i = ids[r.get("index", 0)]
                    answered += 1
                    f.write("\t".join([r.get("status", ""), i, str(r.get("partition", "")),
                                       str(r.get("offset", "")), r.get("reason", "")]) + "\n")
        time.sleep(a.interval)
    # Counted like eventgen's summary: what got a per-record answer, and what did not.
    with open(os.path.join(a.dir, "bad.summary.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps({"sent": sent, "accepted": 0, "rejected": answered}) + "\n")
    return 0


def open_lines(path: str):
    try:
        with open(path, encoding="utf-8") as f:
            yield from f
    except OSError:
        return


# --------------------------------------------------------------------------- recovery

def cmd_recovery(a: argparse.Namespace) -> int:
    """Prints the seconds from `since` (epoch) until the condition holds, or 'timeout'."""
    deadline = time.time() + a.timeout
    topics = ",".join(f"'{t}'" for t, _, _ in KINDS.values())
    while time.time() < deadline:
        try:
            if a.mode == "ready":
                try:
                    with urllib.request.urlopen(a.url, timeout=2) as r:
                        if r.status == 200:
                            print(f"{time.time() - a.since:.1f}")
                            return 0
                except (OSError, urllib.error.HTTPError):
                    pass
            elif a.mode == "landing":
                # The first batch any transformer committed after the fault's end.
                t = scalar(a.db, f"SELECT extract(epoch FROM min(committed_at)) FROM ops.batches "
                                 f"WHERE committed_at > to_timestamp({a.since}) AND bronze_rows > 0")
                if t:
                    print(f"{float(t) - a.since:.1f}")
                    return 0
            else:
                # Every partition of both event topics committed again after the fault's end.
                rows = query(a.db, f"SELECT count(*), extract(epoch FROM max(updated_at)) "
                                   f"FROM ops.kafka_offsets WHERE consumer_group = '{GROUP}' "
                                   f"AND topic IN ({topics}) "
                                   f"AND updated_at > to_timestamp({a.since})")
                if rows and int(rows[0][0]) >= a.partitions:
                    print(f"{float(rows[0][1]) - a.since:.1f}")
                    return 0
        except RuntimeError:
            pass  # PostgreSQL still starting
        time.sleep(0.2)
    print("timeout")
    return 1


# --------------------------------------------------------------------------- wait

def lag(metrics_urls: list[str]) -> int | None:
    """The group's consumer lag (max over the instances that answer), None if none answers."""
    best = None
    for url in metrics_urls:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                text = r.read().decode()
        except (OSError, urllib.error.HTTPError):
            continue
        total = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                    if line.startswith("transformer_consumer_lag_records{"))
        best = int(total) if best is None else max(best, int(total))
    return best


def cmd_wait(a: argparse.Namespace) -> int:
    """Until the group's stored positions are past every accepted offset of the ledgers, the lag
    gauge is 0 and bronze's row count stays put for a few seconds (the gauge is refreshed
    every 2 s). Bounded by --timeout; exit 1 naming what is behind when it runs out."""
    ledger = Ledger()
    for d in scenario_dirs(a.ledgers):
        ledger.add_dir(d)
    started = time.time()
    deadline = started + a.timeout
    last_count, stable_since, behind = None, None, "nothing read yet"
    while time.time() < deadline:
        try:
            stored = {(r[0], int(r[1])): int(r[2]) for r in query(
                a.db, f"SELECT topic, partition, next_offset FROM ops.kafka_offsets "
                      f"WHERE consumer_group = '{GROUP}'")}
            count = int(scalar(a.db, "SELECT count(*) FROM bronze.events"))
        except RuntimeError as e:
            behind = str(e)
            time.sleep(1)
            continue
        missing = [f"{KINDS[k][0]}[{p}] at {stored.get((KINDS[k][0], p), 0)} < {o + 1}"
                   for k in KINDS for p, o in sorted(ledger.max_offsets(k).items())
                   if stored.get((KINDS[k][0], p), 0) <= o]
        lg = lag(a.metrics)
        if missing:
            behind = f"{len(missing)} partitions behind the ledger, e.g. {missing[0]}"
        elif lg is None:
            behind = "no transformer answers /metrics"
        elif lg != 0:
            behind = f"consumer lag {lg}"
        else:
            behind = ""
        if behind or count != last_count:
            stable_since = time.time()
        elif time.time() - stable_since >= a.stable:
            print(f"caught up in {time.time() - started:.1f} s")
            return 0
        last_count = count
        time.sleep(0.5)
    print(f"not caught up after {a.timeout} s: {behind or 'bronze still growing'}")
    return 1


# --------------------------------------------------------------------------- check

GOLD_CHECKS = {
    # Orders and revenue per UTC day: the cells kpi-api and the order views read.
    "agg_orders_daily": """
      WITH s AS (SELECT to_char(event_date, 'YYYYMMDD')::int AS d, count(*) AS n,
                        sum(quantity) AS u, sum(revenue) AS r FROM silver.orders GROUP BY 1),
           g AS (SELECT date_key AS d, sum(orders) AS n, sum(units) AS u, sum(revenue) AS r
                 FROM gold.agg_orders_daily GROUP BY 1)
      SELECT coalesce(s.d, g.d)::text || ': silver ' || coalesce(s.n, 0) || ' orders '
             || coalesce(s.r, 0) || ', gold ' || coalesce(g.n, 0) || ' orders ' || coalesce(g.r, 0)
      FROM s FULL JOIN g USING (d)
      WHERE coalesce(s.n, 0) <> coalesce(g.n, 0) OR coalesce(s.u, 0) <> coalesce(g.u, 0)
         OR coalesce(s.r, 0) <> coalesce(g.r, 0)""",
    # One fact per silver order, with its revenue.
    "fact_orders": """
      SELECT coalesce(s.order_id, f.order_id)::text || ': silver ' || coalesce(s.revenue::text, '-')
             || ', fact ' || coalesce(f.revenue::text, '-')
      FROM silver.orders s FULL JOIN gold.fact_orders f USING (order_id)
      WHERE s.order_id IS NULL OR f.order_id IS NULL OR s.revenue <> f.revenue""",
    # Interaction events and purchase revenue per UTC day.
    "agg_interactions_hourly": """
      WITH s AS (SELECT event_date AS d, count(*) AS n, coalesce(sum(revenue), 0) AS r
                 FROM silver.interactions GROUP BY 1),
           g AS (SELECT event_date AS d, sum(events) AS n, sum(revenue) AS r
                 FROM gold.agg_interactions_hourly GROUP BY 1)
      SELECT coalesce(s.d, g.d)::text || ': silver ' || coalesce(s.n, 0) || ' events '
             || coalesce(s.r, 0) || ', gold ' || coalesce(g.n, 0) || ' events ' || coalesce(g.r, 0)
      FROM s FULL JOIN g USING (d)
      WHERE coalesce(s.n, 0) <> coalesce(g.n, 0) OR coalesce(s.r, 0) <> coalesce(g.r, 0)""",
    # Users and sessions per UTC day and platform ('' = all platforms).
    "daily_distinct": """
      WITH s AS (SELECT event_date, platform, count(DISTINCT user_hmac) AS u,
                        count(DISTINCT session_id) AS se
                 FROM silver.interactions GROUP BY 1, 2
                 UNION ALL
                 SELECT event_date, '', count(DISTINCT user_hmac), count(DISTINCT session_id)
                 FROM silver.interactions GROUP BY 1)
      SELECT event_date::text || '/' || platform || ': silver ' || coalesce(s.u, 0) || ' users '
             || coalesce(s.se, 0) || ' sessions, gold ' || coalesce(g.users, 0) || ' users '
             || coalesce(g.sessions, 0) || ' sessions'
      FROM s FULL JOIN gold.daily_distinct g USING (event_date, platform)
      WHERE coalesce(s.u, 0) <> coalesce(g.users, 0) OR coalesce(s.se, 0) <> coalesce(g.sessions, 0)""",
}


def warehouse(db: str) -> dict:
    """What landed: ids per kind in silver (with multiplicity) and in quarantine, bronze's
    (partition, offset) per topic and how often each is stored, the dead letters."""
    w: dict = {"silver": {}, "quarantine": {}, "bronze": {}, "bronze_dup": 0, "dlq": defaultdict(set)}
    w["silver"]["orders"] = Counter(r[0] for r in query(db, "SELECT order_id FROM silver.orders"))
    w["silver"]["interactions"] = Counter(
        r[0].lower() for r in query(db, "SELECT event_id FROM silver.interactions"))
    for kind, (topic, _, field) in KINDS.items():
        # A quarantined record's id: the payload's field, else its Kafka key (the id) in bronze.
        w["quarantine"][kind] = {r[0].lower() for r in query(db, f"""
            SELECT coalesce(q.payload_safe ->> '{field}', b.kafka_key, '')
            FROM silver.quarantine q
            LEFT JOIN bronze.events b ON b.topic = q.source_topic
              AND b.partition = q.source_partition AND b."offset" = q.source_offset
            WHERE q.source_topic = '{topic}'""")}
        w["bronze"][kind] = {(int(r[0]), int(r[1])) for r in query(
            db, f"SELECT partition, \"offset\" FROM bronze.events WHERE topic = '{topic}'")}
    w["bronze_dup"] = int(scalar(db, """
        SELECT count(*) FROM (SELECT 1 FROM bronze.events GROUP BY topic, partition, "offset"
                              HAVING count(*) > 1) d"""))
    for event_type, reason, raw in query(db, f"""
            SELECT p ->> 'event_type', coalesce(p ->> 'reason', ''), coalesce(p ->> 'raw', '')
            FROM (SELECT convert_from(payload, 'UTF8')::jsonb AS p FROM bronze.events
                  WHERE topic = '{DLQ_TOPIC}') d"""):
        kind = next((k for k, v in KINDS.items() if v[1] == event_type), None)
        try:
            rid = json.loads(raw).get(KINDS[kind][2], "") if kind else ""
        except (ValueError, AttributeError):
            rid = ""
        if kind and isinstance(rid, str):
            w["dlq"][kind].add((rid.lower(), reason))
    w["gold"] = {name: [r[0] for r in query(db, sql)] for name, sql in GOLD_CHECKS.items()}
    return w


def judge(ledger: Ledger, w: dict) -> dict:
    """Lost, duplicated, bronze and DLQ coverage of one ledger against the warehouse."""
    r = {"acked_records": sum(ledger.accepted_records.values()), "acked_ids": 0, "landed": 0,
         "lost": 0, "duplicated": 0, "bronze_missing": 0, "rejected": 0, "dlq_found": 0,
         "examples": []}
    for kind in KINDS:
        acked = ledger.accepted_ids[kind]
        landed_ids = set(w["silver"][kind]) | w["quarantine"][kind]
        lost = acked - landed_ids
        dup = {i for i in acked if w["silver"][kind][i] > 1}
        missing = ledger.accepted_offsets[kind] - w["bronze"][kind]
        r["acked_ids"] += len(acked)
        r["landed"] += len(acked) - len(lost)
        r["lost"] += len(lost)
        r["duplicated"] += len(dup)
        r["bronze_missing"] += len(missing)
        r["examples"] += [f"lost {kind} {i}" for i in sorted(lost)[:3]]
        r["examples"] += [f"duplicated {kind} {i}" for i in sorted(dup)[:3]]
        r["examples"] += [f"{kind} partition {p} offset {o} not in bronze"
                          for p, o in sorted(missing)[:3]]
        dlq_ids = {i for i, _ in w["dlq"][kind]}
        for rid, reason in ledger.rejected[kind].items():
            r["rejected"] += 1
            ok = (rid, reason) in w["dlq"][kind] if reason else rid in dlq_ids
            r["dlq_found"] += ok
            if not ok and len(r["examples"]) < 12:
                r["examples"].append(f"rejected {kind} {rid} ({reason or 'no reason'}) not in the DLQ")
    return r


def cmd_check(a: argparse.Namespace) -> int:
    dirs = scenario_dirs(a.ledgers)
    this = os.path.join(a.ledgers, a.scenario_dir)
    scenario, everything = Ledger(), Ledger()
    scenario.add_dir(this)
    for d in dirs:
        everything.add_dir(d)
    w = warehouse(a.db)
    row = judge(scenario, w)
    total = judge(everything, w)
    acked_all = {k: everything.accepted_ids[k] for k in KINDS}
    unacked = sum(len((set(w["silver"][k]) | w["quarantine"][k]) - acked_all[k]) for k in KINDS)
    gold_bad = {name: rows for name, rows in w["gold"].items() if rows}
    row.update({
        "scenario": a.scenario, "faults": a.faults, "recovery": a.recovery,
        "all_partitions": a.all_partitions, "sent": scenario.sent,
        "unanswered": scenario.unanswered,
        "unacked_landed": unacked, "bronze_dup_total": w["bronze_dup"],
        "gold_mismatches": sum(len(v) for v in gold_bad.values()),
        "caught_up": a.caught_up,
    })
    problems = []
    if not a.caught_up.startswith("caught up"):
        problems.append(f"transformers did not catch up ({a.caught_up})")
    for name, value in (("lost (whole run)", total["lost"]),
                        ("duplicated in silver (whole run)", total["duplicated"]),
                        ("accepted records missing from bronze (whole run)", total["bronze_missing"]),
                        ("Kafka records stored twice in bronze", w["bronze_dup"]),
                        ("rejected records missing from the DLQ (whole run)",
                         total["rejected"] - total["dlq_found"])):
        if value:
            problems.append(f"{name}: {value}")
    if unacked and everything.unanswered == 0:
        problems.append(f"{unacked} ids landed that no request sent in this run could explain")
    for name, rows in gold_bad.items():
        problems.append(f"gold {name} differs from silver in {len(rows)} cells, e.g. {rows[0]}")
    if a.extra_problem:
        problems += a.extra_problem
    row["problems"] = problems
    row["examples"] = list(dict.fromkeys(row["examples"] + total["examples"]))[:12]
    row["ok"] = not problems
    with open(a.results, "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")
    print(format_table([row]))
    for p in problems:
        print(f"  FAIL {a.scenario}: {p}")
    for e in row["examples"]:
        print(f"    {e}")
    return 0 if row["ok"] else 1


# --------------------------------------------------------------------------- report

COLUMNS = ["scenario", "faults injected", "sent", "acknowledged (ids)", "landed", "lost",
           "duplicated", "rejected → DLQ", "unanswered / landed anyway", "gold = silver",
           "recovery s", "all partitions s", "ok"]


def cells(r: dict) -> list[str]:
    return [r["scenario"], r["faults"], f"{r['sent']:,}",
            f"{r['acked_records']:,} ({r['acked_ids']:,} ids)", f"{r['landed']:,}",
            str(r["lost"]), str(r["duplicated"] + r.get("bronze_dup_total", 0)),
            f"{r['dlq_found']:,} / {r['rejected']:,}",
            f"{r['unanswered']:,} / {r['unacked_landed']:,}",
            "yes" if r["gold_mismatches"] == 0 else f"no ({r['gold_mismatches']})",
            r["recovery"], r["all_partitions"], "yes" if r["ok"] else "**NO**"]


def format_table(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cells(r)) + " |" for r in rows]
    return "\n".join(lines)


def cmd_report(a: argparse.Namespace) -> int:
    rows = [json.loads(line) for line in open_lines(a.results) if line.strip()]
    table = format_table(rows)
    print(table)
    ok = bool(rows) and all(r["ok"] for r in rows)
    if a.doc:
        commit = subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(a.doc)),
                                 "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip() or "unknown"
        date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        problems = [f"- {r['scenario']}: {p}" for r in rows for p in r["problems"]]
        wrap = lambda text: textwrap.fill(text, width=100, break_on_hyphens=False)
        section = "\n".join([
            wrap(f"Ran {date} at commit `{commit}` ({a.form} form, {a.elapsed:.0f} s in all, "
                 f"{a.settings}). Re-run: `{a.command}`."), "", table, "", wrap(
            "Per scenario, from its own ledgers: *sent* events (eventgen's two loaders and "
            "the rejected-record probe), *acknowledged* records the gateway accepted (distinct "
            "ids), *landed* acknowledged ids found in silver or silver.quarantine, *lost* "
            "acknowledged ids found in neither, *duplicated* ids stored twice in silver plus "
            "Kafka records stored twice in bronze, *rejected → DLQ* rejected ids found among "
            "the dead letters with the reason the gateway gave / rejected ids, *unanswered* "
            "events whose request got no per-record answer (nothing acknowledged) and the ids "
            "that landed although no ledger says they were accepted. *Recovery*: seconds from "
            "each fault's end (restart) until the first batch commits (transformer, "
            "PostgreSQL; in the group, while the other members keep committing) or /readyz "
            "answers 200 (gateway); *all partitions*: until every partition of both event "
            "topics has committed again (the longest over the scenario's faults). Lost, "
            "duplicated, bronze offsets, dead letters and gold = silver (orders, units and "
            "revenue per day in agg_orders_daily and fact_orders; events and revenue per day "
            "in agg_interactions_hourly; users and sessions per day and platform in "
            "daily_distinct) are checked over the whole run after every scenario."),
            *(["", "Failed checks:", *problems] if problems else []),
        ])
        text = open(a.doc, encoding="utf-8").read()
        if BEGIN not in text or END not in text:
            raise SystemExit(f"{a.doc} has no {BEGIN} ... {END} section")
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        with open(a.doc, "w", encoding="utf-8") as f:
            f.write(head + BEGIN + "\n" + section + "\n" + END + tail)
    return 0 if ok else 1


# --------------------------------------------------------------------------- main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("probe")
    p.add_argument("--gateway", required=True)
    p.add_argument("--key-file", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--duration", type=float, required=True)
    p.add_argument("--interval", type=float, default=2.0)
    p.add_argument("--per-request", type=int, default=2)
    p = sub.add_parser("recovery")
    p.add_argument("--mode", choices=["ready", "landing", "partitions"], required=True)
    p.add_argument("--since", type=float, required=True)
    p.add_argument("--db")
    p.add_argument("--url")
    p.add_argument("--partitions", type=int, default=24)
    p.add_argument("--timeout", type=float, default=90)
    p = sub.add_parser("wait")
    p.add_argument("--db", required=True)
    p.add_argument("--ledgers", required=True)
    p.add_argument("--metrics", action="append", default=[])
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--stable", type=float, default=4)
    p = sub.add_parser("check")
    p.add_argument("--db", required=True)
    p.add_argument("--ledgers", required=True)
    p.add_argument("--scenario-dir", required=True)
    p.add_argument("--scenario", required=True)
    p.add_argument("--faults", required=True)
    p.add_argument("--recovery", default="—")
    p.add_argument("--all-partitions", default="—")
    p.add_argument("--caught-up", default="caught up")
    p.add_argument("--extra-problem", action="append", default=[])
    p.add_argument("--results", required=True)
    p = sub.add_parser("report")
    p.add_argument("--results", required=True)
    p.add_argument("--doc")
    p.add_argument("--command", default="tests/reliability/crash_suite.sh")
    p.add_argument("--form", default="long")
    p.add_argument("--settings", default="")
    p.add_argument("--elapsed", type=float, default=0)
    a = ap.parse_args()
    return {"probe": cmd_probe, "recovery": cmd_recovery, "wait": cmd_wait, "check": cmd_check,
            "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
