#!/usr/bin/env python3
"""Checks the configuration reference of docs/operations.md against the code.

Every service reads its settings through config::EnvConfig (get_string, get_int, get_double,
get_bool, get_secret: the variable's name, then its default) and its API keys through
auth::api_keys_from_env (PREFIX_API_KEYS and PREFIX_API_KEYS_FILE). This script finds those
declarations in services/ and common/ and compares them with the table between
<!-- config:begin --> and <!-- config:end --> (rows `| `NAME` | services | default | meaning |`):
- every variable the code reads has a row, and every row names a variable the code reads;
- where the code's default is a literal (a number, a string, true/false), the row's default
  cell shows it.
Exit 1 listing every difference; `--list` prints what the code declares.

  scripts/config_reference.py [--doc docs/operations.md] [--list]
"""

from __future__ import annotations

import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GETTER = re.compile(
    r'get_(?:string|int|double|bool|secret)\(\s*"([A-Z][A-Z0-9_]*)"\s*,\s*'
    r'("(?:[^"\\]|\\.)*"|[^,()]+(?:\([^()]*\))?)', re.S)
API_KEYS = re.compile(r'api_keys_from_env\(\s*\w+\s*,\s*"([A-Z][A-Z0-9_]*)"')
ROW = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|([^|]*)\|([^|]*)\|")
BEGIN, END = "<!-- config:begin -->", "<!-- config:end -->"


def literal(text: str) -> str | None:
    """The default as a reader sees it, when the code gives a literal; else None."""
    text = text.strip()
    if text.startswith('"'):
        return text[1:-1]
    if text in ("true", "false"):
        return text
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return text
    return None


def declared() -> dict[str, set]:
    """Variable -> the literal defaults the code gives it (empty when not literal)."""
    out: dict[str, set] = {}
    for top in ("services", "common"):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            if "/dashboard" in d or "/node_modules" in d:
                continue
            for f in files:
                if not f.endswith((".cpp", ".hpp")):
                    continue
                src = open(os.path.join(d, f), encoding="utf-8").read()
                for name, default in GETTER.findall(src):
                    out.setdefault(name, set())
                    value = literal(default)
                    if value is not None:
                        out[name].add(value)
                for prefix in API_KEYS.findall(src):
                    out.setdefault(f"{prefix}_API_KEYS", set())
                    out.setdefault(f"{prefix}_API_KEYS_FILE", set())
    return out


def documented(doc: str) -> dict[str, str]:
    text = open(doc, encoding="utf-8").read()
    if text.count(BEGIN) != 1 or text.count(END) != 1:
        sys.exit(f"{doc} must hold {BEGIN} and {END} once each")
    table = text.split(BEGIN, 1)[1].split(END, 1)[0]
    rows = {}
    for line in table.splitlines():
        m = ROW.match(line)
        if m:
            rows[m.group(1)] = m.group(3).strip()
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "operations.md"))
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    code = declared()
    if a.list:
        for name in sorted(code):
            print(name, " | ".join(sorted(code[name])) or "(computed)")
        return 0
    doc = documented(a.doc)
    problems = [f"{n}: read by the code, missing from the reference" for n in sorted(set(code) - set(doc))]
    problems += [f"{n}: in the reference, read by no code" for n in sorted(set(doc) - set(code))]
    for name in sorted(set(code) & set(doc)):
        for value in code[name]:
            shown = value if value else "empty"
            if shown not in doc[name] and f"`{value}`" not in doc[name]:
                problems.append(f"{name}: the code's default is {shown!r}, the reference says {doc[name]!r}")
    for p in problems:
        print(p)
    print(f"{len(code)} variables in the code, {len(doc)} in {os.path.relpath(a.doc, ROOT)}: "
          f"{'agree' if not problems else f'{len(problems)} differences'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
