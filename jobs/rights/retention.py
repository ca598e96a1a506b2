"""retention: delete identifiable rows older than their table's window, then VACUUM.

The windows (days per entry) are the `retention:` section of the privacy policy. A row is
past its window when its age date is before `as_of - window`: with a 90-day window, as of
2026-12-01 the cutoff is 2026-09-02 and a row of 2026-09-02 stays. A row without an age
date is never deleted; the report counts it as undated. What Delta logs of a retention
commit names columns and the cutoff date (for the quarantine, also the name of a source, a
constant of this code), never a value of a row.

Most entries are a table whose rows all age by one rule (ROW_WINDOWS). Two are the privacy
tables' own (jobs/rights/privacy_retention.py): `bronze.privacy_requests`, whose open and
in-force requests never go, and `bronze.account_privacy_state`, whose current snapshot stays
and whose past versions' files go. The quarantine has two windows: its privacy request lines
age by the received_at written in them.

VACUUM keeps Delta's default retention (168 hours, safety check on; only erasure may turn
it off), so files a run deletes stay readable by time travel for 7 days and are removed by
the first run after that; the privacy state's history uses its own window, never shorter.
bronze.accounts, the suppression list and the privacy audit are not aged out
(jobs/config/policy.py refuses an entry for them).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs.config.policy import Policy
from jobs.lake.layout import (
    BRONZE_BILLING,
    BRONZE_CDR,
    BRONZE_USAGE,
    QUARANTINE,
    SILVER_CDR,
    SILVER_WEB,
    Lake,
    delta_version,
    is_delta,
    table_named,
)
from jobs.privacy.audit import processed_requests
from jobs.rights import privacy_retention as privacy

log = logging.getLogger("tollgate.retention")

REQUESTS = "bronze.privacy_requests"
STATE_HISTORY = "bronze.account_privacy_state"
REQUEST_LINES = "bronze.quarantine.privacy_requests"
# A quarantined request line's received_at, read from its raw text as the parser reads it.
# Their ingest date is no age: every ingest re-reads the request files whole and stamps every
# line, so by it they would never age. received_at is fixed in the line, and ages a rejected
# copy with the request it copies; a line without a readable one falls back to its ingest date.
LINE_RECEIVED_AT = "raw_record:received_at"
_DATES = {
    "landing_date": "landing_date",
    LINE_RECEIVED_AT: "TRY_CAST(try_to_timestamp(trim(get_json_object(raw_record, '$.received_at'))) AS DATE)",
}
_REQUEST_SOURCE = "source = 'privacy_requests'"


@dataclass(frozen=True)
class RowWindow:
    """One policy entry whose rows age by one rule: where they are and how they are dated."""

    table: str  # canonical lake table
    age_columns: tuple[str, ...]  # a row's age: the first of these that is not null
    scope: str | None = None  # SQL: the rows of the table this window covers (None: all)


ROW_WINDOWS = {
    "bronze.cdr_legs": RowWindow(BRONZE_CDR, ("landing_date",)),
    "bronze.usage_log": RowWindow(BRONZE_USAGE, ("landing_date",)),
    # Rejects of the undated snapshots (accounts, billing) have no landing_date: their ingest date.
    "bronze.quarantine": RowWindow(QUARANTINE, ("landing_date", "ingested_at"), f"NOT ({_REQUEST_SOURCE})"),
    REQUEST_LINES: RowWindow(QUARANTINE, (LINE_RECEIVED_AT, "ingested_at"), _REQUEST_SOURCE),
    "bronze.billing": RowWindow(BRONZE_BILLING, ("landing_date", "created_at")),
    "silver.cdr_legs": RowWindow(SILVER_CDR, ("landing_date",)),
    "silver.web_requests": RowWindow(SILVER_WEB, ("landing_date",)),
}


@dataclass(frozen=True)
class TableRetention:
    """One entry's outcome. rows_past: rows before the cutoff (deleted unless a dry run); for
    the privacy state's history, the rows of the past versions whose files go."""

    table: str
    window_days: int
    cutoff: dt.date
    status: str  # "absent" | "no age column" | "dry run" | "deleted" | "vacuumed" | "nothing past window"
    rows_past: int = 0
    rows_kept: int = 0
    rows_undated: int = 0


def cutoff_for(as_of: dt.date, window_days: int) -> dt.date:
    """The first day a row may be dated and still be kept."""
    return as_of - dt.timedelta(days=window_days)


def age_expression(columns: list[str]) -> str:
    """SQL for a row's age date: the first non-null of `columns`, as a date."""
    # TRY_CAST: a malformed timestamp string leaves the row undated instead of failing the run.
    dates = [_DATES.get(column, f"TRY_CAST({column} AS DATE)") for column in columns]
    return dates[0] if len(dates) == 1 else f"coalesce({', '.join(dates)})"


def apply_retention(
    spark: SparkSession, lake: Lake, policy: Policy, as_of: dt.date, dry_run: bool = False
) -> list[TableRetention]:
    """Count, and unless `dry_run` delete and vacuum, every entry of the policy's windows."""
    results = []
    for key, days in policy.retention.items():
        cutoff = cutoff_for(as_of, days)
        path = lake.path(ROW_WINDOWS[key].table if key in ROW_WINDOWS else table_named(key))
        if not is_delta(spark, path):
            log.info("retention %s: absent, skipped", key)
            results.append(TableRetention(key, days, cutoff, "absent"))
            continue
        retain = {REQUESTS: _requests_retention, STATE_HISTORY: _history_retention}.get(key, _table_retention)
        results.append(retain(spark, lake, path, key, days, cutoff, dry_run))
    return results


