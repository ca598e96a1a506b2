"""Run every stage of the one stage list (jobs/pipeline/stages.py), in its order, for the
selected days. All configuration is validated before any work (exit 2)."""

from __future__ import annotations

import argparse
import logging
import time

from jobs.config.keys import load_hmac_key
from jobs.config.policy import load_policy
from jobs.config.recipients import load_recipients
from jobs.config.settings import load_settings
from jobs.console import progress
from jobs.errors import ConfigError
from jobs.lake.layout import Lake
from jobs.lake.session import get_spark
from jobs.pipeline import report as report_stage
from jobs.pipeline.days import landed_run_days, selected_dates
from jobs.pipeline.result import RunResult
from jobs.pipeline.stages import STAGES
from jobs.release import export as export_stage
from jobs.release.publish import ReleaseRefused
from jobs.rights import erase as erase_stage
from jobs.stages import aggregate as aggregate_stage
from jobs.stages import anonymize as anonymize_stage
from jobs.stages import ingest as ingest_stage
from jobs.stages import ingest_report

log = logging.getLogger("tollgate.run")


def run_pipeline(args: argparse.Namespace) -> RunResult:
    """Validate all configuration first (exit 2 before any work), then run the stages."""
    policy = load_policy(args.policy)
    recipients = load_recipients(args.recipients, policy.k_floor)
    key = load_hmac_key(args.config)
    settings = load_settings(args.config)
    days = selected_dates(args, landed_run_days(args.landing))
    if not days:
        raise ConfigError(f"no CDR or usage-log files for the selected days under {args.landing}")
    spark = get_spark("tollgate-run")
    lake = Lake(args.lake)
    result = RunResult()

    def ingest():
        result.ingest = ingest_stage.ingest(
            spark, args.landing, lake, days, settings.telephony, key=key, keep_out_pending=True
        )
        ingest_report.print_report(result.ingest)
        legs_by_day = progress.rows_by_landing_day(result.ingest.files)
        progress.day_rows(log, "ingest", legs_by_day, "CDR legs accepted")
        return result.ingest

    def erase():
        # This run rebuilds its days below anyway; vacuum comes after silver is rebuilt. Its
        # ingest kept the open requests' accounts out of the files it read: none is searched
        # or rewritten again.
        result.erasure = erase_stage.erase(
            spark, lake, key, policy, rebuilt_by_caller=days, vacuum=False, ingested=result.ingest
        )
        erase_stage.print_report(result.erasure)
        return result.erasure

    def anonymize():
        result.anonymize = anonymize_stage.anonymize(spark, lake, key, days, policy)
        anonymize_stage.print_report(result.anonymize)
        return result.anonymize

    def aggregate():
        result.weeks = aggregate_stage.aggregate(spark, lake, days, policy.k)
        return result.weeks

    def vacuum():
        return erase_stage.vacuum_identifiable(spark, lake)

    def vacuum_due() -> bool:
        # When this run erased, or ingest kept erased records out of the partitions it
        # replaced: then old files of bronze and silver still hold them.
        return bool(result.erasure.requests) or any(count.erased for count in result.ingest.files)

    def export():
        everyone = list(recipients.values())
        # The run's last day ends the window of DP releases: known before any row is read.
        result.releases = export_stage.export_all(
            spark, lake, args.exports, everyone, policy, master_key=key, last_day=max(days)
        )
        return result.releases

    work = {
        "ingest": ingest,
        "erase": erase,
        "anonymize": anonymize,
        "aggregate": aggregate,
        "vacuum": vacuum,
        "export": export,
    }
    try:
        for stage in STAGES:
            if stage.name == "vacuum" and not vacuum_due():
                continue
            _timed(stage.name, days, work[stage.name], result.seconds)
    except ReleaseRefused as refusal:
        # The operator still gets the run's report, naming the refused release and its failed
        # checks (never a value), and the refusal goes on to the command line: exit 3.
        result.releases = list(refusal.published_before)
        try:
            result.report = report_stage.write_run_report(lake, result, policy.k, refusal)
        except Exception as error:  # the refusal, not the report, decides the exit code
            log.error("the refused run's report was not written (%s)", type(error).__name__)
        raise
    result.report = report_stage.write_run_report(lake, result, policy.k)
    return result


def _timed(stage: str, days: list, work, seconds: dict[str, float]) -> None:
    """Run one stage between its progress lines (started; done with its counts and seconds)."""
    started = time.perf_counter()
    progress.stage_started(log, stage, days)
    try:
        outcome = work()
    finally:  # a stage that raised still took its time (the refused run's report shows it)
        seconds[stage] = time.perf_counter() - started
    progress.stage_done(log, stage, seconds[stage], **progress.counts_of(stage, outcome))
