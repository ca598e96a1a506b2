"""ingest: landing files -> bronze Delta tables; every rejected record -> quarantine, with a reason.

Bronze is the PII zone: records typed as received, plus `source_file`, `line_number`,
`landing_date` and `ingested_at`. For every file, records read = accepted + quarantined +
erased (kept out for an erased account, or in `tollgate run` for an open erasure request).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.config.settings import TelephonySource
from jobs.lake.at_once import at_once
from jobs.lake.landing import landed_days, read_numbered_lines
from jobs.lake.layout import BRONZE_CDR, BRONZE_USAGE, Lake, days_condition, replace_partitions
from jobs.lake.session import jvm_time_zone_ids
from jobs.privacy.subjects import pending_erasure_subjects
from jobs.privacy.suppression import ingest_privacy_requests, load_suppression, write_privacy_state
from jobs.stages.ingest_copies import ROW_KEY, reject_later_copies
from jobs.stages.ingest_report import ERASED, IngestReport, count_files
from jobs.stages.ingest_telephony import ingest_telephony
from jobs.stages.quarantine_batch import QuarantineBatch
from transforms.parse_accounts import ACCOUNT_FIELDS, parse_account_lines
from transforms.parse_billing import BILLING_FIELDS, parse_billing_lines
from transforms.parse_cdr import CDR_FIELDS, parse_cdr_records
from transforms.parse_usage import USAGE_FIELDS, parse_combined_log
from transforms.privacy import Suppression, subject_rows
from transforms.quarantine import REASON

# Sources whose accepted records an open erasure request keeps out (by kind), and their table.
_KEPT_OUT_TABLES = {"cdr": BRONZE_CDR, "usage": BRONZE_USAGE}

log = logging.getLogger("tollgate.ingest")


def ingest(
    spark: SparkSession,
    landing: Path,
    lake: Lake,
    days: list[dt.date],
    telephony: Mapping[str, TelephonySource] | None = None,
    *,
    key: bytes,
    keep_out_pending: bool = False,
) -> IngestReport:
    """Ingest accounts (a full snapshot), the privacy requests (then each account's privacy
    state), the CDR and usage-log files of `days` and every configured telephony folder
    (undated files: re-read whole each run).

    Records of erased accounts (the suppression list, matched by keyed hash with `key`) are
    counted and kept out of every table, so a re-run or a backfill never brings them back.
    With `keep_out_pending` (`tollgate run`, whose erase comes next), the accepted CDR legs and
    web requests of accounts with an open erasure request are kept out too, and counted per
    account in `report.kept_out` for that erase's audit: it would otherwise rewrite every day
    file just written to delete them.
    """
    report = IngestReport(started_at=dt.datetime.now(dt.UTC))
    suppression = load_suppression(spark, lake, key)
    rejects = QuarantineBatch(lake.quarantine)  # every source's: one commit, at the end
    account_files = sorted((landing / "accounts").glob("*.csv"))
    if account_files:
        zones = jvm_time_zone_ids(spark)
        parsed_df = parse_account_lines(read_numbered_lines(spark, account_files, landing), zones).withColumn(
            "landing_date", F.lit(None).cast("date")
        )
        _ingest_source(
            rejects, report, "accounts", parsed_df, ACCOUNT_FIELDS, lake.bronze_accounts, None, suppression=suppression
        )
    else:
        log.warning("no account files under %s/accounts; local times need them", landing)
    # Before the day files: an erasure request that lands with them keeps its account out.
    ingest_privacy_requests(spark, landing, lake, suppression, partial(_ingest_source, rejects, report))
    pending = pending_erasure_subjects(spark, lake, key) if keep_out_pending else None
    # The accounts' privacy state is read by no later step of ingest: it is written meanwhile.
    at_once(
        lambda: write_privacy_state(spark, lake, suppression),
        lambda: _ingest_files(spark, landing, lake, days, telephony, report, rejects, suppression, pending),
    )
    rejects.write()
    return report


def _ingest_files(
    spark: SparkSession,
    landing: Path,
    lake: Lake,
    days: list[dt.date],
    telephony: Mapping[str, TelephonySource] | None,
    report: IngestReport,
    rejects: QuarantineBatch,
    suppression: Suppression,
    pending: DataFrame | None,
) -> None:
    """The billing snapshot, the CDR and usage-log files of `days`, every telephony folder."""
    billing_files = sorted((landing / "billing").glob("*.csv"))
    if billing_files:  # an undated snapshot, like accounts: replaced whole by each ingest
        parsed_df = parse_billing_lines(read_numbered_lines(spark, billing_files, landing)).withColumn(
            "landing_date", F.lit(None).cast("date")
        )
        _ingest_source(
            rejects, report, "billing", parsed_df, BILLING_FIELDS, lake.bronze_billing, None, suppression=suppression
        )
    for source, folder, pattern, parser, fields, target, key in (
        ("cdr", "cdr", "*.jsonl", parse_cdr_records, (*CDR_FIELDS, "extra_keys"), lake.bronze_cdr, "leg_id"),
        ("usage", "usage", "*.log", parse_combined_log, USAGE_FIELDS, lake.bronze_usage, None),
    ):
        landed = landed_days(landing / folder, pattern)
        files = [path for day in days for path in landed.get(day, [])]
        if not files:
            log.info("%s: no files for the selected days", source)
            continue
        parsed_df = parser(read_numbered_lines(spark, files, landing)).withColumn(
            "landing_date", F.to_date(F.regexp_extract("source_file", r"date=(\d{4}-\d{2}-\d{2})", 1))
        )
        covered = [day for day in days if day in landed]
        _ingest_source(
            rejects,
            report,
            source,
            parsed_df,
            fields,
            target,
            days=covered,
            suppression=suppression,
            pending=pending,
            duplicates_of=key,
        )
    ingest_pbx = partial(_ingest_source, rejects, report, suppression=suppression, pending=pending)
    for name, pbx in (telephony or {}).items():
        ingest_telephony(spark, landing, lake, name, pbx, ingest_pbx)


def ingest_privacy(spark: SparkSession, landing: Path, lake: Lake, key: bytes) -> IngestReport:
    """The privacy requests alone (a full snapshot), then each account's privacy state: the
    first step of `tollgate erase`, so an erasure request that has just landed is applied
    without waiting for the CDRs (every ingest takes them in the same way, before its days)."""
    report = IngestReport()
    suppression = load_suppression(spark, lake, key)
    batch = QuarantineBatch(lake.quarantine)
    ingest_privacy_requests(spark, landing, lake, suppression, partial(_ingest_source, batch, report))
    batch.write()
    write_privacy_state(spark, lake, suppression)
    return report


def _ingest_source(
    quarantine: QuarantineBatch,
    report: IngestReport,
    source: str,
    parsed_df: DataFrame,
    fields: tuple[str, ...],
    target: str,
    days: list[dt.date] | None,
    scope: str | None = None,
    *,
    suppression: Suppression,
    pending: DataFrame | None = None,
    duplicates_of: str | None = None,
) -> None:
    """Write accepted rows to `target` and add rejects to `quarantine`, replacing the rows of
    `days` (None: the whole snapshot) or, for undated sources, of `scope`. A record that
    mentions an erased account, in a field or anywhere in its raw line, goes to neither; an
    accepted record that mentions a subject of `pending` (open erasure requests) is kept out
    and counted (_kept_out). The rows are parsed once, cached, and read from memory by the
    writes and the counting jobs. With `duplicates_of`, later copies of an accepted record
    with the same value of that column are rejected here (ingest_copies), not by the parser."""
    kind = "cdr" if source.startswith("telephony:") else source
    lines_df = parsed_df.select(*ROW_KEY, "value")  # the raw lines alone: read again, never parsed
    parsed_df = parsed_df.select(
        *(name for name in parsed_df.columns if name != "value"),
        # Only a rejected record keeps its raw line (raw_record): the cache holds no copy of
        # every accepted line (at 1M legs, most of its bytes).
        F.when(F.col(REASON).isNotNull(), F.col("value")).alias("value"),
        F.current_timestamp().alias("ingested_at"),
        # A rejected record is kept whole (raw_record), so its raw line is searched too.
        F.when(F.col(REASON).isNotNull(), suppression.mentions(parsed_df, kind, text_columns=("value",)))
        .otherwise(suppression.mentions(parsed_df, kind))
        .alias(ERASED),
    ).persist()
    cached = [parsed_df]
    kept_df = None
    try:
        if duplicates_of is not None:
            parsed_df, copies = reject_later_copies(parsed_df, lines_df, duplicates_of, kind, suppression)
            cached += copies
        is_accepted = F.col(REASON).isNull() & ~F.col(ERASED)
        accepted_df = parsed_df.where(is_accepted).select(
            *fields, "source_file", "line_number", "landing_date", "ingested_at"
        )
        if pending is not None and kind in _KEPT_OUT_TABLES:
            kept_df = subject_rows(accepted_df, kind, pending, ROW_KEY)
            kept_df = kept_df.select(*ROW_KEY, "landing_date", "subject_hash").persist()
            cached.append(kept_df)
            accepted_df = accepted_df.join(F.broadcast(kept_df.select(*ROW_KEY).distinct()), ROW_KEY, "left_anti")
        rejected_df = parsed_df.where(F.col(REASON).isNotNull() & ~F.col(ERASED)).select(
            F.lit(source).alias("source"),
            "landing_date",
            "source_file",
            "line_number",
            F.col(REASON).alias("reason"),
            F.col("value").alias("raw_record"),
            "ingested_at",
        )
        day_filter = days_condition(days)
        if scope is not None:
            replace_partitions(accepted_df, target, scope, ["landing_date"])
        elif days is None:
            accepted_df.write.format("delta").mode("overwrite").save(target)
        else:
            # Native files only: telephony rows of the same days belong to their own folders.
            replace_partitions(
                accepted_df, target, f"{day_filter} AND source_file LIKE '{source}/date=%'", ["landing_date"]
            )
        counts = count_files(parsed_df, source, report, with_keys="extra_keys" in fields)
        condition = f"source = '{source}'" + ("" if scope is not None else f" AND {day_filter}")
        quarantine.add(rejected_df, condition, rejected=sum(count.quarantined for count in counts))
        if kept_df is not None:
            _kept_out(kept_df, source, _KEPT_OUT_TABLES[kind], report)
    finally:
        for cached_df in cached:
            cached_df.unpersist()


def _kept_out(kept_df: DataFrame, source: str, table: str, report: IngestReport) -> None:
    """The accepted records kept out for open erasure requests: per account hash, for the
    erase's audit of `table`; their landing days, which that erase rebuilds (a telephony
    file's legs can fall on days the run does not rebuild); and per file, moved from
    `accepted` to `erased`. Every file of `source` is recorded as checked."""
    checked = report.checked_for_erasures.setdefault(table, set())
    checked.update(count.source_file for count in report.files if count.source == source)
    per_account = report.kept_out.setdefault(table, Counter())
    for row in kept_df.groupBy("subject_hash", "landing_date").count().collect():
        per_account[row.subject_hash] += row["count"]
        if row.landing_date is not None:
            report.kept_out_days.add(row.landing_date)
    files_df = kept_df.dropDuplicates(ROW_KEY).groupBy("source_file").count()
    per_file = {row.source_file: row["count"] for row in files_df.collect()}
    for index, count in enumerate(report.files):
        kept = per_file.get(count.source_file, 0) if count.source == source else 0
        if kept:
            report.files[index] = replace(count, accepted=count.accepted - kept, erased=count.erased + kept)