def _table_retention(
    spark: SparkSession, lake: Lake, path: str, key: str, window_days: int, cutoff: dt.date, dry_run: bool
) -> TableRetention:
    window, table_df = ROW_WINDOWS[key], spark.read.format("delta").load(path)
    columns = [column for column in window.age_columns if column.split(":")[0] in table_df.columns]
    if not columns:
        log.error("retention %s: none of the age columns %s; table left untouched", key, ", ".join(window.age_columns))
        return TableRetention(key, window_days, cutoff, "no age column")
    age, scope = age_expression(columns), window.scope or "TRUE"
    is_past = f"{age} < DATE'{cutoff.isoformat()}'"
    if window.scope:  # the quarantine's windows: a source's name, never a value of a row
        is_past = f"{window.scope} AND {is_past}"
    counts = table_df.agg(
        F.count_if(F.expr(is_past)).alias("past"),
        F.count_if(F.expr(f"{scope} AND {age} IS NULL")).alias("undated"),
        F.count_if(F.expr(scope)).alias("total"),
    ).first()
    rows_past, undated, kept = counts["past"], counts["undated"], counts["total"] - counts["past"]
    _log_counts(key, window_days, cutoff, rows_past, undated)
    if dry_run:
        return TableRetention(key, window_days, cutoff, "dry run", rows_past, kept, undated)
    deleted = _delete_and_vacuum(spark, path, key, rows_past, lambda table: table.delete(is_past))
    status = "deleted" if deleted else "nothing past window"
    return TableRetention(key, window_days, cutoff, status, deleted, kept, undated)


def _requests_retention(
    spark: SparkSession, lake: Lake, path: str, key: str, window_days: int, cutoff: dt.date, dry_run: bool
) -> TableRetention:
    requests_df = spark.read.format("delta").load(path)
    if "received_at" not in requests_df.columns:
        log.error("retention %s: no received_at column; table left untouched", key)
        return TableRetention(key, window_days, cutoff, "no age column")
    # Materialized: the real run deletes from the very table these keys are read from.
    keys_df = privacy.requests_to_delete(requests_df, processed_requests(spark, lake), cutoff).localCheckpoint()
    counts = requests_df.agg(
        F.count_if(F.to_date("received_at") < F.lit(cutoff)).alias("past"),
        F.count_if(F.col("received_at").isNull()).alias("undated"),
        F.count(F.lit(1)).alias("total"),
    ).first()
    rows_past, undated = keys_df.count(), counts["undated"]
    kept = counts["total"] - rows_past
    _log_counts(key, window_days, cutoff, rows_past, undated)
    log.info("retention %s: %d more past window kept: open or in force", key, counts["past"] - rows_past)
    if dry_run:
        return TableRetention(key, window_days, cutoff, "dry run", rows_past, kept, undated)
    deleted = _delete_and_vacuum(
        spark, path, key, rows_past, lambda _table: privacy.delete_requests(spark, path, keys_df, cutoff)
    )
    status = "deleted" if deleted else "nothing past window"
    return TableRetention(key, window_days, cutoff, status, deleted, kept, undated)


def _history_retention(
    spark: SparkSession, lake: Lake, path: str, key: str, window_days: int, cutoff: dt.date, dry_run: bool
) -> TableRetention:
    """The current snapshot stays; the past versions' files go (counted from now, as VACUUM counts)."""
    files = privacy.past_version_files(spark, path, window_days)
    rows_past, current = privacy.rows_in_files(spark, files), spark.read.format("delta").load(path).count()
    log.info("retention %s: %d file(s) of past versions, %d rows past window; current kept", key, len(files), rows_past)
    if dry_run:
        return TableRetention(key, window_days, cutoff, "dry run", rows_past, current)
    if files:
        privacy.vacuum_history(spark, path, window_days)
        log.info("retention %s: vacuumed (retention %d hours)", key, privacy.history_hours(window_days))
    return TableRetention(key, window_days, cutoff, "vacuumed" if files else "nothing past window", rows_past, current)


def _log_counts(key: str, window_days: int, cutoff: dt.date, rows_past: int, undated: int) -> None:
    log.info(
        "retention %s: window %d days, cutoff %s: %d rows past window, %d undated (kept)",
        key,
        window_days,
        cutoff,
        rows_past,
        undated,
    )


def _delete_and_vacuum(
    spark: SparkSession, path: str, key: str, rows_past: int, delete: Callable[[DeltaTable], None]
) -> int:
    """One delete transaction (skipped when nothing is past), then VACUUM; rows deleted."""
    delta_table = DeltaTable.forPath(spark, path)
    deleted = 0
    if rows_past:
        before = delta_version(path)
        delete(delta_table)
        commit = delta_table.history(1).select("version", "operation", "operationMetrics").first()
        metrics = commit["operationMetrics"] or {}
        if commit["version"] > before and commit["operation"] in ("DELETE", "MERGE"):
            deleted = int(metrics.get("numDeletedRows", metrics.get("numTargetRowsDeleted", rows_past)))
        else:  # another writer committed in between; the count is the best we know
            deleted = rows_past
        if deleted != rows_past:
            log.warning("retention %s: counted %d rows past window, Delta deleted %d", key, rows_past, deleted)
        log.info("retention %s: deleted %d rows (version %d)", key, deleted, commit["version"])
    delta_table.vacuum()  # default retention: files removed 7+ days ago go now
    log.info("retention %s: vacuumed", key)
    return deleted
