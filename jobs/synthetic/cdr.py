"""Conference leg files for `tollgate generate`: cdr/date=YYYY-MM-DD/legs-NNN.jsonl, one
JSON line per simulated leg (jobs/synthetic/legs.py), with a small, counted share of
planted defects.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from jobs.synthetic.accounts import Accounts
from jobs.synthetic.legs import simulate_legs
from jobs.synthetic.pools import DAY_S, People, random_strings
from jobs.synthetic.rhythm import Window
from jobs.synthetic.vocab import GARBAGE, HEX
from transforms.parse_cdr import CDR_FIELDS

log = logging.getLogger("tollgate.generate")

UUID_VARIANT = {h: "89ab"[i % 4] for i, h in enumerate(HEX)}
MAX_LINES_PER_PART = 100_000
BAD_RATE = 0.0005  # share of legs per planted defect kind
BAD_KINDS = ("truncated_json", "garbage_line", "null_strings", "missing_leg_id", "duplicate_leg", "extra_key")
NULLABLE = (
    "participant_name",
    "participant_email",
    "caller_number",
    "access_number",
    "ip_address",
    "user_agent",
    "notes",
)
# One JSON object per leg, keys in the parser's order: values that are JSON tokens already
# (strings that may be null, booleans, the rating) go in as they are, plain strings quoted.
_QUOTED = {"leg_id", "conference_id", "account_id", "access_type", "country", "region", "product"}
_QUOTED |= {"start_time", "end_time"}
_NUMBER_FORMATS = {"duration_s": "%d", "mos": "%.1f"}
CDR_TEMPLATE = (
    "{"
    + ",".join(f'"{name}":' + ('"%s"' if name in _QUOTED else _NUMBER_FORMATS.get(name, "%s")) for name in CDR_FIELDS)
    + "}"
)


def _cdr_lines(legs: dict, window: Window, rows: slice, rng) -> list[str]:
    """The JSON lines of one day's legs, in the contract's key order."""
    part = {key: column[rows] for key, column in legs.items()}
    n = len(part["start"])
    hexes = random_strings(rng, n, 32, HEX)
    leg_ids = [f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{UUID_VARIANT[h[16]]}{h[17:20]}-{h[20:]}" for h in hexes]
    values = {
        **part,
        "leg_id": leg_ids,
        "start_time": window.iso_local(part["start"], part["zone"]),
        "end_time": window.iso_local(part["end"], part["zone"]),
    }
    columns = [values[name] for name in CDR_FIELDS]
    return [
        CDR_TEMPLATE % row for row in zip(*(c if isinstance(c, list) else c.tolist() for c in columns), strict=False)
    ]


def _dump(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def plant_cdr_defects(lines: list[str], quota: np.ndarray, emails: np.ndarray, rng) -> dict:
    """Break records of one day in place, `quota` per BAD_KINDS; returns what was planted.

    Each broken record is a different leg; duplicates and garbage lines are added."""
    n_trunc, n_garbage, n_null, n_missing, _n_dup, n_extra = quota
    picked = rng.choice(len(lines), size=min(len(lines), quota.sum() - n_garbage), replace=False)
    cuts = np.cumsum([n_trunc, n_null, n_missing, n_extra])
    trunc, null, missing, extra, dup = np.split(picked, cuts)
    for i in trunc:  # cut before the closing brace: never valid JSON
        lines[i] = lines[i][: rng.integers(len(lines[i]) // 4, len(lines[i]) - 1)]
    for i in null:
        record = json.loads(lines[i])
        lines[i] = _dump({key: "NULL" if key in NULLABLE else v for key, v in record.items()})
    for i in missing:
        record = json.loads(lines[i])
        del record["leg_id"]
        lines[i] = _dump(record)
    with_email = rng.random(len(extra)) < 0.4
    for i, has_email in zip(extra, with_email, strict=False):
        record = json.loads(lines[i])
        hint = f";login_hint={emails[rng.integers(len(emails))]}" if has_email else ""
        record["client_debug"] = f"sdk=6.0.4;net=wifi;retry={rng.integers(0, 4)}{hint}"
        lines[i] = _dump(record)
    inserts = [(int(rng.integers(i + 1, len(lines) + 1)), lines[i]) for i in dup]
    inserts += [(int(rng.integers(0, len(lines) + 1)), GARBAGE[rng.integers(len(GARBAGE))]) for _ in range(n_garbage)]
    for position, line in sorted(inserts, key=lambda item: -item[0]):
        lines.insert(position, line)
    counts = (len(trunc), n_garbage, len(null), len(missing), len(dup), len(extra))
    return {**dict(zip(BAD_KINDS, map(int, counts), strict=False)), "extra_key_with_email": int(with_email.sum())}


def write_cdr(
    folder: Path, people: People, acc: Accounts, window: Window, n_legs: int, rng: np.random.Generator
) -> dict:
    """cdr/date=YYYY-MM-DD/legs-NNN.jsonl by UTC start date, with planted defects."""
    legs, n_conf = simulate_legs(people, acc, window, n_legs, rng)
    bounds = np.searchsorted(legs["start"], window.t0 + DAY_S * np.arange(window.days + 1))
    per_day = np.diff(bounds)
    share = per_day / max(per_day.sum(), 1)
    quota = np.stack(
        [
            rng.multinomial(max(1, round(n_legs * BAD_RATE)), share)
            if n_legs
            else np.zeros(window.days, dtype=np.int64)
            for _ in BAD_KINDS
        ],
        axis=1,
    )
    planted = dict.fromkeys((*BAD_KINDS, "extra_key_with_email"), 0)
    n_files = n_lines = 0
    for d in range(window.days):
        if per_day[d] == 0:
            continue
        day = window.day(d).isoformat()
        lines = _cdr_lines(legs, window, slice(bounds[d], bounds[d + 1]), rng)
        for kind, count in plant_cdr_defects(lines, quota[d], people.email, rng).items():
            planted[kind] += count
        target = folder / f"date={day}"
        target.mkdir(parents=True, exist_ok=True)
        for part, first in enumerate(range(0, len(lines), MAX_LINES_PER_PART)):
            chunk = lines[first : first + MAX_LINES_PER_PART]
            (target / f"legs-{part:03d}.jsonl").write_text("".join(line + "\n" for line in chunk), encoding="utf-8")
            n_files += 1
        n_lines += len(lines)
        log.info("cdr %s: %d lines", day, len(lines))
    return {"conferences": n_conf, "legs": n_legs, "cdr_lines": n_lines, "cdr_files": n_files, "planted": planted}
