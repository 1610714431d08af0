#!/usr/bin/env python3
"""The soak's driver and judge (tests/reliability/soak.sh starts the stack and calls it).

Streams orders and interactions into the gateway with two `eventgen load` processes at a steady
combined rate, and while they run:
- every `--interval` seconds samples VmRSS (/proc/PID/status) of every process of the stack
  (kafka-dev-broker, eventgen, ingest-gateway, transformer, kpi-api) and of both loaders, and
  the error counters of every service's /metrics;
- once a second asks kpi-api one of a few KPI endpoints (round robin, 5 s timeout), and at each
  sample eventgen's service a small batch, so both serve requests throughout.

Then it waits (bounded) for the transformer to catch up and judges:
- memory flat after warm-up: per process, the mean RSS of the last quarter of the load may
  exceed the mean of the second quarter by at most 10 % of it + 5 MB (the first quarter is
  warm-up: allocator arenas, connection pools, caches filling); the dev broker keeps its log in
  memory (5 MB per partition), so that capacity is added to its limit;
- error counters did not grow after warm-up (from the first sample at or after a quarter of the
  run to the end): 5xx answers and connections shed as overloaded on every service, /metrics not
  answering or /readyz not 200 when the soak asks, the gateway's Kafka failures, the
  transformer's failed and fenced batches, records lost in Kafka, data-quality run errors and
  bronze maintenance errors, the loaders' events without an answer, the soak's kpi-api and
  eventgen requests not answered 200. Quarantine and DLQ rows grow by design (eventgen sends
  seed 003's dirty data): recorded, not judged;
- every service process is the one that started (none died or restarted);
- every record the gateway accepted landed: the loaders' ledgers (one line per answered record)
  are loaded into a temporary table and joined with the warehouse: each accepted record must be
  a bronze row (its topic, partition, offset) and either quarantined (same source offset) or its
  id in silver (silver keeps an entity's latest version, so a duplicate id counts by id).

Writes $RUN_DIR/results/samples.csv (one row per process per sample), summary.json and the
markdown report (report.md); with --doc FILE, replaces the text between the soak markers in FILE.
Python 3 standard library; psql from PATH.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

BEGIN, END = "<!-- reliability:soak:begin -->", "<!-- reliability:soak:end -->"
SERVICES = ["kafka-dev-broker", "eventgen", "ingest-gateway", "transformer", "kpi-api"]
LOADERS = {  # name -> (eventgen load --type, ledger kind, topic)
    "load-orders": ("transactions", "orders", "events.commerce.transaction"),
    "load-interactions": ("interactions", "interactions", "events.user.interaction"),
}
KPI_PATHS = ["/v1/kpi/summary", "/v1/kpi/sales-by-region", "/v1/kpi/daily-revenue",
             "/v1/kpi/dau", "/v1/kpi/funnel", "/v1/pipeline/freshness", "/v1/pipeline/quality"]

# Counters that mean something went wrong: judged (they must not grow after warm-up).
JUDGED = ["http_5xx", "http_overloaded", "metrics_unanswered", "not_ready", "kafka_failures",
          "batches_failed", "batches_fenced", "records_lost_in_kafka", "dq_run_errors",
          "bronze_maintenance_errors", "loader_failed", "probe_failures"]
# Counters recorded beside them: they grow by design or say how busy a process was.
RECORDED = ["readyz_5xx", "events_accepted", "events_rejected", "batches_committed", "quarantine_rows",
            "dlq_rows", "consumer_lag", "loader_sent", "loader_accepted"]
SHOWN_RECORDED = ["readyz_5xx", "events_rejected", "quarantine_rows", "dlq_rows"]
MB = 1024 * 1024
# librdkafka's mock cluster keeps each partition's log in memory, trimmed to 5 MB
# (rd_kafka_mock_partition_init: max_size): the dev broker grows with the records it retains
# until every partition is full, by design.
MOCK_PARTITION_BYTES = 5 * MB

PROGRESS = re.compile(r"t=([\d.]+)s sent=(\d+) accepted=(\d+) rejected=(\d+) failed=(\d+)")
METRIC = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)")
LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')


# --------------------------------------------------------------------------- helpers

def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """(status, body); status 0 when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (OSError, ValueError):
        return 0, b""


def parse_metrics(text: str) -> list[tuple[str, dict, float]]:
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = METRIC.match(line)
        if not m:
            continue
        try:
            value = float(m.group(3))
        except ValueError:
            continue
        out.append((m.group(1), dict(LABEL.findall(m.group(2) or "")), value))
    return out


def total(metrics, name: str, **labels) -> float:
    return sum(v for n, l, v in metrics if n == name
               and all(l.get(k) == want for k, want in labels.items()))


