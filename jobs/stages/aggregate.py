"""aggregate: silver -> gold. Rebuilds every report week (CDR) and every request date (web
logs) the selected days touch."""

from __future__ import annotations

import datetime as dt
import logging

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.lake.at_once import at_once
from jobs.lake.layout import Lake, days_condition, delta_version, is_delta, replace_partitions
from transforms.aggregates import (
    call_quality,
    daily_usage,
    released_legs,
    usage_by_time_of_day,
    web_usage_by_hour,
)
from transforms.contracts import USAGE_BY_TIME_OF_DAY

log = logging.getLogger("tollgate.aggregate")
# Silver CDR columns the gold datasets read: read once for all of them.
CDR_COLUMNS = (
    *USAGE_BY_TIME_OF_DAY.grain,
    "local_date",
    "conference_pseudonym",
    "account_pseudonym",
    "participant_minutes",
    "mos",
)


def aggregate(spark: SparkSession, lake: Lake, days: list[dt.date], k: int) -> list[dt.date]:
    """Rebuild the gold weeks and web dates touched by `days`; returns the weeks.

    A week (a date) is recomputed from all of its silver rows, whatever day they landed, so
    a late file for an old day changes exactly the weeks (dates) it belongs to.
    """
    # CDR weeks and web dates read and write different tables: side by side, logged in order.
    (weeks, cells), dates = at_once(
        lambda: _rebuild_cdr_weeks(spark, lake, days, k), lambda: _rebuild_web_dates(spark, lake, days, k)
    )
    if weeks:
        log.info("aggregate: %d weeks rebuilt, %d time-of-day cells published (k=%d)", len(weeks), cells, k)
    if dates is not None:
        log.info("aggregate: %d web request dates rebuilt (k=%d visitors)", len(dates), k)
    return weeks


def _rebuild_cdr_weeks(spark: SparkSession, lake: Lake, days: list[dt.date], k: int) -> tuple[list[dt.date], int]:
    """usage_by_time_of_day, then daily_usage and call_quality (side by side) from its
    released legs: (the weeks rebuilt, the time-of-day cells published in them)."""
    if not is_delta(spark, lake.silver_cdr):
        log.info("aggregate: no silver CDR legs yet")
        return [], 0
    # One silver version for every read below: the legs are read again by each dataset (a
    # few Parquet columns), not cached (building the cache cost more than the reads).
    version = delta_version(lake.silver_cdr)
    silver_df = spark.read.format("delta").option("versionAsOf", version).load(lake.silver_cdr)
    weeks = _distinct_dates(silver_df.where(days_condition(days)), "report_week")
    if not weeks:
        log.info("aggregate: no silver CDR rows for the selected days")
        return [], 0
    in_weeks = F.col("report_week").isin(*weeks)
    week_legs_df = silver_df.where(in_weeks).select(*CDR_COLUMNS)
    target = lake.gold("usage_by_time_of_day")
    replace_partitions(usage_by_time_of_day(week_legs_df, k), target, _dates_in("report_week", weeks), ["report_week"])
    released_df = spark.read.format("delta").load(target).where(in_weeks)
    week_released_legs_df = released_legs(week_legs_df, released_df)
    # Dates of the rebuilt weeks: [week, week + 7 days) for each week.
    in_dates = " OR ".join(f"(date >= DATE'{w}' AND date < DATE'{w + dt.timedelta(days=7)}')" for w in weeks)
    *_, cells = at_once(
        lambda: replace_partitions(daily_usage(week_released_legs_df), lake.gold("daily_usage"), in_dates, ["date"]),
        lambda: replace_partitions(
            call_quality(week_released_legs_df, k),
            lake.gold("call_quality"),
            _dates_in("report_week", weeks),
            ["report_week"],
        ),
        released_df.count,
    )
    return weeks, cells


def _rebuild_web_dates(spark: SparkSession, lake: Lake, days: list[dt.date], k: int) -> list[dt.date] | None:
    """web_usage_by_hour for every request date found in the selected days' silver rows; the
    dates (None: no silver web requests yet)."""
    if not is_delta(spark, lake.silver_web):
        return None
    silver_df = spark.read.format("delta").load(lake.silver_web)
    dates = _distinct_dates(silver_df.where(days_condition(days)), "request_date")
    if dates:
        hours_df = web_usage_by_hour(silver_df.where(F.col("request_date").isin(*dates)), k)
        replace_partitions(hours_df, lake.gold("web_usage_by_hour"), _dates_in("date", dates), ["date"])
    return dates


def _distinct_dates(df: DataFrame, column: str) -> list[dt.date]:
    return sorted(row[0] for row in df.select(column).distinct().collect() if row[0] is not None)


def _dates_in(column: str, dates: list[dt.date]) -> str:
    listed = ", ".join(f"DATE'{day.isoformat()}'" for day in dates)
    return f"{column} IN ({listed})"
