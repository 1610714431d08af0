"""Writes the Fuzzing and Sanitizers sections of docs/reliability.md from the results that
scripts/sanitize.sh leaves in .run/sanitize/results (its own output), between the
<!-- reliability:fuzz:begin/end --> and <!-- reliability:sanitizers:begin/end --> markers.
The findings come from the hand-kept lists in fuzz/README.md and tests/sanitizers/README.md.

    python3 scripts/sanitize_docs.py .run/sanitize/results docs/reliability.md
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What each target feeds and what it checks beyond "does not crash".
TARGETS = {
    "request_body": (
        "gateway body splitter (`request_body.cpp`), every input as JSON and as NDJSON",
        "records are trimmed, ordered views of the body; JSON records re-join (minified) into "
        "the body, NDJSON gives one record per non-blank line with its line number; only the "
        "documented 400/413 errors"),
    "schema_validation": (
        "compiled JSON Schema validator (`compiled_schema.cpp`) over the 4 schemas in `proto/schemas`",
        "same verdict as valijson (the reference) on every document both parsers take; "
        "valid exactly when no field error"),
    "gzip_body": (
        "the request-body decoder (`body_decoder.cpp`: gzip, deflate, br) into the body cap "
        "(`body_limit.cpp`), in pieces of 1-6112 bytes, under caps from 0 B to 1 MiB; raw "
        "streams, and streams and bombs made by zlib and brotli, whole or cut",
        "never more than the cap; the body is a prefix of zlib's / brotli's own decoding; "
        "accepted exactly when that finds one whole stream within the cap, and then all of it; "
        "a whole stream past the cap is a 413"),
    "iso8601": (
        "`parse_iso8601` (`common/time/iso8601.cpp`)",
        "accepted instants lie in years 1-9999; format -> parse round-trips; without an offset "
        "the formatted digits are the text's own; the three formatters agree"),
    "silver_mappers": (
        "`map_record` as commerce.transaction and as user.interaction (`silver_order.cpp`, "
        "`silver_interaction.cpp`)",
        "typed rows within the columns' bounds, storable UTF-8, revenue = price x quantity, "
        "event time inside the plausibility window; a quarantine's safe payload is storable "
        "JSON with no e-mail, name or user id left at any depth"),
    "kpi_params": (
        "`parse_params` (`kpi_params.cpp`) over a query string decoded by httplib's parser, "
        "for any subset of accepted parameters",
        "accepted dates are calendar days (checked by the ISO-8601 parser), `to` >= `from`, "
        "text filters printable UTF-8 within their lengths, limit 1-1000, `given` echoes what "
        "was used; a refusal is one 400 naming a given parameter"),
}


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def read_text(path, default):
    return open(path).read().strip() if os.path.exists(path) else default


def fuzz_rows(results, which):
    rows = {}
    folder = os.path.join(results, which)
    if not os.path.isdir(folder):
        return rows
    for name in sorted(os.listdir(folder)):
        if name.startswith("fuzz-") and name.endswith(".tsv"):
            for r in read_tsv(os.path.join(folder, name)):
                rows[r[0]] = r
    return rows


def corpus_size(target):
    folder = os.path.join(ROOT, "fuzz", "corpus", target)
    files = [os.path.join(folder, f) for f in os.listdir(folder)]
    return len(files), sum(os.path.getsize(f) for f in files)


def findings(path, marker):
    with open(os.path.join(ROOT, path)) as f:
        text = f.read()
    m = re.search(r"<!-- %s:begin -->\n(.*?)<!-- %s:end -->" % (marker, marker), text, re.S)
    return m.group(1).strip() if m else "(none recorded)"


def num(s):
    try:
        return f"{int(float(s)):,}"
    except ValueError:
        return s


def fuzz_section(results):
    short, long = fuzz_rows(results, "short"), fuzz_rows(results, "long")
    out = [
        "Six libFuzzer targets in `fuzz/` (clang 14, `-fsanitize=fuzzer,address,undefined`, the "
        "code under test built with coverage), each with a seed corpus of real examples in "
        "`fuzz/corpus/<target>/` (eventgen output, the tests' cases, the schemas' examples). "
        "Each checks invariants, not only that nothing crashes; none touches the network or "
        "a database. See `fuzz/README.md` to run one by hand.",
        "",
        "| target | fuzzes | invariants checked | seeds |",
        "|---|---|---|---|",
    ]
    for t, (what, checks) in TARGETS.items():
        files, size = corpus_size(t)
        out.append(f"| `{t}` | {what} | {checks} | {files} files, {size:,} B |")
    seconds, commits = {}, {}
    for which in ("short", "long"):
        seconds[which] = read_text(os.path.join(results, which, "fuzz-seconds"), "300")
        commits[which] = read_text(os.path.join(results, which, "commit"), "unknown")
    for title, rows, cmd in (
        ("CI run", short, "`scripts/test.sh` (through `scripts/sanitize.sh`, "
                          f"`FUZZ_SECONDS={seconds['short']}`), commit `{commits['short']}`"),
        ("Long run", long,
         f"`FUZZ_SECONDS={seconds['long']} scripts/sanitize.sh --fuzz-only --docs`, "
         f"commit `{commits['long']}`"),
    ):
        out += ["", f"**{title}**: {cmd}, two targets at a time on 2 cores. Coverage counts "
                "the instrumented edges: our code and the header-only libraries compiled into "
                "it (nlohmann, valijson, simdjson's inline parts); Debian's shared libraries "
                "(zlib, brotli, httplib, libpq) are not instrumented.", ""]
        if not rows:
            out.append("Not yet run.")
            continue
        out += ["| target | seconds | executions | exec/s | coverage (edges) | features | "
                "corpus after | crashes |", "|---|---|---|---|---|---|---|---|"]
        for t in TARGETS:
            r = rows.get(t)
            if r:
                out.append(f"| `{t}` | {r[2]} | {num(r[3])} | {num(r[4])} | {num(r[5])} | "
                           f"{num(r[6])} | {num(r[7])} | {r[8]} |")
    out += ["", "**What fuzzing found** (each fixed or explained; `fuzz/README.md`):", "",
            findings("fuzz/README.md", "findings")]
    return "\n".join(out)


def sanitizer_section(results):
    out = [
        "`-DANALYTICS_SANITIZE=address` builds every project target with AddressSanitizer + "
        "UndefinedBehaviorSanitizer (`-fno-sanitize-recover=all`: a UBSan finding aborts), "
        "LeakSanitizer at exit, `-fno-omit-frame-pointer` and libstdc++'s `_GLIBCXX_ASSERTIONS`; "
        "`-DANALYTICS_SANITIZE=thread` builds with ThreadSanitizer. `scripts/sanitize.sh` (run "
        "by `scripts/test.sh` in CI) builds `build-asan/` with clang 14 and runs the unit "
        "tests, the in-process integration tests (real PostgreSQL and dev broker; "
        "`DashboardTest` drives Chromium against the gcc binaries and the demo is a script, so "
        "both stay with ctest) and the broker fault tests under it, then the fuzzers.",
        "",
    ]
    rows = []
    for name in ("unit_tests", "integration_tests", "fault_tests"):
        rows += read_tsv(os.path.join(results, name + ".tsv"))
    build = os.path.join(results, "build-seconds")
    if rows:
        out += [f"Commit `{read_text(os.path.join(results, 'commit'), 'unknown')}`:", "",
                "| suite (ASan + UBSan + LSan) | tests | passed | seconds | result |",
                "|---|---|---|---|---|"]
        for r in rows:
            out.append(f"| `{r[0]}` | {r[1]} | {r[2]} | {r[3]} | {r[4]} |")
        stage = os.path.join(results, "stage-seconds")
        if os.path.exists(build) and os.path.exists(stage):
            with open(build) as b, open(stage) as st:
                out += ["", f"That run of the whole stage took {st.read().strip()} s after "
                        f"its tree was built ({b.read().strip()} s, beside ctest at the lowest "
                        "CPU priority when scripts/test.sh runs it)."]
    else:
        out.append("Not yet run.")
    tsan = read_tsv(os.path.join(results, "tsan.tsv"))
    if tsan:
        out += ["", "ThreadSanitizer (`scripts/sanitize.sh --tsan`, `build-tsan/`; by hand, not in "
                "CI; `TSAN_INTEGRATION=1` adds the integration tests):", "",
                "| suite (TSan) | tests passed | reports | exit code | seconds |",
                "|---|---|---|---|---|"]
        for r in tsan:
            out.append(f"| `{r[0]}` | {r[4]} | {r[1]} | {r[2]} | {r[3]} |")
    out += ["", findings("tests/sanitizers/README.md", "measured"),
            "", "**What the sanitizers and the clang build found** (`tests/sanitizers/README.md`):",
            "", findings("tests/sanitizers/README.md", "findings")]
    return "\n".join(out)


def replace(doc, name, body):
    begin, end = f"<!-- reliability:{name}:begin -->", f"<!-- reliability:{name}:end -->"
    head, rest = doc.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body}\n{end}{tail}"


def main():
    results, doc_path = sys.argv[1], sys.argv[2]
    with open(doc_path) as f:
        doc = f.read()
    doc = replace(doc, "fuzz", fuzz_section(results))
    doc = replace(doc, "sanitizers", sanitizer_section(results))
    with open(doc_path, "w") as f:
        f.write(doc)
    print(f"wrote the fuzz and sanitizers sections of {doc_path}")


if __name__ == "__main__":
    main()
