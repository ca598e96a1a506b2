"""run: every stage in order for the selected days: ingest, erase (open erasure requests),
anonymize, aggregate, export; after an erasure, bronze and silver are vacuumed before export."""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from jobs import aggregate as aggregate_stage
from jobs import anonymize as anonymize_stage
from jobs import erase as erase_stage
from jobs import export as export_stage
from jobs import ingest as ingest_stage
from jobs import progress
from jobs import report as report_stage
from jobs.common import add_date_args, add_location_args, selected_dates
from jobs.errors import ConfigError
from jobs.keys import load_hmac_key
from jobs.lake import Lake
from jobs.landing import landed_days
from jobs.policy import load_policy
from jobs.recipients import load_recipients
from jobs.session import get_spark
from jobs.settings import load_settings

HELP = "the whole pipeline for the selected days (default: every landed day)"
log = logging.getLogger("tollgate.run")


@dataclass
class RunResult:
    ingest: ingest_stage.IngestReport
    anonymize: anonymize_stage.AnonymizeReport
    weeks: list
    releases: list[Path]
    seconds: dict[str, float] = field(default_factory=dict)
    erasure: erase_stage.ErasureReport = field(default_factory=erase_stage.ErasureReport)
    report: Path | None = None  # <lake>/_reports/run-<time>.html (jobs/report.py)


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    add_date_args(parser)


def run(args: argparse.Namespace) -> int:
    run_pipeline(args)
    return 0


def run_pipeline(args: argparse.Namespace) -> RunResult:
    """Validate all configuration first (exit 2 before any work), then run the stages."""
    policy = load_policy(args.policy)
    recipients = load_recipients(args.recipients, policy.k_floor)
    key = load_hmac_key(args.config)
    settings = load_settings(args.config)
    days = selected_dates(args, sorted(landed_days(args.landing / "cdr", "*.jsonl")))
    if not days:
        raise ConfigError(f"no CDR files for the selected days under {args.landing / 'cdr'}")
    spark = get_spark("tollgate-run")
    lake = Lake(args.lake)
    seconds: dict[str, float] = {}

    def timed(stage: str, work):
        started = time.perf_counter()
        progress.stage_started(log, stage, days)
        result = work()
        seconds[stage] = time.perf_counter() - started
        progress.stage_done(log, stage, seconds[stage], **progress.counts_of(stage, result))
        return result

    ingest_report = timed("ingest", lambda: ingest_stage.ingest(spark, args.landing, lake, days, settings.telephony, key=key))
    ingest_stage.print_report(ingest_report)
    progress.day_rows(log, "ingest", progress.rows_by_landing_day(ingest_report.files), "CDR legs accepted")
    # Open erasures before silver is built: this run's days are rebuilt below anyway.
    erasure = timed("erase", lambda: erase_stage.erase(spark, lake, key, policy, rebuilt_by_caller=days, vacuum=False))
    erase_stage.print_report(erasure)
    anonymize_report = timed("anonymize", lambda: anonymize_stage.anonymize(spark, lake, key, days, policy))
    anonymize_stage.print_report(anonymize_report)
    weeks = timed("aggregate", lambda: aggregate_stage.aggregate(spark, lake, days, policy.k))
    # The files that held erased rows go before anything is exported: rows deleted by this
    # erasure, or records of earlier erasures that ingest kept out of the partitions it replaced.
    if erasure.requests or any(count.erased for count in ingest_report.files):
        timed("vacuum", lambda: erase_stage.vacuum_identifiable(spark, lake))
    releases = timed(
        "export",
        lambda: export_stage.export_all(spark, lake, args.exports, list(recipients.values()), policy, master_key=key),
    )
    result = RunResult(ingest_report, anonymize_report, weeks, releases, seconds, erasure)
    result.report = report_stage.write_run_report(spark, lake, result, policy.k)
    return result


if __name__ == "__main__":  # spark-submit jobs/run.py ...
    from jobs.cli import run_as_script

    run_as_script("run")
