"""`tollgate generate`: a deterministic, realistic landing folder (the formats ingest reads;
docs/architecture.md, "Landing formats").

Same seed and arguments give byte-identical files; nothing depends on the wall clock.
Conference legs and web requests follow a weekly and daily rhythm in each account's local
time zone, and a small, counted fraction of records is deliberately broken.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from jobs.synthetic.accounts import build_accounts, build_billing
from jobs.synthetic.cdr import write_cdr
from jobs.synthetic.pools import DAY_S, build_people, random_strings
from jobs.synthetic.rhythm import Window, zone_rhythm
from jobs.synthetic.usage import write_usage
from jobs.synthetic.vocab import HEX
from transforms.parse_accounts import ACCOUNT_FIELDS
from transforms.parse_billing import BILLING_FIELDS
from transforms.parse_requests import REQUEST_KINDS

log = logging.getLogger("tollgate.generate")

# The CSV headers are the parsers' field lists: the files hold exactly what ingest reads.
ACCOUNT_HEADER = ACCOUNT_FIELDS
BILLING_HEADER = BILLING_FIELDS
REQUEST_P = (0.35, 0.25, 0.20, 0.05, 0.15)  # per REQUEST_KINDS, in its order
DEFAULT_START = dt.date(2026, 11, 2)  # a Monday; fixed so that output never depends on today


def generate_landing(
    out: Path,
    *,
    days: int = 14,
    accounts: int = 5000,
    legs_per_day: int = 14300,
    seed: int = 7,
    start: dt.date = DEFAULT_START,
    requests_per_day: int | None = None,
) -> dict:
    """Write the landing folder under `out` and return counts per kind.

    Example: ``generate_landing(Path("data/landing"), days=3, accounts=200, legs_per_day=500)``
    """
    if days < 1 or accounts < 1 or legs_per_day < 0:
        raise ValueError("days and accounts must be positive, legs_per_day not negative")
    out = Path(out)
    rng_people, rng_acc, rng_bill, rng_cdr, rng_use, rng_req = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)
    )
    t0 = int(np.datetime64(start, "s").astype(np.int64))
    _clear_partitions(out)
    people = build_people(accounts + max(2000, accounts // 2), seed, rng_people)
    acc = build_accounts(people, accounts, t0, rng_acc)
    _write_csv(out / "accounts" / "accounts.csv", ACCOUNT_HEADER, acc.rows)
    billing = build_billing(people, acc, _months(start, days), seed, rng_bill)
    _write_csv(out / "billing" / "billing.csv", BILLING_HEADER, billing)
    weight, offset = zone_rhythm(start, days)
    window = Window(t0, days, weight, offset)
    cdr = write_cdr(out / "cdr", people, acc, window, legs_per_day * days, rng_cdr)
    n_requests = (legs_per_day // 2 if requests_per_day is None else requests_per_day) * days
    usage = write_usage(out / "usage", people, window, n_requests, rng_use)
    n_privacy = _write_privacy_requests(out / "privacy_requests" / "requests.jsonl", acc.account_id, window, rng_req)
    summary = {
        "accounts": accounts,
        "minors": acc.minors,
        "people": len(people.email),
        "do_not_sell": sum(row[ACCOUNT_HEADER.index("do_not_sell")] == "true" for row in acc.rows),
        "billing_rows": len(billing),
        "privacy_requests": n_privacy,
        **cdr,
        **usage,
    }
    summary["planted"] = {**cdr.pop("planted"), **usage.pop("planted")}
    summary["files"] = 3 + summary["cdr_files"] + summary["usage_files"]
    return dict(sorted(summary.items()))


def _months(start: dt.date, days: int) -> list[tuple[int, int]]:
    """Each calendar month's part of the window, as [first, end) UTC epoch seconds."""
    spans: dict[tuple[int, int], list[int]] = {}
    for d in range(days):
        day = start + dt.timedelta(days=d)
        first_s = int(np.datetime64(day, "s").astype(np.int64))
        span = spans.setdefault((day.year, day.month), [first_s, first_s])
        span[1] = first_s + DAY_S
    return [tuple(span) for span in spans.values()]


def _clear_partitions(out: Path) -> None:
    """Remove date partitions a previous run left, so a rerun gives exactly this window."""
    for folder in ("cdr", "usage"):
        for partition in sorted((out / folder).glob("date=*")):
            shutil.rmtree(partition)


def _write_csv(path: Path, header: Sequence[str], rows: list[tuple]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    log.info("wrote %s: %d rows", path.name, len(rows))


def _write_privacy_requests(path: Path, account_id: np.ndarray, window: Window, rng: np.random.Generator) -> int:
    """About 1% of accounts file one request each, received inside the window."""
    n = max(1, round(len(account_id) * 0.01))
    who = rng.choice(len(account_id), size=n, replace=False)
    kind = rng.choice(len(REQUEST_KINDS), size=n, p=REQUEST_P)
    received = np.sort(rng.integers(window.t0, window.t0 + window.days * DAY_S, n))
    stamps = np.datetime_as_string(received.astype("datetime64[s]"))
    ids = random_strings(rng, n, 20, HEX)
    lines = [
        json.dumps(
            {
                "request_id": f"pr_{ids[i]}",
                "kind": REQUEST_KINDS[kind[i]],
                "account_id": account_id[who[i]],
                "received_at": f"{stamps[i]}Z",
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for i in range(n)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return n
