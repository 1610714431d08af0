#!/usr/bin/env python3
"""The bad-input catalogue: hostile and careless input for every HTTP endpoint of every service
and for raw Kafka records, against a running stack (tests/reliability/bad_input.sh starts one).

Every endpoint is enumerated from docs/openapi.yaml and checked against the routes each running
service registered (its /metrics lists them), so an endpoint added to either is covered or fails
the run. Each case states the answer it expects: a 4xx with the project's error body
{"error":{"code":..,"message":..}} (or, for a free-text KPI filter, a 200 that matched nothing).
Between groups of cases every service must answer GET /healthz 200; at the end every service
process must still be alive. Raw Kafka records written with `kcat -P` must each become a row
of silver.quarantine with a reason while a valid event sent after them lands in silver.

A case whose answer today differs from what it should be, for a reason recorded in KNOWN, is
reported as a finding (ok column "known") and does not fail the run; any other unexpected
answer, any 5xx, a crash or a /healthz failure does.

Python 3 standard library only. Environment (defaults of scripts/lib.sh): RUN_DIR, GATEWAY_PORT,
EVENTGEN_PORT, TRANSFORMER_PORT, KPI_API_PORT, BROKER_CONTROL_PORT, DATABASE_URL.

  tests/reliability/bad_input.py [--doc docs/reliability.md] [--only SERVICE,...] [--quick]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import selectors
import socket
import struct
import subprocess
import sys
import time
import urllib.parse
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RUN_DIR = os.environ.get("RUN_DIR", os.path.join(ROOT, ".run"))
HOST = "127.0.0.1"
SERVICES = ["ingest-gateway", "eventgen", "transformer", "kpi-api", "kafka-dev-broker"]
PORTS = {
    "ingest-gateway": int(os.environ.get("GATEWAY_PORT", "8080")),
    "eventgen": int(os.environ.get("EVENTGEN_PORT", "8081")),
    "transformer": int(os.environ.get("TRANSFORMER_PORT", "8082")),
    "kpi-api": int(os.environ.get("KPI_API_PORT", "8083")),
    "kafka-dev-broker": int(os.environ.get("BROKER_CONTROL_PORT", "8090")),
}
PG_PORT = os.environ.get("PG_PORT", "5433")
DATABASE_URL = os.environ.get("DATABASE_URL",
                              f"postgresql://postgres@127.0.0.1:{PG_PORT}/analytics")

# Body limits (MAX_BODY_BYTES) as the stack starts the services: the gateway 10 MiB, others 1 MiB.
BODY_LIMIT = {s: 1024 * 1024 for s in SERVICES}
BODY_LIMIT["ingest-gateway"] = 10 * 1024 * 1024

UNKNOWN_JOB = "00000000-0000-4000-8000-000000000000"
# Values that make a documented path concrete. A path parameter without one fails the run, so a
# new endpoint cannot go untested.
PATH_SAMPLES = {
    "event_type": "commerce.transaction",
    "version": "1",
    "job_id": UNKNOWN_JOB,
    "file": "index.html",
    "broker_id": "1",
    "state": "up",  # brokers are up: "up" changes nothing
    "api_key": "998",  # no Kafka API has this number: clearing it changes nothing
}

# --------------------------------------------------------------------------- known findings
# Answers that differ today from what the case expects, each with why. A case marked with one
# that answers what it expects passes; one that answers something else still fails. The run
# names the entries no case hit, so a fixed finding is noticed and its entry removed.
KNOWN = {
    "encoded_slash": (None, "%2F in a path is decoded before routing, so "
                      "/v1%2Fkpi%2Fsummary is an alias of /v1/kpi/summary (cpp-httplib; no file "
                      "is ever read from a request path)"),
    "unknown_method": ({400}, "a method cpp-httplib does not know (BREW) is 400 bad_request, "
                       "not the 405 method_not_allowed docs/openapi.yaml promises (common/http)"),
    "gateway_nul": ({200}, "the gateway accepts a string holding \\u0000 (valid JSON, within the "
                    "schema); silver can never store it and quarantines the record "
                    "schema_violation"),
}


# --------------------------------------------------------------------------- HTTP, byte-exact

@dataclass
class Reply:
    status: Optional[int] = None  # None: no answer (connection closed or timed out)
    headers: dict = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    elapsed: float = 0.0
    error: str = ""

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def error_code(self) -> str:
        doc = self.json()
        if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
            return str(doc["error"].get("code", ""))
        return ""

    def shown(self) -> str:
        if self.status is None:
            return f"no answer ({self.error})"
        code = self.error_code()
        return f"{self.status} {code}".strip()


def _parse_response(data: bytes, head_request: bool) -> Optional[Reply]:
    """A complete response parsed from `data`, or None while more bytes are needed."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = data[:end].split(b"\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", lines[0])
    if not m:
        return Reply(status=None, error=f"not an HTTP response: {lines[0][:60]!r}")
    reply = Reply(status=int(m.group(1)))
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        reply.headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    rest = data[end + 4:]
    if head_request or reply.status in (204, 304) or 100 <= reply.status < 200:
        return reply
    if reply.headers.get("transfer-encoding", "").lower() == "chunked":
        body, pos = b"", 0
        while True:
            eol = rest.find(b"\r\n", pos)
            if eol < 0:
                return None
            size = int(rest[pos:eol].split(b";")[0], 16)
            if size == 0:
                reply.body = body
                return reply
            if len(rest) < eol + 2 + size + 2:
                return None
            body += rest[eol + 2:eol + 2 + size]
            pos = eol + 2 + size + 2
    if "content-length" in reply.headers:
        n = int(reply.headers["content-length"])
        if len(rest) < n:
            return None
        reply.body = rest[:n]
        return reply
    return None  # body until close


def _answer_at_close(received: bytes, head_request: bool, error: str) -> Reply:
    """The answer once the server closed the connection: complete, read until the close, or
    none at all."""
    parsed = _parse_response(received, head_request)
    if parsed is None and received:
        parsed = _parse_response(received + b"\r\n\r\n", True)  # the head, then what came
        if parsed is not None and parsed.status is not None:
            end = received.find(b"\r\n\r\n")
            parsed.body = received[end + 4:] if end >= 0 else b""
    return parsed or Reply(status=None, error=error or "connection closed without an answer")


def http_exchange(port: int, raw_head: bytes, body: Iterable[bytes] = (), timeout: float = 15,
                  head_request: bool = False, half_close: bool = False) -> Reply:
    """Sends `raw_head` and then the chunks of `body` while reading, and returns the answer as
    soon as it is complete: a server may answer (413, 400) before the body is all sent and close
    the connection, and the answer must not be lost to the reset that follows. `half_close`
    shuts the sending side once all is sent, as a client that gave up would."""
    started = time.monotonic()
    try:
        sock = socket.create_connection((HOST, port), timeout=5)
    except OSError as e:
        return Reply(status=None, error=f"connect: {e}", elapsed=time.monotonic() - started)
    sock.setblocking(False)
    chunks = _prepend(raw_head, body)
    out = memoryview(b"")
    received = b""
    reply: Optional[Reply] = None
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    deadline = started + timeout
    try:
        while reply is None:
            left = deadline - time.monotonic()
            if left <= 0:
                reply = Reply(status=None, error=f"timed out after {timeout:g} s")
                break
            for _, events in sel.select(min(left, 0.5)):
                if events & selectors.EVENT_READ:
                    try:
                        chunk, error = sock.recv(1 << 16), ""
                    except (ConnectionResetError, BrokenPipeError) as e:
                        chunk, error = b"", str(e)
                    if not chunk:
                        reply = _answer_at_close(received, head_request, error)
                        break
                    received += chunk
                    reply = _parse_response(received, head_request)
                    if reply is not None:
                        break
                if events & selectors.EVENT_WRITE:
                    if not out:
                        nxt = next(chunks, None)
                        if nxt is None:  # all sent: only the answer is left
                            sel.modify(sock, selectors.EVENT_READ)
                            if half_close:
                                sock.shutdown(socket.SHUT_WR)
                            continue
                        out = memoryview(nxt)
                    try:
                        out = out[sock.send(out):]
                    except BlockingIOError:
                        pass
                    except (BrokenPipeError, ConnectionResetError):
                        sel.modify(sock, selectors.EVENT_READ)  # it answered, or will say why
    finally:
        sel.close()
        sock.close()
    reply.elapsed = time.monotonic() - started
    return reply


def _prepend(first: bytes, rest: Iterable[bytes]) -> Iterable[bytes]:
    yield first
    yield from rest


def request(port: int, method: str, target: str, headers: Optional[list] = None,
            body: Optional[bytes] = None, stream: Optional[Iterable[bytes]] = None,
            content_length: Optional[int] = None, timeout: float = 15,
            half_close: bool = False) -> Reply:
    """One request on a fresh connection. `body` is sent with its Content-Length (unless
    `headers` frame it otherwise); `stream` is sent as it is produced, framed by `headers`."""
    lines = [f"{method} {target} HTTP/1.1".encode("latin-1") if isinstance(target, str)
             else method.encode() + b" " + target + b" HTTP/1.1",
             f"Host: {HOST}".encode(), b"Connection: close"]
    names = set()
    for h in headers or []:
        raw = h if isinstance(h, bytes) else h.encode("latin-1")
        names.add(raw.split(b":")[0].strip().lower())
        lines.append(raw)
    if body is not None and b"content-length" not in names and b"transfer-encoding" not in names:
        lines.append(f"Content-Length: {len(body)}".encode())
    if content_length is not None:
        lines.append(f"Content-Length: {content_length}".encode())
    head = b"\r\n".join(lines) + b"\r\n\r\n"
    chunks: Iterable[bytes] = stream if stream is not None else ([body] if body else [])
    return http_exchange(port, head, chunks, timeout, head_request=(method == "HEAD"),
                         half_close=half_close)


def get(service: str, target: str, timeout: float = 10, headers=None) -> Reply:
    return request(PORTS[service], "GET", target, headers=headers, timeout=timeout)


def chunked(data: bytes, size: int = 1 << 16) -> Iterable[bytes]:
    for i in range(0, len(data), size):
        piece = data[i:i + size]
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


