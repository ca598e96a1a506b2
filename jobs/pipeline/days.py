"""The days a run covers: every dated source's landed days, limited by --date or --from/--to."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from jobs.errors import ConfigError
from jobs.lake.landing import landed_days

# Dated landing folders (date=YYYY-MM-DD/) and the files a day holds in each.
DATED_SOURCES = (("cdr", "*.jsonl"), ("usage", "*.log"))


def landed_run_days(landing: Path) -> list[dt.date]:
    """Every day that has landed in any dated source (CDR legs or usage logs)."""
    days: set[dt.date] = set()
    for folder, pattern in DATED_SOURCES:
        days.update(landed_days(landing / folder, pattern))
    return sorted(days)


def selected_dates(args: argparse.Namespace, available: list[dt.date]) -> list[dt.date]:
    """The days a run covers, from --date / --from --to, limited to what exists."""
    if args.date and (args.date_from or args.date_to):
        raise ConfigError("give either --date or --from/--to, not both")
    if args.date:
        return [args.date]
    if args.date_from or args.date_to:
        if not (args.date_from and args.date_to):
            raise ConfigError("--from and --to go together")
        if args.date_from > args.date_to:
            raise ConfigError("--from is after --to")
        return [d for d in available if args.date_from <= d <= args.date_to]
    return available