def service_counters(service: str, metrics) -> dict[str, float]:
    c = {
        # /readyz answers 503 by design while a service starts: readiness is judged from the
        # soak's own polls (not_ready) instead.
        "http_5xx": sum(v for n, l, v in metrics
                        if n == "http_requests_total" and l.get("status", "").startswith("5")
                        and l.get("route") != "/readyz"),
        "readyz_5xx": sum(v for n, l, v in metrics
                          if n == "http_requests_total" and l.get("status", "").startswith("5")
                          and l.get("route") == "/readyz"),
        "http_overloaded": total(metrics, "http_connections_dropped_total", reason="overloaded"),
    }
    if service == "ingest-gateway":
        c["kafka_failures"] = total(metrics, "gateway_kafka_failures_total")
        c["events_accepted"] = total(metrics, "gateway_events_total", outcome="accepted")
        c["events_rejected"] = total(metrics, "gateway_events_total", outcome="rejected")
    elif service == "transformer":
        c["batches_failed"] = total(metrics, "transformer_batches_total", result="failed")
        c["batches_fenced"] = total(metrics, "transformer_batches_total", result="fenced")
        c["records_lost_in_kafka"] = total(metrics, "transformer_records_lost_in_kafka_total")
        c["dq_run_errors"] = total(metrics, "transformer_dq_run_errors_total")
        c["bronze_maintenance_errors"] = total(metrics,
                                               "transformer_bronze_maintenance_errors_total")
        c["batches_committed"] = total(metrics, "transformer_batches_total", result="committed")
        c["quarantine_rows"] = total(metrics, "transformer_rows_total", layer="quarantine")
        c["dlq_rows"] = total(metrics, "transformer_rows_total", layer="dlq")
        c["consumer_lag"] = total(metrics, "transformer_consumer_lag_records")
    return c


def rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None  # a zombie has no VmRSS


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (/proc/PID/stat utime, stime)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            return not any(l.startswith("State:") and "Z" in l.split()[1] for l in f)
    except OSError:
        return False


def service_pid(run_dir: str, name: str) -> int | None:
    """The pid in $RUN_DIR/NAME.pid when that process is alive and runs the binary NAME."""
    try:
        pid = int(open(os.path.join(run_dir, name + ".pid")).read().strip())
    except (OSError, ValueError):
        return None
    if not alive(pid):
        return None
    try:
        exe = os.path.basename(os.readlink(f"/proc/{pid}/exe")).removesuffix(" (deleted)")
    except OSError:
        exe = ""
    return pid if exe in ("", name, "nohup") else None


def loader_progress(path: str) -> dict[str, float]:
    """The loader's latest progress line (stderr, once a second)."""
    last = None
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = PROGRESS.search(line)
                if m:
                    last = m
    except OSError:
        pass
    if not last:
        return {"loader_sent": 0, "loader_accepted": 0, "loader_failed": 0}
    return {"loader_sent": float(last.group(2)), "loader_accepted": float(last.group(3)),
            "loader_failed": float(last.group(5))}


def psql(db: str, *commands: str) -> list[list[str]]:
    args = ["psql", db, "-XAtq", "-v", "ON_ERROR_STOP=1", "-F", "\t"]
    for c in commands:
        args += ["-c", c]
    out = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"psql failed: {out.stderr.strip()}")
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def slope(points) -> float:
    """Least-squares slope of (t, y) points (y per second); 0 for fewer than 2 points."""
    if len(points) < 2:
        return 0.0
    mt, my = mean([t for t, _ in points]), mean([y for _, y in points])
    var = sum((t - mt) ** 2 for t, _ in points)
    return sum((t - mt) * (y - my) for t, y in points) / var if var else 0.0


def mb(kb) -> str:
    return f"{kb / 1024:.1f}"


# --------------------------------------------------------------------------- the run

