"""`tollgate generate`: a deterministic, realistic synthetic landing folder."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
from pathlib import Path

from jobs.synthetic.landing import DEFAULT_START, generate_landing

HELP = "write a synthetic landing folder (CDR legs, usage logs, accounts, billing, requests)"
log = logging.getLogger("tollgate.generate")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="landing folder to write")
    parser.add_argument("--days", type=int, default=14, help="days in the window")
    parser.add_argument("--accounts", type=int, default=5000, help="number of accounts")
    parser.add_argument("--legs-per-day", type=int, default=14300, help="average legs per day")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument(
        "--start", type=dt.date.fromisoformat, default=DEFAULT_START, help="first day, YYYY-MM-DD (UTC)"
    )


def run(args: argparse.Namespace) -> int:
    summary = generate_landing(
        args.out,
        days=args.days,
        accounts=args.accounts,
        legs_per_day=args.legs_per_day,
        seed=args.seed,
        start=args.start,
    )
    log.info("wrote %s", json.dumps(summary, sort_keys=True))
    return 0
