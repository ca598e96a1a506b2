"""retention: delete identifiable rows older than their table's window, then VACUUM.

The windows (days per table) are the `retention:` section of the privacy policy. A row is
past its window when its age date is before `as_of - window`: with a 90-day window, as of
2026-12-01 the cutoff is 2026-09-02 and a row of 2026-09-02 stays. A row without an age
date is never deleted; the report counts it as undated. The DELETE predicate Delta logs in
its commit holds a column name and the cutoff date only, never a value of a row.

VACUUM keeps Delta's default retention (168 hours, safety check on; only erasure may turn
it off), so files a run deletes stay readable by time travel for 7 days and are removed by
the first run after that. bronze.accounts is the current registration and is not aged out.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs.config.policy import Policy
from jobs.lake.layout import Lake, delta_version, is_delta, table_named

log = logging.getLogger("tollgate.retention")

# The date a row's age counts from, per table: the first of these columns that is not null.
# Quarantine rows of the undated accounts snapshot have no landing_date: their ingest date.
AGE_COLUMNS = {
    "bronze.cdr_legs": ("landing_date",),
    "bronze.usage_log": ("landing_date",),
    "bronze.quarantine": ("landing_date", "ingested_at"),
    "bronze.billing": ("landing_date", "created_at"),
    "silver.cdr_legs": ("landing_date",),
    "silver.web_requests": ("landing_date",),
}


@dataclass(frozen=True)
class TableRetention:
    """One table's outcome. rows_past: rows before the cutoff (deleted unless a dry run)."""

    table: str
    window_days: int
    cutoff: dt.date
    status: str  # "absent" | "no age column" | "dry run" | "deleted" | "nothing past window"
    rows_past: int = 0
    rows_kept: int = 0
    rows_undated: int = 0


def cutoff_for(as_of: dt.date, window_days: int) -> dt.date:
    """The first day a row may be dated and still be kept."""
    return as_of - dt.timedelta(days=window_days)


def age_expression(columns: list[str]) -> str:
    """SQL for a row's age date: the first non-null of `columns`, as a date."""
    # TRY_CAST: a malformed timestamp string leaves the row undated instead of failing the run.
    dates = [column if column == "landing_date" else f"TRY_CAST({column} AS DATE)" for column in columns]
    return dates[0] if len(dates) == 1 else f"coalesce({', '.join(dates)})"


def apply_retention(
    spark: SparkSession, lake: Lake, policy: Policy, as_of: dt.date, dry_run: bool = False
) -> list[TableRetention]:
    """Count, and unless `dry_run` delete and vacuum, every table of the policy's windows."""
    return [_table_retention(spark, lake, table, days, as_of, dry_run) for table, days in policy.retention.items()]


def _table_retention(
    spark: SparkSession, lake: Lake, table: str, window_days: int, as_of: dt.date, dry_run: bool
) -> TableRetention:
    cutoff = cutoff_for(as_of, window_days)
    path = lake.path(table_named(table))
    if not is_delta(spark, path):
        log.info("retention %s: absent, skipped", table)
        return TableRetention(table, window_days, cutoff, "absent")
    table_df = spark.read.format("delta").load(path)
    columns = [column for column in AGE_COLUMNS[table] if column in table_df.columns]
    if not columns:
        log.error(
            "retention %s: none of the age columns %s; table left untouched", table, ", ".join(AGE_COLUMNS[table])
        )
        return TableRetention(table, window_days, cutoff, "no age column")
    age = age_expression(columns)
    is_past = f"{age} < DATE'{cutoff.isoformat()}'"
    counts = table_df.agg(
        F.count_if(F.expr(is_past)).alias("past"),
        F.count_if(F.expr(f"{age} IS NULL")).alias("undated"),
        F.count(F.lit(1)).alias("total"),
    ).first()
    rows_past, undated = counts["past"], counts["undated"]
    log.info(
        "retention %s: window %d days, cutoff %s: %d rows past window, %d undated (kept)",
        table,
        window_days,
        cutoff,
        rows_past,
        undated,
    )
    if dry_run:
        return TableRetention(table, window_days, cutoff, "dry run", rows_past, counts["total"] - rows_past, undated)
    deleted = _delete_and_vacuum(spark, path, table, is_past, rows_past)
    status = "deleted" if deleted else "nothing past window"
    return TableRetention(table, window_days, cutoff, status, deleted, counts["total"] - rows_past, undated)


def _delete_and_vacuum(spark: SparkSession, path: str, table: str, is_past: str, rows_past: int) -> int:
    """One DELETE transaction (skipped when nothing is past), then VACUUM; rows deleted."""
    delta_table = DeltaTable.forPath(spark, path)
    deleted = 0
    if rows_past:
        before = delta_version(spark, path)
        delta_table.delete(is_past)
        commit = delta_table.history(1).select("version", "operation", "operationMetrics").first()
        if commit["version"] > before and commit["operation"] == "DELETE":
            deleted = int(commit["operationMetrics"].get("numDeletedRows", rows_past))
        else:  # another writer committed in between; the count is the best we know
            deleted = rows_past
        if deleted != rows_past:
            log.warning("retention %s: counted %d rows past window, Delta deleted %d", table, rows_past, deleted)
        log.info("retention %s: deleted %d rows (version %d)", table, deleted, commit["version"])
    delta_table.vacuum()  # default retention: files removed 7+ days ago go now
    log.info("retention %s: vacuumed", table)
    return deleted