class Soak:
    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        self.out = os.path.join(a.run_dir, "results")
        os.makedirs(self.out, exist_ok=True)
        self.rows: list[dict] = []  # one per process per sample
        self.pids: dict[str, int] = {}  # process -> pid seen at the start
        self.died: dict[str, str] = {}  # process -> what happened
        self.kpi_probes = {"sent": 0, "ok": 0, "failed": 0, "failed_after_warmup": 0,
                           "statuses": {}}
        self.eventgen_probe_failures = 0
        self.loads: list[float] = []  # 1-minute load average at each sample
        self.loaders: dict[str, subprocess.Popen] = {}
        self.t0 = 0.0

    def url(self, port: int, path: str) -> str:
        return f"http://127.0.0.1:{port}{path}"

    # -- loaders
    def start_loaders(self) -> None:
        rates = {"load-orders": self.a.orders_rate, "load-interactions": self.a.interactions_rate}
        for i, (name, (typ, kind, _)) in enumerate(LOADERS.items()):
            if rates[name] <= 0:
                continue
            cmd = [self.a.eventgen, "load", "--type", typ, "--rate", str(rates[name]),
                   "--duration", str(self.a.duration), "--batch", str(self.a.batch),
                   "--seed", str(1000 * (i + 1)), "--gateway", self.a.gateway,
                   "--ledger", os.path.join(self.out, kind + ".tsv")]
            self.loaders[name] = subprocess.Popen(
                cmd, stdout=open(os.path.join(self.out, kind + ".summary.json"), "w"),
                stderr=open(os.path.join(self.out, kind + ".progress.log"), "w"),
                stdin=subprocess.DEVNULL)
            self.pids[name] = self.loaders[name].pid

    def loaders_running(self) -> bool:
        return any(p.poll() is None for p in self.loaders.values())

    # -- sampling
    def sample(self, phase: str) -> None:
        t = time.monotonic() - self.t0
        try:
            self.loads.append(float(open("/proc/loadavg").read().split()[0]))
        except (OSError, ValueError, IndexError):
            pass
        # eventgen's service serves a small batch at each sample, so its memory means something.
        status, _ = http_get(self.url(self.a.ports["eventgen"], "/v1/interactions?count=50"))
        self.eventgen_probe_failures += status != 200
        for s in SERVICES:
            pid = service_pid(self.a.run_dir, s)
            if s not in self.pids and pid:
                self.pids[s] = pid
            if pid is None or pid != self.pids.get(s):
                self.died.setdefault(s, f"not running at t={t:.0f}s"
                                     if pid is None else f"pid changed at t={t:.0f}s")
            row = {"t_s": round(t, 1), "phase": phase, "process": s, "pid": pid or "",
                   "rss_kb": rss_kb(pid) if pid else "",
                   "cpu_s": cpu_seconds(pid) if pid else None}
            status, body = http_get(self.url(self.a.ports[s], "/metrics"))
            prev = self.last_row(s)
            if status == 200:
                row.update(service_counters(s, parse_metrics(body.decode("utf-8", "replace"))))
                row["metrics_unanswered"] = prev.get("metrics_unanswered", 0) if prev else 0
            else:
                # Keep the last values seen, and count the miss as an error of its own.
                if prev:
                    row.update({k: prev[k] for k in JUDGED + RECORDED if k in prev})
                row["metrics_unanswered"] = (prev.get("metrics_unanswered", 0) if prev else 0) + 1
            ready, _ = http_get(self.url(self.a.ports[s], "/readyz"))
            row["not_ready"] = (prev.get("not_ready", 0) if prev else 0) + (ready != 200)
            if s == "kpi-api":
                row["probe_failures"] = self.kpi_probes["failed"]
            elif s == "eventgen":
                row["probe_failures"] = self.eventgen_probe_failures
            self.rows.append(row)
        for name, proc in self.loaders.items():
            _, kind, _ = LOADERS[name]
            running = proc.poll() is None
            row = {"t_s": round(t, 1), "phase": phase, "process": name,
                   "pid": proc.pid if running else "",
                   "rss_kb": (rss_kb(proc.pid) or "") if running else "",
                   "cpu_s": cpu_seconds(proc.pid) if running else None}
            row.update(loader_progress(os.path.join(self.out, kind + ".progress.log")))
            self.rows.append(row)

    def last_row(self, process: str) -> dict | None:
        for r in reversed(self.rows):
            if r["process"] == process:
                return r
        return None

    def probe_kpi(self, i: int) -> None:
        path = KPI_PATHS[i % len(KPI_PATHS)]
        status, _ = http_get(self.url(self.a.ports["kpi-api"], path))
        p = self.kpi_probes
        p["sent"] += 1
        p["statuses"][str(status)] = p["statuses"].get(str(status), 0) + 1
        if status == 200:
            p["ok"] += 1
        else:
            p["failed"] += 1
            if time.monotonic() - self.t0 >= self.a.duration / 4:
                p["failed_after_warmup"] += 1

    def run_load(self) -> None:
        self.t0 = time.monotonic()
        self.start_loaders()
        next_sample = next_print = self.t0
        tick = 0
        hard_stop = self.t0 + self.a.duration + 120  # loaders bound themselves; this bounds them
        print(f"soak: {self.a.duration:.0f} s at {self.a.orders_rate:g} orders/s + "
              f"{self.a.interactions_rate:g} interactions/s, sampling every {self.a.interval:g} s",
              flush=True)
        while self.loaders_running():
            now = time.monotonic()
            if now >= hard_stop:
                for p in self.loaders.values():
                    if p.poll() is None:
                        p.terminate()
                self.died["loaders"] = "still running 120 s after their duration: stopped"
                break
            if now >= next_sample:
                self.sample("load")
                next_sample += self.a.interval
                if now >= next_print:
                    self.print_progress()
                    next_print += 60
            self.probe_kpi(tick)
            tick += 1
            time.sleep(max(0.0, self.t0 + tick - time.monotonic()))
        for p in self.loaders.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        self.sample("load-end")

    def print_progress(self) -> None:
        t = time.monotonic() - self.t0
        parts = []
        for s in SERVICES + list(self.loaders):
            r = self.last_row(s)
            if r and r.get("rss_kb"):
                parts.append(f"{s}={mb(r['rss_kb'])}MB")
        print(f"  t={t:.0f}s " + " ".join(parts), flush=True)

    # -- catch-up and the warehouse
    def accepted_records(self) -> dict[str, int]:
        """Writes the accepted records of every ledger (kind, lower-cased id, partition, offset)
        to one file for COPY; returns the count per kind."""
        counts = {}
        with open(os.path.join(self.out, "accepted.tsv"), "w", encoding="utf-8") as out:
            for _, kind, _ in LOADERS.values():
                n = 0
                try:
                    f = open(os.path.join(self.out, kind + ".tsv"), encoding="utf-8",
                             errors="replace")
                except OSError:
                    counts[kind] = 0
                    continue
                with f:
                    for line in f:
                        cols = line.rstrip("\n").split("\t")
                        if len(cols) < 4 or cols[0] != "accepted":
                            continue
                        rid = cols[1].lower().replace("\\", "\\\\").replace("\r", "")
                        part = cols[2] if cols[2].lstrip("-").isdigit() else "\\N"
                        off = cols[3] if cols[3].lstrip("-").isdigit() else "\\N"
                        out.write(f"{kind}\t{rid}\t{part}\t{off}\n")
                        n += 1
                counts[kind] = n
        return counts

    def wait_caught_up(self, accepted: int) -> tuple[bool, float]:
        topics = ",".join(f"'{t}'" for _, _, t in LOADERS.values())
        start = time.monotonic()
        next_sample = start
        while True:
            try:
                n = int(psql(self.a.db, f"SELECT count(*) FROM bronze.events "
                                        f"WHERE topic IN ({topics})")[0][0])
            except (RuntimeError, IndexError, ValueError):
                n = -1
            waited = time.monotonic() - start
            if n >= accepted:
                return True, waited
            if waited >= self.a.catchup_timeout:
                return False, waited
            if time.monotonic() >= next_sample:
                self.sample("catch-up")
                next_sample += self.a.interval
            time.sleep(2)

    def landed(self) -> dict[str, dict[str, int]]:
        path = os.path.join(self.out, "accepted.tsv")
        rows = psql(self.a.db,
                    "CREATE TEMP TABLE soak_accepted (kind text, id text, part int, off bigint)",
                    f"\\copy soak_accepted FROM '{path}'",
                    "ANALYZE soak_accepted",
                    """
WITH a AS (
  SELECT kind, id, part, off,
         CASE kind WHEN 'orders' THEN 'events.commerce.transaction'
                   ELSE 'events.user.interaction' END AS topic
  FROM soak_accepted),
b AS (SELECT DISTINCT topic, partition, "offset" FROM bronze.events
      WHERE topic IN ('events.commerce.transaction', 'events.user.interaction')),
q AS (SELECT DISTINCT source_topic, source_partition, source_offset FROM silver.quarantine),
s AS (SELECT DISTINCT 'orders' AS kind, order_id::text AS id FROM silver.orders
      UNION ALL
      SELECT DISTINCT 'interactions', lower(event_id) FROM silver.interactions)
SELECT a.kind, count(*), count(b.topic), count(q.source_topic), count(s.id),
       count(*) FILTER (WHERE q.source_topic IS NOT NULL OR s.id IS NOT NULL)
FROM a
LEFT JOIN b ON b.topic = a.topic AND b.partition = a.part AND b."offset" = a.off
LEFT JOIN q ON q.source_topic = a.topic AND q.source_partition = a.part
           AND q.source_offset = a.off
LEFT JOIN s ON s.kind = a.kind AND s.id = a.id
GROUP BY a.kind""")
        out = {}
        for kind, acc, in_bronze, in_q, in_s, landed in rows:
            out[kind] = {"accepted": int(acc), "in_bronze": int(in_bronze),
                         "quarantined": int(in_q), "id_in_silver": int(in_s),
                         "landed": int(landed)}
        return out

    def warehouse_rows(self) -> dict[str, int]:
        r = psql(self.a.db, """
SELECT (SELECT count(*) FROM silver.orders), (SELECT count(*) FROM silver.interactions),
       (SELECT count(*) FROM silver.quarantine),
       (SELECT count(*) FROM bronze.events WHERE topic = 'events.dlq')""")[0]
        return {"silver_orders": int(r[0]), "silver_interactions": int(r[1]),
                "quarantine": int(r[2]), "bronze_dlq": int(r[3])}