# --------------------------------------------------------------------------- hostile payloads

def gzip_bomb(wbits: int = 31) -> bytes:
    """1 GiB of zeros, gzip (wbits 31) or zlib/deflate (wbits 15) compressed to ~1 MB. Built
    from one 64 MiB block repeated: after a full flush deflate keeps no history, so every block
    of the same input compresses to the same bytes."""
    block_in = 64 << 20
    comp = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    block = comp.compress(bytes(block_in)) + comp.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # final empty block
    zeros = bytes(block_in)
    if wbits == 31:
        crc = 0
        for _ in range(16):
            crc = zlib.crc32(zeros, crc)
        return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + block * 16 + end +
                struct.pack("<II", crc, (16 * block_in) & 0xFFFFFFFF))
    adler = 1
    for _ in range(16):
        adler = zlib.adler32(zeros, adler)
    return b"\x78\xda" + block * 16 + end + struct.pack(">I", adler)


def deep(n: int = 100_000) -> bytes:
    return ("[" * n + "]" * n).encode()


def deep_object(n: int = 100_000) -> bytes:
    return ('{"a":' * n + "1" + "}" * n).encode()


GARBAGE = random.Random(10).randbytes(4096)
BOMB_GZIP = b""
BOMB_DEFLATE = b""

SQL_INJECTIONS = [
    "' OR '1'='1",
    "x'; DROP TABLE gold.fact_orders; --",
    "'); SELECT pg_sleep(5); --",
    "2026-01-01' OR 1=1 --",
    "1 UNION SELECT usename, passwd FROM pg_shadow --",
    "$$; DELETE FROM silver.orders; $$",
    "\\'; TRUNCATE silver.quarantine; --",
]


def q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


# --------------------------------------------------------------------------- the catalogue

@dataclass
class Case:
    service: str
    endpoint: str  # "POST /v1/load"
    input: str
    send: Callable[[], Reply]
    expect: set  # statuses that are right
    code: Optional[set] = None  # error codes that are right (for a 4xx), None: any
    known: Optional[str] = None  # key of KNOWN: today's deviation, reported as a finding
    check: Optional[Callable[[Reply], str]] = None  # extra assertion: "" when fine
    group: str = ""
    cleanup: Optional[Callable[[Reply], None]] = None
    error_body: bool = True  # a 4xx carries {"error":{...}} (the gateway's 422 is per record)


@dataclass
class Result:
    case: Case
    reply: Reply
    verdict: str  # ok | known | FAIL
    why: str = ""


def error_body_problem(reply: Reply) -> str:
    """Why the answer is not the project's error body, or "" when it is."""
    doc = reply.json()
    if not isinstance(doc, dict) or not isinstance(doc.get("error"), dict):
        return "body is not {\"error\":{...}}: " + reply.body[:80].decode("utf-8", "replace")
    err = doc["error"]
    if not isinstance(err.get("code"), str) or not err["code"]:
        return "error.code missing"
    if not isinstance(err.get("message"), str) or not err["message"]:
        return "error.message missing"
    if not reply.headers.get("content-type", "").startswith("application/json"):
        return "error without Content-Type application/json"
    return ""


def judge(case: Case, reply: Reply) -> Result:
    status = reply.status
    if status is None:
        return Result(case, reply, "FAIL", "no answer: " + reply.error)
    if status >= 500:
        return Result(case, reply, "FAIL", "5xx")
    right = status in case.expect
    why = ""
    if right and 400 <= status < 500 and case.error_body:
        why = error_body_problem(reply)
        if not why and case.code and reply.error_code() not in case.code:
            why = f"code {reply.error_code()!r}, expected {'/'.join(sorted(case.code))}"
    if right and not why and case.check:
        why = case.check(reply)
    if right and not why:
        return Result(case, reply, "ok")
    if case.known and (KNOWN[case.known][0] is None or status in KNOWN[case.known][0]):
        # Even a known deviation answers a 4xx in the project's error shape.
        if 400 <= status < 500 and case.error_body and error_body_problem(reply):
            return Result(case, reply, "FAIL", error_body_problem(reply))
        return Result(case, reply, "known", KNOWN[case.known][1])
    return Result(case, reply, "FAIL", why or "unexpected status")


def expected_text(case: Case) -> str:
    text = "/".join(str(s) for s in sorted(case.expect))
    if case.code:
        text += " " + "/".join(sorted(case.code))
    return text


# --------------------------------------------------------------------------- endpoints

@dataclass
class Endpoint:
    service: str
    method: str
    path: str  # OpenAPI template, e.g. /v1/load/{job_id}
    query: list  # query parameter names
    path_params: list

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    def concrete(self, **override) -> str:
        out = self.path
        for p in self.path_params:
            out = out.replace("{" + p + "}", override.get(p, PATH_SAMPLES[p]))
        return out


def read_openapi(path: str) -> list:
    """Every (service, method, path) of docs/openapi.yaml with its parameters. A small reader of
    this file's regular layout (the standard library has no YAML parser)."""
    lines = open(path, encoding="utf-8").read().splitlines()
    comp = {}  # components.parameters: key -> (name, in)
    in_comp_params, current = False, None
    for line in lines:
        if line == "components:":
            in_comp_params = False
        if line == "  parameters:":
            in_comp_params = True
            continue
        if in_comp_params:
            if re.match(r"^  \S", line):
                in_comp_params = False
                continue
            m = re.match(r"^    (\w+):\s*$", line)
            if m:
                current = m.group(1)
                comp[current] = {}
            m = re.match(r"^      (name|in): (.+)$", line)
            if m and current:
                comp[current][m.group(1)] = m.group(2).strip()
    anchors, endpoints = {}, []
    in_paths = False
    path = None
    path_params, ops = [], {}
    anchor_name, servers = None, []
    op, param_target, pending_name = None, None, None

    def finish_path():
        if path is None:
            return
        for method, params in ops.items():
            names = path_params + params
            query = [n for n, where in names if where == "query"]
            in_path = [n for n, where in names if where == "path"]
            for service in servers:
                endpoints.append(Endpoint(service, method.upper(), path, query, in_path))

    for line in lines:
        if line == "paths:":
            in_paths = True
            continue
        if line == "components:":
            finish_path()
            break
        if not in_paths:
            continue
        m = re.match(r"^  (/\S*):\s*$", line)
        if m:
            finish_path()
            path, path_params, ops, servers, op, param_target = m.group(1), [], {}, [], None, None
            continue
        m = re.match(r"^    servers: ([&*])(\w+)", line)
        if m:
            if m.group(1) == "*":
                servers = list(anchors[m.group(2)])
                anchor_name = None
            else:
                anchor_name = m.group(2)
                anchors[anchor_name] = servers = []
            continue
        m = re.match(r"^        description: (.+)$", line)
        if anchor_name and m:
            desc = m.group(1)
            for s in SERVICES:
                if desc.startswith(s):
                    servers.append(s)
            continue
        m = re.match(r"^    (get|post|put|patch|delete):", line)
        if m:
            anchor_name = None
            op = m.group(1)
            ops[op] = []
            param_target = None
            continue
        if re.match(r"^    parameters:", line):
            param_target = path_params
            continue
        if re.match(r"^      parameters:", line):
            param_target = ops[op]
            continue
        if param_target is not None:
            m = re.match(r"^\s+- \$ref: '#/components/parameters/(\w+)'", line)
            if m:
                c = comp[m.group(1)]
                param_target.append((c["name"], c["in"]))
                continue
            m = re.match(r"^\s+- name: (\S+)", line)
            if m:
                pending_name = m.group(1)
                continue
            m = re.match(r"^\s+in: (\w+)", line)
            if m and pending_name:
                param_target.append((pending_name, m.group(1)))
                pending_name = None
                continue
            if re.match(r"^      \w", line) and not line.startswith("      parameters"):
                param_target = None
    return endpoints


def registered_routes(service: str) -> set:
    """(method, route pattern) of every route the running service registered: http::Server
    creates each route's latency histogram at registration, so /metrics lists them all."""
    reply = get(service, "/metrics")
    routes = set()
    for m in re.finditer(r'^http_request_duration_seconds_count\{(.*)\} \S+$', reply.body.decode(),
                         re.M):
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(1)))
        routes.add((labels.get("method"), labels.get("route", "").replace("\\\\", "\\")))
    return routes


# --------------------------------------------------------------------------- case builders

GW_KEY = ""  # the stack's gateway API key (set in main)


def gw_headers(content_type: Optional[str] = "application/json", key: bool = True) -> list:
    h = []
    if content_type is not None:
        h.append(f"Content-Type: {content_type}")
    if key and GW_KEY:
        h.append(f"X-API-Key: {GW_KEY}")
    return h


def valid_order(**override) -> dict:
    doc = {
        "order_id": str(uuid.uuid4()), "customer_id": 4711, "customer_name": "Bad Input",
        "email": "bad.input@example.com", "product": "Laptop Sleeve", "category": "Accessories",
        "quantity": 1, "price": 19.99, "region": "EU-West",
        "timestamp": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": "completed",
    }
    doc.update(override)
    return doc


def order_text(**override) -> str:
    return json.dumps(valid_order(**override), separators=(",", ":"))


def with_placeholder(doc_text: str, placeholder: str, raw: bytes) -> bytes:
    return doc_text.encode().replace(placeholder.encode(), raw)


@dataclass
class BodySpec:
    """How an endpoint that reads a JSON body is exercised: a valid body, and what its fields
    are, so that each hostile variant changes one thing."""
    valid: dict  # a body the endpoint accepts (cheap, harmless: it may run)
    string_field: str
    number_field: str
    wrong_types: list  # (description, body dict)
    bad_status: int = 400  # answer to a body the endpoint cannot use
    bad_codes: set = field(default_factory=lambda: {"malformed_json"})
    field_codes: set = field(default_factory=lambda: {"invalid_parameter"})
    empty_codes: set = field(default_factory=lambda: {"malformed_json"})


