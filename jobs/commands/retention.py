"""`tollgate retention`: delete identifiable rows past their window, then vacuum."""

from __future__ import annotations

import argparse
import datetime as dt

from jobs.commands.args import add_location_args, parse_date
from jobs.config.policy import load_policy
from jobs.console.show import print_table
from jobs.errors import EXIT_FAILURE, EXIT_OK
from jobs.lake.layout import Lake
from jobs.lake.session import get_spark
from jobs.rights.retention import TableRetention, apply_retention

HELP = "delete identifiable rows past their retention window, then vacuum (--dry-run: count only)"


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    parser.add_argument(
        "--as-of",
        dest="as_of",
        type=parse_date,
        default=None,
        help="the day windows count back from, YYYY-MM-DD (default: today, UTC)",
    )
    parser.add_argument("--dry-run", action="store_true", help="count what would go; change nothing")


def run(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    as_of = args.as_of or dt.datetime.now(dt.UTC).date()
    spark = get_spark("tollgate-retention")
    results = apply_retention(spark, Lake(args.lake), policy, as_of, dry_run=args.dry_run)
    print_results(results, as_of, args.dry_run)
    return EXIT_FAILURE if any(r.status == "no age column" for r in results) else EXIT_OK


def print_results(results: list[TableRetention], as_of: dt.date, dry_run: bool) -> None:
    title = f"retention as of {as_of}" + (" (dry run: nothing changed)" if dry_run else "")
    rows = [
        (
            r.table,
            r.window_days,
            r.cutoff.isoformat(),
            r.rows_past if r.status != "absent" else None,
            r.rows_kept,
            r.rows_undated,
            r.status,
        )
        for r in results
    ]
    columns = ("table", "window days", "cutoff", "rows past window", "rows kept", "undated", "status")
    print_table(columns, rows, title=title)
    verb = "would delete" if dry_run else "deleted"
    deleted = sum(r.rows_past for r in results)
    touched = sum(1 for r in results if r.rows_past)
    print(f"retention {verb} {deleted:,} rows in {touched} of {len(results)} tables")
