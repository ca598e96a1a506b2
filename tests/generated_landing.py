"""Reading a landing folder written by `tollgate generate`, for the generator's tests; the
session's small generated landing is the `generated_landing` fixture (tests/conftest.py)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

SMALL = {"days": 7, "accounts": 200, "legs_per_day": 500, "seed": 7}


def tree(root: Path) -> dict[str, bytes]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def cdr_lines(root: Path) -> list[tuple[str, str]]:
    """(partition date, raw line) for every CDR line."""
    return [
        (f.parent.name.removeprefix("date="), line)
        for f in sorted(root.glob("cdr/date=*/legs-*.jsonl"))
        for line in f.read_text(encoding="utf-8").splitlines()
    ]


def cdr_records(root: Path) -> list[tuple[str, dict]]:
    out = []
    for day, line in cdr_lines(root):
        try:
            out.append((day, json.loads(line)))
        except json.JSONDecodeError:
            continue
    return out


def accounts(root: Path) -> list[dict]:
    with (root / "accounts" / "accounts.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