BODY_SPECS = {
    ("eventgen", "POST", "/v1/load"): BodySpec(
        valid={"event_type": "transactions", "count": 1, "rate": 1000, "batch_size": 1},
        string_field="event_type", number_field="count",
        wrong_types=[("count as string", {"event_type": "transactions", "count": "5"}),
                     ("rate as object", {"event_type": "transactions", "count": 1, "rate": {}}),
                     ("event_type as number", {"event_type": 7, "count": 1}),
                     ("seed negative", {"event_type": "transactions", "count": 1, "seed": -1}),
                     ("count -1 (2^64-1 events)", {"event_type": "transactions", "count": -1}),
                     ("count 0 and no duration", {"event_type": "transactions", "count": 0}),
                     ("rate 0", {"event_type": "transactions", "count": 1, "rate": 0}),
                     ("rate NaN-like string", {"event_type": "transactions", "count": 1,
                                               "rate": "NaN"}),
                     ("batch_size 0", {"event_type": "transactions", "count": 1, "batch_size": 0}),
                     ("late_rate 2", {"event_type": "interactions", "count": 1, "late_rate": 2}),
                     ("unknown field gateway_url", {"event_type": "transactions", "count": 1,
                                                    "gateway_url": "http://example.com"}),
                     ("null count", {"event_type": "transactions", "count": None})],
        empty_codes={"invalid_parameter", "malformed_json"},
        field_codes={"invalid_parameter", "malformed_json"}),
    ("kafka-dev-broker", "POST", "/v1/topics"): BodySpec(
        valid={"name": "badinput.valid", "partitions": 1},
        string_field="name", number_field="partitions",
        wrong_types=[("name as number", {"name": 5}),
                     ("partitions as string", {"name": "badinput.t", "partitions": "3"}),
                     ("prefix as array", {"prefix": ["x"]}),
                     ("name missing", {"partitions": 1}),
                     ("partitions 0", {"name": "badinput.zero", "partitions": 0}),
                     ("partitions -1", {"name": "badinput.neg", "partitions": -1}),
                     ("partitions 1e6", {"name": "badinput.many", "partitions": 1000000}),
                     ("name empty", {"name": ""})],
        field_codes={"invalid_argument", "malformed_json"}),
    ("kafka-dev-broker", "POST", "/v1/brokers/{broker_id}/rtt"): BodySpec(
        valid={"ms": 0},
        string_field="ms", number_field="ms",
        wrong_types=[("ms as string", {"ms": "400"}), ("ms -1", {"ms": -1}),
                     ("ms 60001", {"ms": 60001}), ("ms missing", {}),
                     ("ms 1.5", {"ms": 1.5})],
        field_codes={"invalid_argument", "malformed_json"}),
    ("kafka-dev-broker", "POST", "/v1/faults/request-errors"): BodySpec(
        valid={"api_key": 998, "error": "NOT_ENOUGH_REPLICAS", "count": 1},
        string_field="error", number_field="count",
        wrong_types=[("api_key as string", {"api_key": "0", "error": "NOT_ENOUGH_REPLICAS"}),
                     ("error as number", {"api_key": 998, "error": 19}),
                     ("count 0", {"api_key": 998, "error": "NOT_ENOUGH_REPLICAS", "count": 0}),
                     ("unknown error name", {"api_key": 998, "error": "NO_SUCH_ERROR"}),
                     ("api_key missing", {"error": "NOT_ENOUGH_REPLICAS"}),
                     ("api_key -1", {"api_key": -1, "error": "NOT_ENOUGH_REPLICAS"})],
        field_codes={"invalid_argument", "malformed_json"}),
}
# Endpoints whose body is read within the limit and then ignored (documented).
BODY_IGNORED = {("kafka-dev-broker", "POST", "/v1/brokers/{broker_id}/{state}"),
                ("eventgen", "DELETE", "/v1/load/{job_id}"),
                ("kafka-dev-broker", "DELETE", "/v1/faults/request-errors/{api_key}")}
GATEWAY_INGEST = ("ingest-gateway", "POST", "/v1/events/{event_type}")


def build_cases(endpoints: list, quick: bool) -> list:
    cases = []
    stalled = set()
    for ep in endpoints:
        cases += method_cases(ep, endpoints)
        cases += query_cases(ep)
        cases += path_cases(ep)
        stall = ep.method != "GET" and ep.service not in stalled
        if stall:
            stalled.add(ep.service)
        cases += framing_cases(ep, stall)
        key = (ep.service, ep.method, ep.path)
        if key == GATEWAY_INGEST:
            cases += gateway_cases(ep)
        elif key in BODY_SPECS:
            cases += json_body_cases(ep, BODY_SPECS[key])
        elif key in BODY_IGNORED:
            cases += ignored_body_cases(ep)
        elif ep.method != "GET":
            cases.append(Case(ep.service, ep.name, "no body catalogue for this endpoint",
                              lambda: Reply(status=None, error="add it to BODY_SPECS"), {0},
                              group="coverage"))
        if ep.service == "kpi-api" and ep.path.startswith("/v1/") and ep.path != "/v1/kpi":
            cases += kpi_cases(ep, quick)
        if ep.service == "eventgen" and ep.method == "GET" and ep.query:
            cases += batch_query_cases(ep)
    return cases


def method_cases(ep: Endpoint, endpoints: list) -> list:
    served = {e.method for e in endpoints if e.service == ep.service and e.path == ep.path}
    if ep.method != min(served):  # once per path
        return []
    port, target = PORTS[ep.service], ep.concrete()
    cases = []
    # HEAD is served wherever GET is (cpp-httplib); a HEAD answer has no body to check.
    for method in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]:
        if method in served or (method == "HEAD" and "GET" in served):
            continue
        body = b"" if method in ("POST", "PUT", "PATCH") else None
        cases.append(Case(
            ep.service, f"{method} {ep.path}", f"wrong method {method} (path serves "
            f"{'/'.join(sorted(served))})",
            lambda m=method, b=body: request(port, m, target, body=b), {405},
            None if method == "HEAD" else {"method_not_allowed"},
            group="methods", error_body=method != "HEAD"))
    for method in ["BREW", "TRACE", "CONNECT", "PRI"]:
        cases.append(Case(
            ep.service, f"{method} {ep.path}", f"unknown method {method}",
            lambda m=method: request(port, m, target), {405}, {"method_not_allowed"},
            known="unknown_method" if method == "BREW" else None, group="methods"))
    return cases


def query_cases(ep: Endpoint) -> list:
    port, path = PORTS[ep.service], ep.concrete()
    send = (lambda t: request(port, ep.method, t, body=b"" if ep.method == "POST" else None))
    cases = []

    def add(inp, target, expect=None, code=None, known=None):
        cases.append(Case(ep.service, ep.name, inp, lambda t=target: send(t),
                          expect or {400}, code or {"invalid_parameter"}, known=known,
                          group="query"))

    add("unknown query parameter ?bogus=1", path + "?bogus=1")
    add("unknown parameter with NUL name ?%00=1", path + "?%00=1")
    add("unknown parameter, invalid UTF-8 name ?%FF%FE=1", path + "?%FF%FE=1")
    add("unknown parameter with raw invalid UTF-8 bytes", path.encode() + b"?\xff\xfe=1")
    # cpp-httplib refuses a request target over 8 KiB before any route sees it.
    add("unknown parameter, 10 kB name", path + "?" + "n" * 10000 + "=1", {414}, {"http_error"})
    if ep.query:
        p = ep.query[0]
        v = {"version": "1", "count": "1", "seed": "1", "format": "json", "limit": "5",
             "from": "2026-01-01", "to": "2026-01-02", "region": "EU-West",
             "category": "Fitness", "product": "Laptop Sleeve", "status": "completed",
             "platform": "WEB", "as_of": "2026-01-01T00:00:00Z"}.get(p, "1")
        add(f"repeated parameter ?{p}={v}&{p}={v}", f"{path}?{p}={q(v)}&{p}={q(v)}")
        add(f"repeated parameter, two values ?{p}=..&{p}=..", f"{path}?{p}={q(v)}&{p}=zz")
    else:
        add("repeated unknown parameter ?x=1&x=1", path + "?x=1&x=1")
    cases.append(Case(ep.service, ep.name, "query string of 70 kB (head over 64 KiB)",
                      lambda: send(path + "?" + "a=" + "b" * 70000), {431},
                      {"header_too_large"}, group="query"))
    return cases


def path_cases(ep: Endpoint) -> list:
    """Traversal and encoding tricks on the endpoint's path: never a file, never another route."""
    port, path = PORTS[ep.service], ep.concrete()
    segs = path.strip("/").split("/")
    first = "/" + segs[0] if segs[0] else "/"
    body = b"" if ep.method == "POST" else None
    cases = []

    def add(inp, target, expect=None, code=None, known=None):
        cases.append(Case(ep.service, ep.name, inp,
                          lambda t=target: request(port, ep.method, t, body=body),
                          expect or {404}, code, known=known, group="path"))

    add("path traversal /../etc/passwd appended", path.rstrip("/") + "/../../../../etc/passwd")
    add("traversal with %2e%2e", path.rstrip("/") + "/%2e%2e/%2e%2e/%2e%2e/etc/passwd")
    add("traversal with encoded slashes ..%2f..%2fetc%2fpasswd",
        path.rstrip("/") + "/..%2f..%2f..%2fetc%2fpasswd")
    add("dot segment before the path /x/../", "/x/.." + path)
    add("double slashes", "/" + path.replace("/", "//"))
    add("NUL in path %00", path.rstrip("/") + "%00")
    add("raw invalid UTF-8 in path", path.encode() + b"\xc3\x28\xff")
    add("backslashes for slashes", path.replace("/", "\\"), expect={400, 404})
    if len(segs) > 1:
        add("encoded slash in place of /", first + "%2F" + "/".join(segs[1:]).replace("/", "%2F"),
            known="encoded_slash")
    add("path of 60 kB", path.rstrip("/") + "/" + "a" * 60000, {414}, {"http_error"})
    return cases