# --------------------------------------------------------------------------- judging

def retained_capacity_bytes(root: str) -> int:
    """What the dev broker's in-memory log may hold: every catalogue partition full."""
    with open(os.path.join(root, "proto", "topics.json"), encoding="utf-8") as f:
        topics = json.load(f)["topics"]
    return sum(int(t["partitions"]) for t in topics) * MOCK_PARTITION_BYTES


def judge(soak: Soak, accepted_by_kind, caught_up, waited, landed, wh) -> dict:
    a = soak.a
    d = a.duration
    verdict = {"failures": [], "memory": [], "errors": [], "events": {}}
    processes = SERVICES + list(soak.loaders)
    for p in processes:
        rows = [r for r in soak.rows if r["process"] == p]
        load = [r for r in rows if r["phase"] == "load" and r["rss_kb"] != ""]
        q2 = [r["rss_kb"] for r in load if d / 4 <= r["t_s"] < d / 2]
        q4 = [r["rss_kb"] for r in load if r["t_s"] >= 3 * d / 4]
        allr = [r["rss_kb"] for r in rows if r["rss_kb"] != ""]
        after = [(r["t_s"], r["rss_kb"]) for r in load if r["t_s"] >= d / 4]
        cpu = [(r["t_s"], r["cpu_s"]) for r in load if r.get("cpu_s") is not None]
        cpu_percent = (100 * (cpu[-1][1] - cpu[0][1]) / (cpu[-1][0] - cpu[0][0])
                       if len(cpu) >= 2 and cpu[-1][0] > cpu[0][0] else None)
        m2, m4 = mean(q2), mean(q4)
        limit = 0.10 * m2 + 5 * 1024
        if p == "kafka-dev-broker":
            # Its log may still be filling: flat means bounded by what it retains.
            limit += retained_capacity_bytes(a.root) / 1024
        growth = m4 - m2
        ok = len(q2) >= 2 and len(q4) >= 2 and growth <= limit
        verdict["memory"].append({
            "process": p, "start_kb": allr[0] if allr else None, "q2_kb": m2, "q4_kb": m4,
            "max_kb": max(allr) if allr else None, "growth_kb": growth, "limit_kb": limit,
            "samples": len(allr), "slope_kb_per_min": slope(after) * 60,
            "cpu_percent": cpu_percent, "ok": ok})
        if not ok:
            why = (f"too few samples (second quarter {len(q2)}, last {len(q4)})"
                   if len(q2) < 2 or len(q4) < 2 else
                   f"RSS grew {growth / 1024:.1f} MB (limit {limit / 1024:.1f} MB)")
            verdict["failures"].append(f"memory: {p}: {why}")

        # Errors: the first sample at or after warm-up against the last one.
        warm = next((r for r in rows if r["t_s"] >= d / 4), None)
        last = rows[-1] if rows else None
        errs = {}
        for k in JUDGED + RECORDED:
            if last is None or k not in last or last[k] == "":
                continue
            end = float(last[k])
            at_warm = float(warm.get(k, 0) or 0) if warm else 0.0
            errs[k] = {"total": end, "after_warmup": end - at_warm, "judged": k in JUDGED}
            if k in JUDGED and end - at_warm > 0:
                verdict["failures"].append(
                    f"errors: {p}: {k} grew by {end - at_warm:g} after warm-up (total {end:g})")
        verdict["errors"].append({"process": p, "counters": errs})
    for p, what in soak.died.items():
        verdict["failures"].append(f"process: {p}: {what}")

    sent = acc = rej = failed = 0
    elapsed = 0.0
    summaries = {}
    for name, (_, kind, _) in LOADERS.items():
        if name not in soak.loaders:
            continue
        try:
            s = json.loads(open(os.path.join(soak.out, kind + ".summary.json")).read()
                           .strip().splitlines()[-1])
        except (OSError, ValueError, IndexError):
            verdict["failures"].append(f"events: {name} printed no summary")
            continue
        summaries[kind] = s
        sent += int(s.get("sent", 0))
        acc += int(s.get("accepted", 0))
        rej += int(s.get("rejected", 0))
        failed += int(s.get("failed", 0))
        elapsed = max(elapsed, float(s.get("elapsed_seconds", 0)))
        if not s.get("reconciled", False):
            verdict["failures"].append(f"events: {name}: the gateway's answers did not reconcile")
        if soak.loaders[name].returncode not in (0, None):
            verdict["failures"].append(
                f"events: {name} exited {soak.loaders[name].returncode}")
    target = a.orders_rate + a.interactions_rate
    landed_n = sum(v["landed"] for v in landed.values())
    bronze_n = sum(v["in_bronze"] for v in landed.values())
    ledger_n = sum(accepted_by_kind.values())
    verdict["events"] = {
        "sent": sent, "accepted": acc, "rejected": rej, "failed": failed,
        "ledger_accepted": ledger_n, "in_bronze": bronze_n, "landed": landed_n,
        "lost": ledger_n - landed_n, "not_in_bronze": ledger_n - bronze_n,
        "rate": sent / elapsed if elapsed else 0, "target_rate": target,
        "elapsed": elapsed, "caught_up": caught_up, "catch_up_seconds": waited,
        "by_kind": landed, "summaries": summaries, "warehouse": wh,
    }
    if ledger_n != acc:
        verdict["failures"].append(
            f"events: the ledgers hold {ledger_n} accepted records, the summaries say {acc}")
    if not caught_up:
        verdict["failures"].append(
            f"events: the transformer had not caught up {waited:.0f} s after the load ended")
    if ledger_n - landed_n:
        verdict["failures"].append(
            f"events: {ledger_n - landed_n} accepted records are in neither silver nor quarantine")
    if ledger_n - bronze_n:
        verdict["failures"].append(f"events: {ledger_n - bronze_n} accepted records not in bronze")
    return verdict