def framing_cases(ep: Endpoint, stall: bool) -> list:
    """Malformed requests, once per service (on its /healthz) or per body route; `stall`: also
    a body that stops coming (slow: the server's body timeout)."""
    port, target = PORTS[ep.service], ep.concrete()
    if ep.method == "GET" and ep.path != "/healthz":
        return [Case(ep.service, ep.name, "declared body of 1 TB on a GET",
                     lambda: request(port, "GET", target, content_length=1 << 40), {413},
                     {"payload_too_large"}, group="framing")]
    cases = []

    def add(inp, send, expect, code):
        cases.append(Case(ep.service, ep.name, inp, send, expect, code, group="framing"))

    if ep.method != "GET":
        limit = BODY_LIMIT[ep.service]
        add("declared body 1 byte over the limit (never sent)",
            lambda: request(port, ep.method, target, headers=gw_headers(),
                            content_length=limit + 1), {413}, {"payload_too_large"})
        add("Expect: 100-continue with a body over the limit",
            lambda: request(port, ep.method, target,
                            headers=gw_headers() + ["Expect: 100-continue"],
                            content_length=limit + 1), {413}, {"payload_too_large"})
        add("Content-Length: -1",
            lambda: request(port, ep.method, target, headers=["Content-Length: -1"]),
            {400}, {"bad_request"})
        add("Content-Length not a number",
            lambda: request(port, ep.method, target, headers=["Content-Length: ten"]),
            {400}, {"bad_request"})
        cases.append(Case(
            ep.service, ep.name, "two different Content-Length headers",
            lambda: request(port, ep.method, target, headers=["Content-Length: 2",
                                                              "Content-Length: 3"], body=b"{}"),
            {400}, {"bad_request"}, group="framing"))
        add("Transfer-Encoding gzip (not chunked)",
            lambda: request(port, ep.method, target, headers=["Transfer-Encoding: gzip"],
                            stream=[b"{}"]), {400}, {"bad_request"})
        if ep.method != "DELETE":
            add("chunked with a bad chunk size",
                lambda: request(port, ep.method, target, headers=["Transfer-Encoding: chunked"],
                                stream=[b"zz\r\n{}\r\n0\r\n\r\n"]), {400}, {"bad_request"})
        add("body shorter than its Content-Length, then the client closes its side",
            lambda: request(port, ep.method, target, headers=["Content-Length: 100"],
                            stream=[b"{}"], half_close=True), {400}, {"bad_request"})
        if stall:  # once per service: it waits for the body timeout (5 s)
            add("body shorter than its Content-Length, then the client stalls",
                lambda: request(port, ep.method, target, headers=["Content-Length: 100"],
                                stream=[b"{}"], timeout=15), {400}, {"bad_request"})
        return cases
    # Once per service: the request line and headers themselves.
    raw = lambda head: (lambda: http_exchange(port, head, timeout=10))  # noqa: E731
    add("binary garbage instead of a request", raw(GARBAGE[:512] + b"\r\n\r\n"), {400},
        {"bad_request"})
    add("request line without a version", raw(b"GET /healthz\r\n\r\n"), {400}, {"bad_request"})
    add("HTTP/2 preface (PRI * HTTP/2.0)",
        raw(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), {400, 405}, {"bad_request", "method_not_allowed"})
    add("HTTP/9.9", raw(b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n"), {400, 505},
        {"bad_request", "http_error"})
    add("NUL byte in the request line", raw(b"GET /health\x00z HTTP/1.1\r\nHost: x\r\n\r\n"),
        {400, 404}, {"bad_request", "not_found"})
    for inp, head in [("header line without a colon",
                       b"GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"),
                      ("NUL byte in a header value",
                       b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n")]:
        cases.append(Case(ep.service, ep.name, inp, raw(head), {400}, {"bad_request"}, group="framing"))
    add("one header of 70 kB",
        raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n"),
        {431}, {"header_too_large"})
    add("2,000 small headers (> 64 KiB)",
        raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" +
            b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 30) for i in range(2000)) + b"\r\n"),
        {431}, {"header_too_large"})
    if ep.service == "ingest-gateway":  # once: it waits for the head timeout (5 s)
        add("head ended by bare LFs (never a CRLF CRLF)",
            raw(b"GET /healthz HTTP/1.1\nHost: x\n\n"), {400, 408},
            {"bad_request", "request_timeout"})
    return cases


def gateway_cases(ep: Endpoint) -> list:
    port = PORTS[ep.service]
    target = ep.concrete()
    limit = BODY_LIMIT[ep.service]
    cases = []

    def add(inp, body=None, headers=None, expect=None, code=None, stream=None, known=None,
            check=None, target_=None, timeout=20):
        hdrs = gw_headers() if headers is None else headers
        cases.append(Case(ep.service, ep.name, inp,
                          lambda: request(port, "POST", target_ or target, headers=hdrs,
                                          body=body, stream=stream, timeout=timeout),
                          expect or {400}, code, known=known, check=check, group="body"))

    def rejected(field_, reason="schema_violation"):
        """A 422 whose one record was rejected for `reason` naming `field_` (when given)."""
        def check(reply):
            doc = reply.json() or {}
            results = doc.get("results") or []
            if len(results) != 1:
                return f"expected one result, got {len(results)}"
            r = results[0]
            if r.get("reason") != reason:
                return f"reason {r.get('reason')!r}, expected {reason}"
            if field_ is not None and field_ not in json.dumps(r.get("errors", "")):
                return f"errors do not name {field_!r}: {json.dumps(r)[:200]}"
            return ""
        return check

    # The 422 answer of the gateway is its per-record result, not an error body.
    def add422(inp, body, reason, field_=None, content_type="application/json"):
        hdrs = gw_headers(content_type)
        cases.append(Case(ep.service, ep.name, inp,
                          lambda: request(port, "POST", target, headers=hdrs, body=body),
                          {422}, None, check=rejected(field_, reason), group="records",
                          error_body=False))

    # Authentication first: nothing else is looked at without a key.
    add("no API key", order_text().encode(), gw_headers(key=False), {401}, {"unauthenticated"})
    add("unknown API key", order_text().encode(), gw_headers(key=False) + ["X-API-Key: nope"],
        {401}, {"invalid_api_key"})
    add("Authorization: Bearer with 10 kB of garbage", order_text().encode(),
        gw_headers(key=False) + ["Authorization: Bearer " + "\u00e9" * 5000], {401},
        {"invalid_api_key"})
    add("unknown event type", order_text().encode(), expect={404}, code={"unknown_event_type"},
        target_="/v1/events/no.such.type")
    add("event type dlq (not an ingest target)", order_text().encode(), expect={404},
        code={"unknown_event_type"}, target_="/v1/events/dlq")
    add("event type with upper case and %00", order_text().encode(), expect={404},
        code={"not_found"}, target_="/v1/events/Commerce%00.transaction")
    add("?version=999", order_text().encode(), expect={404}, code={"unknown_schema_version"},
        target_=target + "?version=999")
    add("?version=-1", order_text().encode(), expect={404}, code={"unknown_schema_version"},
        target_=target + "?version=-1")
    add("?version=1e400", order_text().encode(), expect={404}, code={"unknown_schema_version"},
        target_=target + "?version=1e400")
    # Content types.
    add("Content-Type text/plain", order_text().encode(), gw_headers("text/plain"), {415},
        {"unsupported_media_type"})
    add("no Content-Type", order_text().encode(), gw_headers(None), {415},
        {"unsupported_media_type"})
    add("multipart/form-data", b"--x\r\n\r\n{}\r\n--x--\r\n",
        gw_headers("multipart/form-data; boundary=x"), {415}, {"unsupported_media_type"})
    add("Content-Type with NUL", order_text().encode(),
        gw_headers(key=True, content_type=None) + [b"Content-Type: application/json\x00x"],
        {400, 415}, {"bad_request", "unsupported_media_type"})
    # Whole-body problems (application/json): 400, nothing produced.
    add("empty body", b"", code={"empty_body"})
    add("no body at all (no Content-Length)", None, code={"empty_body"})
    add("whitespace only", b"  \r\n\t ", code={"empty_body"})
    add("invalid UTF-8 in a string", with_placeholder(order_text(product="@@"), "@@",
                                                      b"\xff\xfe\xc3\x28"),
        code={"malformed_json"})
    add("raw NUL byte in a string", with_placeholder(order_text(product="@@"), "@@", b"a\x00b"),
        code={"malformed_json"})
    add("deep nesting: 100,000 arrays", deep(), code={"malformed_json"})
    add("deep nesting: 100,000 objects", deep_object(), code={"malformed_json"})
    add("deep nesting inside a record", with_placeholder(
        order_text(product="@@"), '"@@"', deep(100000)), code={"malformed_json"})
    add("price 1e400", with_placeholder(order_text(price=1.5), "1.5", b"1e400"),
        code={"malformed_json"})
    add("customer_id 2^64", with_placeholder(order_text(customer_id=4711), "4711",
                                             b"18446744073709551616"), code={"malformed_json"})
    add("customer_id -2^63-1", with_placeholder(order_text(customer_id=4711), "4711",
                                                b"-9223372036854775809"),
        expect={400}, code={"malformed_json"})
    add("truncated JSON", order_text().encode()[:40], code={"malformed_json"})
    add("trailing garbage after the object", order_text().encode() + b" }{",
        code={"malformed_json"})
    add("binary garbage (4 kB)", GARBAGE, code={"malformed_json"})
    add422("binary garbage as NDJSON", GARBAGE.replace(b"\n", b" ") + b"\n", "malformed_json",
           None, "application/x-ndjson")
    # Per-record problems: 422, each record rejected with its reason (and a dead letter).
    add422("duplicate key order_id",
           ('{"order_id":"%s",' % uuid.uuid4() + order_text()[1:]).encode(),
           "schema_violation", "order_id")
    add422("duplicate key nested in properties",
           order_text(properties={"a": 1}).replace('"a":1', '"a":1,"a":2').encode(),
           "schema_violation", "properties.a")
    add422("wrong types: customer_id string, quantity object",
           order_text(customer_id="abc", quantity={}).encode(), "schema_violation", "customer_id")
    add422("wrong type: order_id number", order_text(order_id=123).encode(), "schema_violation",
           "order_id")
    add422("status not in the enum", order_text(status="DROP TABLE").encode(), "schema_violation",
           "status")
    add422("a JSON string, not an object", b'"hello"', "not_an_object")
    add422("a JSON number 1e308", b"1e308", "not_an_object")
    add422("null", b"null", "not_an_object")
    add422("array holding one array", b"[[1,2]]", "not_an_object")
    add422("huge string: product of 950,000 bytes",
           order_text(product="x" * 950_000).encode(), "schema_violation", "product")
    add422("huge string in an unknown field (over MAX_EVENT_BYTES)",
           order_text(notes="x" * 950_000).encode(), "too_large")
    cases.append(Case(ep.service, ep.name, "NUL as \\u0000 inside product",
                      lambda: request(port, "POST", target, headers=gw_headers(),
                                      body=order_text(product="a\u0000b").encode()),
                      {422}, None, known="gateway_nul", check=rejected("product"),
                      group="records", error_body=False))
    add422("NDJSON line with invalid UTF-8", with_placeholder(order_text(product="@@"), "@@",
                                                           b"\xff") + b"\n",
           "malformed_json", None, "application/x-ndjson")
    add422("NDJSON line nested 100,000 deep", deep() + b"\n", "malformed_json", None,
           "application/x-ndjson")
    # Size.
    add("5,001 events (over MAX_EVENTS_PER_REQUEST)", b"[" + b",".join([b"{}"] * 5001) + b"]",
        expect={413}, code={"too_many_events"})
    add("body 1 byte over 10 MiB", b'["' + b"x" * (limit - 3) + b'"]', expect={413},
        code={"payload_too_large"})
    add("chunked body over 10 MiB",
        headers=gw_headers() + ["Transfer-Encoding: chunked"],
        stream=chunked(b"[" + b"1," * (limit // 2 + 10) + b"1]"), expect={413},
        code={"payload_too_large"})
    add("gzip bomb (1 GiB of zeros)", headers=gw_headers() + ["Content-Encoding: gzip"],
        body=BOMB_GZIP, expect={413}, code={"payload_too_large"})
    add("deflate bomb (1 GiB of zeros)", headers=gw_headers() + ["Content-Encoding: deflate"],
        body=BOMB_DEFLATE, expect={413}, code={"payload_too_large"})
    add("Content-Encoding gzip on bytes that are not gzip",
        headers=gw_headers() + ["Content-Encoding: gzip"], body=GARBAGE, expect={400},
        code={"bad_request"})
    add("unknown Content-Encoding zstd", headers=gw_headers() + ["Content-Encoding: zstd"],
        body=order_text().encode(), expect={415}, code={"unsupported_media_type"})
    return cases


def json_body_cases(ep: Endpoint, spec: BodySpec) -> list:
    port, target = PORTS[ep.service], ep.concrete()
    limit = BODY_LIMIT[ep.service]
    json_ct = ["Content-Type: application/json"]
    cases = []

    def add(inp, body=None, headers=None, expect=None, code=None, stream=None, known=None):
        hdrs = json_ct if headers is None else headers
        cases.append(Case(ep.service, ep.name, inp,
                          lambda: request(port, ep.method, target, headers=hdrs, body=body,
                                          stream=stream, timeout=20),
                          expect or {spec.bad_status}, code or spec.bad_codes, known=known,
                          group="body", cleanup=cancel_load_job))

    def text(doc):
        return json.dumps(doc, separators=(",", ":"))

    s, n = spec.string_field, spec.number_field
    valid = text(spec.valid)
    add("invalid UTF-8 in a string",
        with_placeholder(text({**spec.valid, s: "@@"}), "@@", b"\xff\xfe\xc3\x28"))
    add("raw NUL byte in a string",
        with_placeholder(text({**spec.valid, s: "@@"}), "@@", b"a\x00b"))
    add(f"NUL as \\u0000 inside {s}", text({**spec.valid, s: str(spec.valid[s]) + "\u0000x"}).encode(),
        code=spec.field_codes)
    add("deep nesting: 100,000 arrays", deep())
    add("deep nesting: 100,000 objects", deep_object())
    add(f"deep nesting as the value of {s}",
        with_placeholder(text({**spec.valid, s: "@@"}), '"@@"', deep(100000)))
    add(f"{n} 1e400", with_placeholder(text({**spec.valid, n: 12345}), "12345", b"1e400"))
    add(f"{n} 2^64", with_placeholder(text({**spec.valid, n: 12345}), "12345",
                                      b"18446744073709551616"), code=spec.field_codes)
    add(f"{n} -2^63-1", with_placeholder(text({**spec.valid, n: 12345}), "12345",
                                         b"-9223372036854775809"), code=spec.field_codes)
    add(f"{n} 1e308 (a double, not an integer)",
        with_placeholder(text({**spec.valid, n: 12345}), "12345", b"1e308"),
        code=spec.field_codes)
    add(f"huge string: {s} of 1,000,000 bytes", text({**spec.valid, s: "x" * 1_000_000}).encode(),
        expect={400, 413}, code=spec.field_codes | {"payload_too_large"})
    # Two different values, both valid on their own: which one would count is the question.
    add(f"duplicate key {n} ({spec.valid[n] + 1}, then {spec.valid[n]})",
        ("{" + f'"{n}":{spec.valid[n] + 1},' + valid[1:]).encode(), code=spec.field_codes)
    for desc, doc, *known in spec.wrong_types:
        add(f"wrong type/value: {desc}", text(doc).encode(), code=spec.field_codes,
            known=known[0] if known else None)
    for desc, body in [("a JSON array", b"[1,2]"), ("a JSON string", b'"x"'), ("null", b"null"),
                       ("a number", b"42"), ("truncated JSON", valid.encode()[:-3]),
                       ("trailing garbage", valid.encode() + b" }x"),
                       ("binary garbage (4 kB)", GARBAGE), ("whitespace only", b" \n\t ")]:
        add(desc, body, code=spec.bad_codes | ({"invalid_parameter"} if desc == "whitespace only"
                                               else set()))
    add("empty body", b"", code=spec.empty_codes | spec.field_codes)
    add("no body at all (no Content-Length)", None, code=spec.empty_codes | spec.field_codes)
    add(f"body 1 byte over {limit // 1024} KiB", b'{"x":"' + b"y" * (limit - 7) + b'"}',
        expect={413}, code={"payload_too_large"})
    add("chunked body over the limit", headers=json_ct + ["Transfer-Encoding: chunked"],
        stream=chunked(b'{"x":"' + b"y" * (limit + 10) + b'"}'), expect={413},
        code={"payload_too_large"})
    add("gzip bomb (1 GiB of zeros)", headers=json_ct + ["Content-Encoding: gzip"],
        body=BOMB_GZIP, expect={413}, code={"payload_too_large"})
    add("deflate bomb (1 GiB of zeros)", headers=json_ct + ["Content-Encoding: deflate"],
        body=BOMB_DEFLATE, expect={413}, code={"payload_too_large"})
    add("Content-Encoding gzip on bytes that are not gzip",
        headers=json_ct + ["Content-Encoding: gzip"], body=GARBAGE, code={"bad_request"})
    add("unknown Content-Encoding zstd", headers=json_ct + ["Content-Encoding: zstd"],
        body=valid.encode(), expect={415}, code={"unsupported_media_type"})
    add("valid body as text/plain", valid.encode(), ["Content-Type: text/plain"], {415},
        {"unsupported_media_type"})
    add("valid body without Content-Type", valid.encode(), [], {415}, {"unsupported_media_type"})
    add("multipart/form-data", b"--x\r\n\r\n{}\r\n--x--\r\n",
        ["Content-Type: multipart/form-data; boundary=x"], {415}, {"unsupported_media_type"})
    return cases


def cancel_load_job(reply: Reply) -> None:
    """A load job some case started by mistake (a finding) is cancelled at once."""
    doc = reply.json()
    if reply.status == 202 and isinstance(doc, dict) and "job_id" in doc:
        request(PORTS["eventgen"], "DELETE", "/v1/load/" + doc["job_id"])


def ignored_body_cases(ep: Endpoint) -> list:
    port, target = PORTS[ep.service], ep.concrete()
    limit = BODY_LIMIT[ep.service]
    cases = []

    def add(inp, send, expect, code):
        cases.append(Case(ep.service, ep.name, inp, send, expect, code, group="body"))

    ok_status = {"POST": {200}, "DELETE": {202, 204, 404}}[ep.method]
    add(f"body 1 byte over {limit // 1024} KiB",
        lambda: request(port, ep.method, target, body=b"y" * (limit + 1)), {413},
        {"payload_too_large"})
    add("gzip bomb (1 GiB of zeros)",
        lambda: request(port, ep.method, target, headers=["Content-Encoding: gzip"],
                        body=BOMB_GZIP, timeout=20), {413}, {"payload_too_large"})
    if ep.method == "DELETE":
        # A chunked DELETE body is never read (common/http): the route answers and the
        # connection is closed, so the body cannot be taken for a next request.
        closes = lambda r: "" if r.headers.get("connection", "").lower() == "close" else \
            "connection not closed after an unread body"  # noqa: E731
        for inp, stream in [("chunked body over the limit", chunked(b"y" * (limit + 10))),
                            ("chunked body with a bad chunk size", [b"zz\r\n{}\r\n0\r\n\r\n"])]:
            cases.append(Case(ep.service, ep.name, inp + " (not read)",
                              lambda s_=stream: request(port, ep.method, target,
                                                        headers=["Transfer-Encoding: chunked"],
                                                        stream=s_),
                              ok_status | {400, 413}, None, check=closes, group="body"))
    else:
        add("chunked body over the limit",
            lambda: request(port, ep.method, target, headers=["Transfer-Encoding: chunked"],
                            stream=chunked(b"y" * (limit + 10))), {413}, {"payload_too_large"})
    add("binary garbage body (ignored by this endpoint)",
        lambda: request(port, ep.method, target, body=GARBAGE), ok_status,
        {"unknown_job"})
    # Path parameters out of range or of the wrong form.
    if "broker_id" in ep.path_params:
        for value, exp, code in [("0", {400}, {"invalid_argument"}),
                                 ("99", {400}, {"invalid_argument"}),
                                 ("99999999999999999999", {400}, {"invalid_argument"}),
                                 ("-1", {404}, {"not_found"}), ("1e3", {404}, {"not_found"})]:
            add(f"broker_id {value}",
                lambda v=value: request(port, "POST", ep.concrete(broker_id=v), body=b""),
                exp, code)
        add("state sideways", lambda: request(port, "POST", ep.concrete(state="sideways"),
                                              body=b""), {404}, {"not_found"})
    if "api_key" in ep.path_params:
        add("api_key 2^64", lambda: request(port, "DELETE", ep.concrete(
            api_key="18446744073709551616")), {400}, {"invalid_argument"})
        add("api_key -1", lambda: request(port, "DELETE", ep.concrete(api_key="-1")), {404},
            {"not_found"})
    if "job_id" in ep.path_params:
        for value in ["not-a-uuid", "%00" * 12, "../" * 12, "0" * 37]:
            add(f"job_id {value[:24]}", lambda v=value: request(port, ep.method, ep.concrete(
                job_id=v)), {404}, {"not_found", "unknown_job"})
        add("job_id of the right form that no job has",
            lambda: request(port, ep.method, ep.concrete()), {404}, {"unknown_job"})
    return cases


def batch_query_cases(ep: Endpoint) -> list:
    port, path = PORTS[ep.service], ep.concrete()
    cases = []
    bad = [("count", "0"), ("count", "5001"), ("count", "-1"), ("count", "1e400"),
           ("count", "18446744073709551616"), ("count", ""), ("count", "%00"),
           ("seed", "-1"), ("seed", "18446744073709551616"), ("seed", "1.5"),
           ("format", "xml"), ("format", "%FF"), ("as_of", "not-a-date"),
           ("as_of", "99999-01-01T00:00:00Z"), ("as_of", "%00"),
           ("malformed_timestamp_rate", "NaN"), ("missing_field_rate", "inf"),
           ("duplicate_rate", "-0.1"), ("duplicate_rate", "1.0000001"),
           ("malformed_timestamp_rate", "1e400")]
    if "late_rate" in ep.query:
        bad.append(("late_rate", "2"))
    for name, value in bad:
        cases.append(Case(ep.service, ep.name, f"{name}={urllib.parse.unquote(value)[:24]!r}",
                          lambda t=f"{path}?{name}={value}": request(port, "GET", t), {400},
                          {"invalid_parameter"}, group="query-values"))
    return cases


def kpi_cases(ep: Endpoint, quick: bool) -> list:
    port, path = PORTS[ep.service], ep.concrete()
    cases = []
    free_text = {"region", "category", "product"}
    invalid = {
        "from": ["2026-02-30", "2026-1-1", "yesterday", "0000-01-01", "2026-01-01T00:00:00Z"],
        "to": ["2026-13-01", "99999-01-01"],
        "limit": ["0", "1001", "-1", "1e3", "18446744073709551616", "5%20", "%2B5"],
        "status": ["COMPLETED", "completed%00"],
        "platform": ["web", "WEB%00"],
        "format": ["xml", "CSV"],
        "region": ["x" * 51, "%FF%FE", "a%00b", "a%0Ab"],
        "category": ["x" * 101, "%C3%28", "%1F"],
        "product": ["x" * 201, "%ED%A0%80", "%00"],
    }

    def add(inp, target, expect, code=None, check=None):
        cases.append(Case(ep.service, ep.name, inp, lambda t=target: request(port, "GET", t),
                          expect, code, check=check, group="kpi-params"))

    if free_text & set(ep.query):
        # An injection that matched nothing proves something only where rows exist.
        add("baseline: no filter (the seeded rows are there)", path, {200},
            check=lambda r: "" if numbers_in((r.json() or {}).get("data")) > 0 else
            "no rows without a filter: the injection checks below would prove nothing")
    for p in ep.query:
        for value in invalid.get(p, []):
            shown = urllib.parse.unquote(value)
            add(f"{p}={shown[:20]!r}{'...' if len(shown) > 20 else ''}", f"{path}?{p}={value}",
                {400}, {"invalid_parameter"})
        injections = SQL_INJECTIONS[:2] if quick else SQL_INJECTIONS
        for value in injections:
            target = f"{path}?{p}={q(value)}"
            if p in free_text:
                add(f"SQL injection in {p}: {value!r}", target, {200},
                    check=matched_nothing(p, value))
            else:
                add(f"SQL injection in {p}: {value!r}", target, {400}, {"invalid_parameter"})
    if "from" in ep.query and "to" in ep.query:
        add("to before from", f"{path}?from=2026-02-01&to=2026-01-01", {400},
            {"invalid_parameter"})
    return cases


def matched_nothing(param: str, value: str):
    """A free-text filter's injection string is a value like any other: bound as a parameter,
    echoed back, matching no row (every number in the answer is zero), answered quickly (no
    pg_sleep ran)."""
    def check(reply: Reply) -> str:
        doc = reply.json()
        if not isinstance(doc, dict):
            return "not JSON"
        if (doc.get("params") or {}).get(param) != value:
            return f"params.{param} does not echo the value"
        if reply.elapsed > 4:
            return f"took {reply.elapsed:.1f} s"
        total = numbers_in(doc.get("data"))
        if total != 0:
            return f"the filter matched rows (numbers sum to {total})"
        return ""
    return check


def numbers_in(node) -> float:
    if isinstance(node, bool) or node is None:
        return 0
    if isinstance(node, (int, float)):
        return abs(node)
    if isinstance(node, list):
        return sum(numbers_in(x) for x in node)
    if isinstance(node, dict):
        # Positions and ranks are not data: a rank of 1 does not mean a row matched.
        return sum(numbers_in(v) for k, v in node.items()
                   if k not in ("rank", "revenue_rank", "step", "position", "hour", "dow",
                                "seconds_since_update", "max_seconds", "days"))
    return 0


# --------------------------------------------------------------------------- liveness

def pids() -> dict:
    out = {}
    for s in SERVICES:
        try:
            out[s] = int(open(os.path.join(RUN_DIR, s + ".pid")).read().strip())
        except (OSError, ValueError):
            out[s] = None
    return out


def alive(pid: Optional[int]) -> bool:
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/status") as f:
            return not re.search(r"^State:\s*Z", f.read(), re.M)
    except OSError:
        return False


def healthz_failures() -> list:
    failed = []
    for s in SERVICES:
        r = get(s, "/healthz", timeout=5)
        if r.status != 200:
            failed.append(f"{s}: {r.shown()}")
    return failed


# --------------------------------------------------------------------------- slow and many

def slowloris(per_service: int = 20, seconds: float = 8.0) -> list:
    """`per_service` connections to every service, each trickling one byte of a request head
    per second. Each must be closed or answered 408 within the head timeout, and /healthz must
    answer meanwhile."""
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
    results = []
    sel = selectors.DefaultSelector()
    conns = []
    for s in SERVICES:
        for _ in range(per_service):
            sock = socket.create_connection((HOST, PORTS[s]), timeout=5)
            sock.setblocking(False)
            c = {"service": s, "sock": sock, "sent": 0, "data": b"", "done": False,
                 "start": time.monotonic()}
            conns.append(c)
            sel.register(sock, selectors.EVENT_READ, c)
    health_during = []
    start = time.monotonic()
    next_byte = start
    while time.monotonic() - start < seconds + 7 and not all(c["done"] for c in conns):
        now = time.monotonic()
        if now >= next_byte:
            next_byte += 1.0
            for c in conns:
                if not c["done"] and c["sent"] < len(head):
                    try:
                        c["sock"].send(head[c["sent"]:c["sent"] + 1])
                        c["sent"] += 1
                    except OSError:
                        c["done"] = True
                        c["end"] = time.monotonic()
            if int(now - start) in (2, 4):
                health_during += healthz_failures()
        for key, _ in sel.select(0.2):
            c = key.data
            try:
                chunk = c["sock"].recv(65536)
            except OSError:
                chunk = b""
            if chunk:
                c["data"] += chunk
            else:
                c["done"] = True
                c["end"] = time.monotonic()
                sel.unregister(c["sock"])
    for c in conns:
        c["sock"].close()
        status = _parse_response(c["data"], False) if c["data"] else None
        answered = status.status if status else None
        closed = c["done"]
        took = c.get("end", time.monotonic()) - c["start"]
        results.append((c["service"], answered, closed, took))
    sel.close()
    return results, health_during


def idle_connections(count: int = 300) -> list:
    """`count` connections to every service that send nothing; /healthz must still answer on a
    new connection meanwhile. Returns the /healthz failures."""
    socks = []
    try:
        for s in SERVICES:
            for _ in range(count):
                socks.append(socket.create_connection((HOST, PORTS[s]), timeout=5))
        return healthz_failures()
    finally:
        for sock in socks:
            sock.close()


def many_connections(service: str, target: str, count: int = 300, timeout: float = 30) -> list:
    """`count` connections opened at once, each sending one request; every one must get a
    200 or a clear 503 `overloaded`."""
    sel = selectors.DefaultSelector()
    conns = []
    head = f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    for _ in range(count):
        sock = socket.socket()
        sock.setblocking(False)
        try:
            sock.connect((HOST, PORTS[service]))
        except BlockingIOError:
            pass
        c = {"sock": sock, "data": b"", "sent": False, "done": False}
        conns.append(c)
        sel.register(sock, selectors.EVENT_WRITE | selectors.EVENT_READ, c)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(c["done"] for c in conns):
        for key, events in sel.select(0.5):
            c = key.data
            if events & selectors.EVENT_WRITE and not c["sent"]:
                try:
                    c["sock"].send(head)
                    c["sent"] = True
                    sel.modify(c["sock"], selectors.EVENT_READ, c)
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    c["done"] = True
                    sel.unregister(c["sock"])
                continue
            if events & selectors.EVENT_READ:
                try:
                    chunk = c["sock"].recv(65536)
                except OSError:
                    chunk = b""
                if chunk:
                    c["data"] += chunk
                    if _parse_response(c["data"], False):
                        c["done"] = True
                        sel.unregister(c["sock"])
                else:
                    c["done"] = True
                    sel.unregister(c["sock"])
    statuses = []
    for c in conns:
        c["sock"].close()
        parsed = _parse_response(c["data"], False) if c["data"] else None
        statuses.append(parsed.shown() if parsed and parsed.status else "no answer")
    sel.close()
    return statuses


# --------------------------------------------------------------------------- Kafka records

def psql(sql: str) -> str:
    return subprocess.run(["psql", DATABASE_URL, "-Atqc", sql], check=True, capture_output=True,
                          text=True).stdout.strip()


def valid_interaction(**override) -> dict:
    doc = {
        "event_id": str(uuid.uuid4()), "user_id": "u-bad-input", "session_id": str(uuid.uuid4()),
        "event_type": "add_to_cart", "platform": "WEB", "product": "Laptop Sleeve",
        "category": "Accessories", "quantity": 1, "price": 1.5,
        "occurred_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    doc.update(override)
    return doc


def kafka_cases(event_type: str) -> list:
    """(name, payload bytes or None for a null record, expected quarantine reasons), written
    straight to the topic of `event_type`: each changes one thing of a valid event."""
    orders = event_type == "commerce.transaction"
    make = valid_order if orders else valid_interaction
    key_field, number_field = ("customer_id", "price") if orders else ("user_id", "price")

    def text(**override):
        return json.dumps(make(**override), separators=(",", ":"))

    dup_key = "order_id" if orders else "event_id"
    return [
        ("invalid UTF-8", with_placeholder(text(product="@@"), "@@", b"\xff\xfe\xc3\x28"),
         {"malformed_json"}),
        ("not JSON", b"this is not json", {"malformed_json"}),
        ("JSON array", b"[" + text().encode() + b"]", {"malformed_json"}),
        ("deep nesting (100,000 arrays)", deep(), {"malformed_json"}),
        ("deep nesting inside an object", with_placeholder(text(product="@@"), '"@@"',
                                                           deep(100000)), {"malformed_json"}),
        ("huge record (900 kB product)", text(product="x" * 900_000).encode(),
         {"schema_violation"}),
        ("raw NUL bytes", with_placeholder(text(product="@@"), "@@", b"a\x00b"),
         {"malformed_json"}),
        ("NUL as \\u0000 in product", text(product="a\u0000b").encode(), {"schema_violation"}),
        (f"wrong types ({key_field} number/string swapped, quantity object)",
         text(**{key_field: "abc" if orders else 123, "quantity": {}}).encode(),
         {"schema_violation"}),
        (f"huge number ({number_field} 1e400)",
         with_placeholder(text(**{number_field: 1.5}), "1.5", b"1e400"), {"malformed_json"}),
        (f"duplicate key ({dup_key} twice, different values)",
         ('{"%s":"%s",' % (dup_key, uuid.uuid4()) + text()[1:]).encode(), {"schema_violation"}),
        ("empty record (0 bytes)", b"", {"malformed_json"}),
        ("null record (tombstone)", None, {"malformed_json"}),
        ("binary garbage", GARBAGE, {"malformed_json"}),
    ]


def run_kafka(run_id: str) -> list:
    """Writes every hostile record to partition 0 of each input topic, then one valid event
    behind them; returns rows (topic, input, expected, got, verdict)."""
    bootstrap = open(os.path.join(RUN_DIR, "kafka.bootstrap")).read().strip()
    topics = json.load(open(os.path.join(ROOT, "proto", "topics.json")))["topics"]
    inputs = [t["name"] for t in topics if not t.get("dead_letter")]
    tmp = os.path.join(RUN_DIR, "bad-input-records")
    os.makedirs(tmp, exist_ok=True)
    rows, valid_ids = [], {}
    types = {t["name"]: t["event_type"] for t in topics}
    expected = {}
    for topic in inputs:
        expected[topic] = kafka_cases(types[topic])
        for i, (name, payload, reasons) in enumerate(expected[topic]):
            rid = f"badinput-{run_id}-{i}"
            base = ["kcat", "-P", "-b", bootstrap, "-t", topic, "-p", "0", "-H",
                    f"request_id={rid}", "-X", "message.max.bytes=2000000"]
            if payload:  # one file, one message
                f = os.path.join(tmp, f"{i}.bin")
                with open(f, "wb") as out:
                    out.write(payload)
                r = subprocess.run(base + ["-k", rid, f], capture_output=True, timeout=30)
            else:  # kcat skips an empty file: an empty value after the key delimiter instead
                r = subprocess.run(base + ["-K", "|"] + (["-Z"] if payload is None else []),
                                   input=f"{rid}|\n".encode(), capture_output=True, timeout=30)
            if r.returncode != 0:
                rows.append((topic, name, "/".join(sorted(reasons)), "kcat failed: " +
                             r.stderr.decode(errors="replace").strip()[:80], "FAIL"))
        # One valid event behind them, in the same partition: the consumer must reach it.
        if types[topic] == "commerce.transaction":
            doc = valid_order()
            valid_ids[topic] = ("silver.orders", "order_id", doc["order_id"])
        else:
            doc = valid_interaction()
            valid_ids[topic] = ("silver.interactions", "event_id", doc["event_id"])
        f = os.path.join(tmp, "valid.json")
        with open(f, "w") as out:
            out.write(json.dumps(doc))
        subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", topic, "-p", "0", "-k", "valid",
                        "-H", f"request_id=badinput-{run_id}-valid", f], check=True, timeout=30)
    # Wait for the valid events (behind every hostile record) to land in silver.
    deadline = time.monotonic() + 60
    landed = {}
    while time.monotonic() < deadline:
        landed = {t: psql(f"SELECT count(*) FROM {tbl} WHERE {col} = '{v}'") == "1"
                  for t, (tbl, col, v) in valid_ids.items()}
        if all(landed.values()):
            break
        time.sleep(0.5)
    got = {}
    for line in psql(
            "SELECT b.topic, b.request_id, coalesce(q._quarantine_reason, '-'), "
            "coalesce(left(replace(q.detail, E'\\n', ' '), 200), '') "
            "FROM bronze.events b LEFT JOIN silver.quarantine q ON q.source_topic = b.topic AND "
            "q.source_partition = b.partition AND q.source_offset = b.\"offset\" "
            f"WHERE b.request_id LIKE 'badinput-{run_id}-%'").splitlines():
        topic, rid, reason, detail = line.split("|", 3)
        got[(topic, rid)] = (reason, detail)
    for topic in inputs:
        for i, (name, _, reasons) in enumerate(expected[topic]):
            reason, detail = got.get((topic, f"badinput-{run_id}-{i}"), ("not in bronze", ""))
            if detail.startswith("hex:"):  # the transformer hex-encodes a detail that is not UTF-8
                digits = detail[4:len(detail) - (len(detail) - 4) % 2]
                detail = bytes.fromhex(digits).decode("utf-8", "replace")
            detail = detail[:90]
            verdict = "ok" if reason in reasons else "FAIL"
            shown = reason + (f" ({detail})" if detail else "")
            rows.append((topic, name, "quarantine " + "/".join(sorted(reasons)), shown, verdict))
        tbl = valid_ids[topic][0]
        rows.append((topic, "a valid event after them", f"lands in {tbl}",
                     "landed" if landed.get(topic) else "not in silver after 60 s",
                     "ok" if landed.get(topic) else "FAIL"))
    return rows


INTACT_TABLES = ["gold.fact_orders", "silver.orders", "silver.quarantine", "silver.interactions"]


def table_counts() -> dict:
    return {t: int(psql(f"SELECT count(*) FROM {t}")) if psql(
        f"SELECT to_regclass('{t}') IS NOT NULL") == "t" else -1 for t in INTACT_TABLES}


def seed_warehouse() -> str:
    """Clean orders and clickstream through the gateway, so that a KPI filter that matched rows
    would show numbers: an injection string that matched nothing then proves something."""
    clean = "malformed_timestamp_rate=0&missing_field_rate=0&duplicate_rate=0"
    for kind, event_type, extra in [("transactions", "commerce.transaction", ""),
                                    ("interactions", "user.interaction", "&late_rate=0")]:
        batch = get("eventgen", f"/v1/{kind}?count=200&seed=10&{clean}{extra}")
        if batch.status != 200:
            return f"eventgen /v1/{kind}: {batch.shown()}"
        reply = request(PORTS["ingest-gateway"], "POST", f"/v1/events/{event_type}",
                        headers=gw_headers(), body=batch.body, timeout=30)
        if reply.status != 200:
            return f"gateway /v1/events/{event_type}: {reply.shown()}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if psql("SELECT (SELECT count(*) FROM gold.fact_orders) > 0 AND "
                "(SELECT count(*) FROM silver.interactions) > 0") == "t":
            return ""
        time.sleep(0.5)
    return "the seeded events did not reach gold within 60 s"