# --------------------------------------------------------------------------- reporting

def write_csv(soak: Soak) -> str:
    path = os.path.join(soak.out, "samples.csv")
    cols = ["t_s", "phase", "process", "pid", "rss_kb", "cpu_s"] + JUDGED + RECORDED
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for r in soak.rows:
            w.writerow({k: (int(v) if isinstance(v, float) and v.is_integer() else v)
                        for k, v in r.items()})
    return path


def git(*args: str) -> str:
    try:
        return subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(__file__)), *args],
                              capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine_note(soak: Soak, v: dict) -> str:
    try:
        mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
        mem_s = f"{mem / MB:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        mem_s = "RAM unknown"
    loads = soak.loads
    load_s = (f"1-minute load average {min(loads):.1f}-{max(loads):.1f} (mean {mean(loads):.1f})"
              if loads else "load average unknown")
    own = sum(m["cpu_percent"] or 0 for m in v["memory"])
    return (f"{platform.machine()}, {os.cpu_count()} cores, {mem_s}, {load_s} during the run, "
            f"of which the soak's processes (PostgreSQL aside) used {own:.0f} % of a core")


def rss_series(soak: Soak) -> str:
    """RSS of every process at each tenth of the load (the sample nearest to it), in MB."""
    d = soak.a.duration
    marks = [d * i / 10 for i in range(11)]
    head = "| RSS (MB) at t = | " + " | ".join(f"{t:.0f} s" for t in marks) + " |"
    out = ["RSS through the run (the sample nearest each tenth of the load):", "", head,
           "|---" * (len(marks) + 1) + "|"]
    for p in SERVICES + list(soak.loaders):
        rows = [r for r in soak.rows if r["process"] == p and r["rss_kb"] != ""
                and r["phase"] in ("load", "load-end")]
        if not rows:
            continue
        cells = [mb(min(rows, key=lambda r: abs(r["t_s"] - t))["rss_kb"]) for t in marks]
        out.append(f"| {p} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def report(soak: Soak, v: dict, started: datetime.datetime, csv_path: str) -> str:
    a = soak.a
    ev = v["events"]
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = " (uncommitted changes in the tree)" if git("status", "--porcelain",
                                                        "--untracked-files=no") else ""
    rel_csv = os.path.relpath(csv_path, a.root)
    lines = []
    verdict = "**PASS**" if not v["failures"] else "**FAIL**"
    lines.append(
        f"Run {started:%Y-%m-%d %H:%M} UTC at commit `{commit}`{dirty}: {a.duration:.0f} s at "
        f"{a.orders_rate:g} orders/s + {a.interactions_rate:g} interactions/s "
        f"({a.batch} events per request), RSS and /metrics sampled every {a.interval:g} s, "
        f"kpi-api asked once a second. Machine: {machine_note(soak, v)}. Verdict: {verdict}.")
    lines.append("")
    ports = ", ".join(f"{s} {a.ports[s]}" for s in SERVICES)
    pg = re.search(r":(\d+)/", a.db)
    lines.append(f"Re-run: `tests/reliability/soak.sh` ({a.duration:.0f} s here; `--short` runs "
                 "60 s, `DURATION=S` any length). It starts its own stack (here: "
                 f"{ports}, PostgreSQL {pg.group(1) if pg else '?'}, state in "
                 f"`{os.path.relpath(a.run_dir, a.root)}`), writes the samples to `{rel_csv}` "
                 "and rewrites this section; `--no-doc` leaves it.")
    lines.append("")
    cap = retained_capacity_bytes(a.root) / MB
    lines.append(
        "Memory (VmRSS, MB). The first quarter of the load is warm-up; *warm* is the mean of "
        "the second quarter, *end* the mean of the last; flat means end − warm ≤ 10 % of warm "
        "+ 5 MB. *Trend* is the least-squares slope after warm-up. kafka-dev-broker is "
        "librdkafka's mock cluster, whose log lives in memory, trimmed to 5 MB per partition: "
        f"it grows with the records it retains until all of them are full, so its limit adds "
        f"that capacity ({cap:.0f} MB for the catalogue's partitions). `load-*` are the two "
        "`eventgen load` processes.")
    lines.append("")
    lines.append("| Process | Start | Warm (mean Q2) | End (mean Q4) | Max | Growth | Trend | "
                 "Limit | Flat | CPU (% of a core) | Errors: total / after warm-up |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    errors = {e["process"]: e["counters"] for e in v["errors"]}
    for m in v["memory"]:
        g = m["growth_kb"]
        pct = f" ({100 * g / m['q2_kb']:+.1f} %)" if m["q2_kb"] == m["q2_kb"] and m["q2_kb"] else ""
        c = errors.get(m["process"], {})
        et = sum(x["total"] for x in c.values() if x["judged"])
        ew = sum(x["after_warmup"] for x in c.values() if x["judged"])
        cpu = m.get("cpu_percent")
        flat = "**no**" if not m["ok"] else (
            "bounded (log capacity)" if m["process"] == "kafka-dev-broker" else "yes")
        lines.append(
            f"| {m['process']} | {mb(m['start_kb']) if m['start_kb'] else '-'} | "
            f"{mb(m['q2_kb'])} | {mb(m['q4_kb'])} | {mb(m['max_kb']) if m['max_kb'] else '-'} | "
            f"{g / 1024:+.1f}{pct} | {m['slope_kb_per_min'] / 1024:+.2f} MB/min | "
            f"{m['limit_kb'] / 1024:.1f} | {flat} | "
            f"{f'{cpu:.0f}' if cpu is not None else '-'} | "
            f"{et:g} / {'**' + format(ew, 'g') + '**' if ew else '0'} |")
    lines.append("")
    lines.append(rss_series(soak))
    lines.append("")
    lines.append(
        "Errors per counter, total / after warm-up (judged: none may grow after warm-up): "
        "http_5xx, 5xx answers on every route but /readyz; http_overloaded, connections shed; "
        "not_ready, the soak's own /readyz polls (one per sample) not answered 200; "
        "metrics_unanswered, /metrics polls not answered; the gateway's kafka_failures; the "
        "transformer's batches_failed, batches_fenced, records_lost_in_kafka, dq_run_errors, "
        "bronze_maintenance_errors; the loaders' events without an answer (loader_failed); "
        "probe_failures, the soak's own requests to kpi-api (once a second) and eventgen (a "
        "batch per sample) not answered 200. Recorded, not judged: readyz_5xx (503 while a service "
        "starts, by design), the gateway's rejected events, quarantine and DLQ rows (seed 003's "
        "dirty data lands there by design).")
    lines.append("")
    lines.append("| Process | Judged | Recorded |")
    lines.append("|---|---|---|")
    for e in v["errors"]:
        c = e["counters"]

        def cells(judged: bool) -> str:
            out = []
            for k, x in c.items():
                if x["judged"] != judged or (not judged and k not in SHOWN_RECORDED):
                    continue
                s = f"{k} {x['total']:g} / {x['after_warmup']:g}"
                out.append(f"**{s}**" if judged and x["after_warmup"] > 0 else s)
            return ", ".join(out) or "-"
        lines.append(f"| {e['process']} | {cells(True)} | {cells(False)} |")
    kp = soak.kpi_probes
    lines.append("")
    lines.append(f"kpi-api probes: {kp['sent']} requests over {len(KPI_PATHS)} endpoints, "
                 f"answers {', '.join(f'{s}: {n}' for s, n in sorted(kp['statuses'].items()))}; "
                 f"eventgen service batches not answered 200: {soak.eventgen_probe_failures}.")
    lines.append("")
    lines.append("Events (the loaders' summaries and ledgers against the warehouse):")
    lines.append("")
    lines.append("| Stream | Sent | Acknowledged (accepted) | Rejected (DLQ) | No answer | "
                 "In bronze | Landed (silver or quarantine) | Of which quarantined | Lost | Rate achieved |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    for name, (_, kind, _) in LOADERS.items():
        s = ev["summaries"].get(kind)
        l = ev["by_kind"].get(kind, {})
        if not s:
            continue
        lines.append(
            f"| {kind} | {s.get('sent', 0):,} | {s.get('accepted', 0):,} | "
            f"{s.get('rejected', 0):,} | {s.get('failed', 0):,} | {l.get('in_bronze', 0):,} | "
            f"{l.get('landed', 0):,} | {l.get('quarantined', 0):,} | "
            f"{l.get('accepted', 0) - l.get('landed', 0):,} | "
            f"{float(s.get('rate_per_second', 0)):,.0f}/s |")
    lines.append(
        f"| **total** | {ev['sent']:,} | {ev['accepted']:,} | {ev['rejected']:,} | "
        f"{ev['failed']:,} | {ev['in_bronze']:,} | {ev['landed']:,} | "
        f"{sum(x.get('quarantined', 0) for x in ev['by_kind'].values()):,} | {ev['lost']:,} | "
        f"{ev['rate']:,.0f}/s of {ev['target_rate']:,.0f}/s |")
    wh = ev["warehouse"]
    lines.append("")
    lines.append(
        f"The transformer caught up {ev['catch_up_seconds']:.0f} s after the load ended"
        f"{'' if ev['caught_up'] else ' (it had NOT caught up: timed out)'}. Warehouse rows: "
        f"silver.orders {wh.get('silver_orders', 0):,}, silver.interactions "
        f"{wh.get('silver_interactions', 0):,} (one row per id: duplicate ids are one row), "
        f"silver.quarantine {wh.get('quarantine', 0):,}, dead letters in bronze "
        f"{wh.get('bronze_dlq', 0):,}.")
    lines.append("")
    if v["failures"]:
        lines.append("Failed judgements:")
        lines.append("")
        lines += [f"- {f}" for f in v["failures"]]
    else:
        lines.append("Every judgement passed: memory flat after warm-up in every process (the "
                     "dev broker within its log's capacity), no error counter grew after warm-up, "
                     "every acknowledged event landed.")
    return "\n".join(lines) + "\n"


def write_doc(path: str, text: str) -> None:
    with open(path, encoding="utf-8") as f:
        doc = f.read()
    i, j = doc.find(BEGIN), doc.find(END)
    if i < 0 or j < i:
        raise SystemExit(f"soak: {path} has no {BEGIN} ... {END} section")
    new = doc[:i + len(BEGIN)] + "\n" + text + doc[j:]
    tmp = path + ".soak.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(new)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- main

def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", required=True)
    p.add_argument("--run-dir", required=True)
    p.add_argument("--db", required=True, help="warehouse URL (a role that reads every layer)")
    p.add_argument("--eventgen", required=True, help="the eventgen binary")
    p.add_argument("--gateway", required=True)
    p.add_argument("--port", action="append", default=[], metavar="SERVICE=PORT")
    p.add_argument("--duration", type=float, default=600)
    p.add_argument("--interval", type=float, default=5)
    p.add_argument("--orders-rate", type=float, default=1000)
    p.add_argument("--interactions-rate", type=float, default=500)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--catchup-timeout", type=float, default=120)
    p.add_argument("--doc")
    a = p.parse_args()
    a.ports = dict(x.split("=", 1) for x in a.port)
    a.ports = {k: int(v) for k, v in a.ports.items()}
    missing = [s for s in SERVICES if s not in a.ports]
    if missing:
        p.error("no --port for " + ", ".join(missing))
    if a.duration < 8 * a.interval:
        p.error("--duration must hold at least 8 samples (2 per quarter)")
    if not os.environ.get("GATEWAY_API_KEY"):
        p.error("GATEWAY_API_KEY is not set")

    started = datetime.datetime.now(datetime.timezone.utc)
    soak = Soak(a)
    try:
        soak.run_load()
    finally:
        for proc in soak.loaders.values():
            if proc.poll() is None:
                proc.kill()
    accepted = soak.accepted_records()
    print(f"soak: load done; waiting (at most {a.catchup_timeout:.0f} s) for "
          f"{sum(accepted.values()):,} accepted records to reach bronze", flush=True)
    caught_up, waited = soak.wait_caught_up(sum(accepted.values()))
    soak.sample("final")
    landed = soak.landed()
    wh = soak.warehouse_rows()
    v = judge(soak, accepted, caught_up, waited, landed, wh)
    csv_path = write_csv(soak)
    text = report(soak, v, started, csv_path)
    with open(os.path.join(soak.out, "report.md"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(soak.out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump({"verdict": v, "kpi_probes": soak.kpi_probes}, f, indent=1, default=str)
    print(text)
    if a.doc:
        write_doc(a.doc, text)
        print(f"soak: wrote its section of {a.doc}")
    if v["failures"]:
        print("soak: FAILED:\n  " + "\n  ".join(v["failures"]), file=sys.stderr)
        return 1
    print("soak: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