# --------------------------------------------------------------------------- report

def markdown(endpoints: list, results: list, kafka_rows: list, load_rows: list,
             health_fail: dict, crashes: dict, started: float, coverage: list) -> str:
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Run {now} at commit `{commit}`{' (uncommitted changes in the tree)' if dirty else ''}"
        f", {time.monotonic() - started:.0f} s. Re-run: `tests/reliability/bad_input.sh` "
        "(starts its own stack on ports 18280-18283, 18290 and PostgreSQL 5436 under "
        "`.run/bad-input`, and rewrites this section).",
        "",
        "| Service | Endpoints | Inputs tried | 4xx | 2xx/3xx as expected | 5xx | No answer "
        "| Known findings | Unexpected | Crashes | /healthz failures |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in SERVICES:
        rs = [r for r in results if r.case.service == s]
        eps = [e for e in endpoints if e.service == s]
        c4 = sum(1 for r in rs if r.reply.status and 400 <= r.reply.status < 500)
        c5 = sum(1 for r in rs if r.reply.status and r.reply.status >= 500)
        c2 = sum(1 for r in rs if r.verdict == "ok" and r.reply.status and r.reply.status < 400)
        none = sum(1 for r in rs if r.reply.status is None)
        known = sum(1 for r in rs if r.verdict == "known")
        bad = sum(1 for r in rs if r.verdict == "FAIL")
        lines.append(f"| {s} | {len(eps)} | {len(rs)} | {c4} | {c2} | {c5} | {none} | {known} "
                     f"| {bad} | {crashes.get(s, 0)} | {health_fail.get(s, 0)} |")
    lines += ["", "Warehouse, slow and many clients:", "", "| Test | Expected | Got | OK |",
              "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in load_rows]
    lines += ["", "Raw Kafka records (`kcat -P` to partition 0 of each input topic):", "",
              "| Topic | Record | Expected | Got | OK |", "|---|---|---|---|---|"]
    lines += [f"| {t} | {n} | {e} | {g.replace('|', '/')} | {v} |" for t, n, e, g, v in kafka_rows]
    findings = {}
    for r in results:
        if r.verdict == "known":
            findings.setdefault(r.case.known, []).append(r)
    if findings:
        lines += ["", "Known findings (answered today, not what the case expects):", "",
                  "| Finding | Cases | Example | Expected | Today |", "|---|---|---|---|---|"]
        for key, rs in findings.items():
            ex = rs[0]
            lines.append(f"| {KNOWN[key][1]} | {len(rs)} | {ex.case.service} `{ex.case.endpoint}`: "
                         f"{ex.case.input} | {expected_text(ex.case)} | {ex.reply.shown()} |")
    unseen = [KNOWN[k][1] for k in KNOWN if k not in findings]
    if results and unseen:
        lines += ["", "Known findings no case met this time (fixed? then drop them from KNOWN):",
                  ""] + [f"- {u}" for u in unseen]
    fails = [r for r in results if r.verdict == "FAIL"]
    if fails or coverage:
        lines += ["", "Unexpected answers:", ""]
        lines += [f"- {c}" for c in coverage]
        lines += [f"- {r.case.service} `{r.case.endpoint}` {r.case.input}: expected "
                  f"{expected_text(r.case)}, got {r.reply.shown()} ({r.why})" for r in fails[:50]]
    return "\n".join(lines)


def write_doc(path: str, section: str) -> None:
    begin, end = "<!-- reliability:bad-input:begin -->", "<!-- reliability:bad-input:end -->"
    text = open(path, encoding="utf-8").read()
    if begin not in text or end not in text:
        raise SystemExit(f"{path} has no {begin} ... {end} section")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + begin + "\n" + section + "\n" + end + tail)


# --------------------------------------------------------------------------- main

def main() -> int:
    global GW_KEY, BOMB_GZIP, BOMB_DEFLATE
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--doc", help="write the summary into this markdown file's bad-input section")
    ap.add_argument("--only", help="comma-separated services to run HTTP cases for")
    ap.add_argument("--quick", action="store_true", help="two injection strings, not seven")
    ap.add_argument("--no-kafka", action="store_true")
    ap.add_argument("--no-load", action="store_true", help="skip slowloris and many connections")
    args = ap.parse_args()
    started = time.monotonic()
    run_id = uuid.uuid4().hex[:8]
    try:
        GW_KEY = open(os.path.join(RUN_DIR, "gateway_api_key")).read().strip()
    except OSError:
        GW_KEY = ""
    BOMB_GZIP, BOMB_DEFLATE = gzip_bomb(31), gzip_bomb(15)
    start_pids = pids()
    for s, pid in start_pids.items():
        if not alive(pid):
            print(f"{s} is not running (pid file in {RUN_DIR}): start the stack first",
                  file=sys.stderr)
            return 2

    # Endpoints: the document, checked against what the services registered.
    endpoints = read_openapi(os.path.join(ROOT, "docs", "openapi.yaml"))
    coverage = []
    for s in SERVICES:
        documented = [e for e in endpoints if e.service == s]
        for method, route in sorted(registered_routes(s)):
            if not any(e.method == method and re.fullmatch(route, e.concrete())
                       for e in documented if all(p in PATH_SAMPLES for p in e.path_params)):
                coverage.append(f"{s}: route {method} {route} is registered but not in "
                                "docs/openapi.yaml, so the catalogue does not cover it")
        for e in documented:
            missing = [p for p in e.path_params if p not in PATH_SAMPLES]
            if missing:
                coverage.append(f"{s}: {e.name}: no sample value for path parameter(s) {missing}")
    endpoints = [e for e in endpoints if all(p in PATH_SAMPLES for p in e.path_params)]
    if args.only:
        endpoints = [e for e in endpoints if e.service in args.only.split(",")]
    print(f"{len(endpoints)} endpoints in docs/openapi.yaml across {len(SERVICES)} services")
    for c in coverage:
        print("COVERAGE:", c)

    problem = seed_warehouse()
    if problem:
        print("cannot seed the warehouse:", problem, file=sys.stderr)
        return 2
    counts_before = table_counts()
    cases = build_cases(endpoints, args.quick)
    print(f"{'service':<17} {'endpoint':<44} {'input':<58} {'expected':<28} {'got':<28} ok")
    results, health_fail, crashes = [], {}, {}
    current_group = None
    aborted = ""

    def between_groups():
        nonlocal aborted
        for s in healthz_failures():
            name = s.split(":")[0]
            health_fail[name] = health_fail.get(name, 0) + 1
            print(f"HEALTHZ FAILURE after group {current_group}: {s}")
        for s, pid in start_pids.items():
            if not alive(pid) and s not in crashes:
                crashes[s] = 1
                aborted = f"{s} (pid {pid}) died during group {current_group}"
                print("CRASH:", aborted)

    for case in cases:
        group = (case.service, case.endpoint, case.group)
        if current_group is not None and group != current_group:
            between_groups()
            if aborted:
                break
        current_group = group
        reply = case.send()
        if case.cleanup:
            case.cleanup(reply)
        result = judge(case, reply)
        results.append(result)
        got = reply.shown() + (f" [{result.why[:60]}]" if result.verdict != "ok" else "")
        print(f"{case.service:<17} {case.endpoint[:44]:<44} {case.input[:58]:<58} "
              f"{expected_text(case)[:28]:<28} {got[:70]:<28} {result.verdict}", flush=True)
    if not aborted:
        between_groups()

    # The SQL injections: every table they name is still there and has lost nothing.
    counts_after = table_counts()
    intact = all(counts_after[t] >= counts_before[t] >= 0 for t in INTACT_TABLES)
    load_rows = [("the warehouse after every SQL injection string",
                  "the tables the strings name exist and lost no row",
                  ", ".join(f"{t} {counts_before[t]} -> {counts_after[t]}" for t in INTACT_TABLES),
                  "ok" if intact else "FAIL")]
    if not args.no_load and not aborted:
        print("\nslowloris: 20 connections per service trickling a header byte per second")
        slow, during = slowloris()
        for s in SERVICES:
            mine = [x for x in slow if x[0] == s]
            ok = all(closed and status in (None, 408) and elapsed < 15
                     for _, status, closed, elapsed in mine)
            statuses = sorted({str(st) if st else "closed" for _, st, _, _ in mine})
            worst = max(e for _, _, _, e in mine)
            load_rows.append((f"{s}: 20 slowloris connections",
                              "408 request_timeout or closed within 15 s; /healthz answers",
                              f"{'/'.join(statuses)} after at most {worst:.1f} s",
                              "ok" if ok else "FAIL"))
        for f in during:
            name = f.split(":")[0]
            health_fail[name] = health_fail.get(name, 0) + 1
            print("HEALTHZ FAILURE during slowloris:", f)
        print("many connections: 300 at once per service")
        targets = {"ingest-gateway": "/v1/schemas", "eventgen": "/v1/transactions?count=1",
                   "transformer": "/metrics", "kpi-api": "/v1/kpi/summary",
                   "kafka-dev-broker": "/v1/cluster"}
        for s in SERVICES:
            t0 = time.monotonic()
            statuses = many_connections(s, targets[s])
            took = time.monotonic() - t0
            counts = {}
            for st in statuses:
                counts[st] = counts.get(st, 0) + 1
            ok = set(counts) <= {"200", "503 overloaded"} and took < 30
            load_rows.append((f"{s}: 300 concurrent GET {targets[s]}",
                              "200 (or 503 overloaded) for every one",
                              ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) +
                              f" in {took:.1f} s", "ok" if ok else "FAIL"))
            hf = healthz_failures()
            for f in hf:
                name = f.split(":")[0]
                health_fail[name] = health_fail.get(name, 0) + 1
        failed = idle_connections()
        load_rows.append(("300 idle connections to every service at once",
                          "every /healthz answers 200 on a new connection",
                          "; ".join(failed) or "all 200", "FAIL" if failed else "ok"))
        for row in load_rows:
            print(" | ".join(row))
        between_groups()

    kafka_rows = []
    if not args.no_kafka and not aborted:
        print("\nraw Kafka records (kcat -P), then a valid event behind them")
        kafka_rows = run_kafka(run_id)
        for row in kafka_rows:
            print(f"{row[0]:<30} {row[1]:<48} {row[2]:<34} {row[3][:70]:<40} {row[4]}")
        between_groups()

    # The end: every process alive, every /healthz 200.
    final_health = healthz_failures()
    for s, pid in start_pids.items():
        if not alive(pid):
            crashes[s] = crashes.get(s, 0) or 1
    for f in final_health:
        name = f.split(":")[0]
        health_fail[name] = health_fail.get(name, 0) + 1

    for s in crashes:
        log = os.path.join(RUN_DIR, "logs", s + ".log")
        if os.path.exists(log):
            print(f"\nlast lines of {log}:")
            print("".join(open(log, errors="replace").readlines()[-20:]))
    section = markdown(endpoints, results, kafka_rows, load_rows, health_fail, crashes, started,
                       coverage)
    print("\n" + section)
    if args.doc:
        write_doc(args.doc, section)
        print(f"\nwrote the bad-input section of {args.doc}")
    failures = [r for r in results if r.verdict == "FAIL"]
    bad = (failures or coverage or crashes or any(health_fail.values()) or aborted or
           any(r[-1] == "FAIL" for r in kafka_rows + load_rows))
    print(f"\n{len(results)} HTTP cases: {sum(r.verdict == 'ok' for r in results)} ok, "
          f"{sum(r.verdict == 'known' for r in results)} known findings, {len(failures)} "
          f"unexpected; Kafka {sum(r[-1] == 'ok' for r in kafka_rows)}/{len(kafka_rows)}; "
          f"crashes {sum(crashes.values())}; /healthz failures {sum(health_fail.values())}; "
          f"{time.monotonic() - started:.0f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
