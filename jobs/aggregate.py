"""aggregate: silver -> gold. Rebuilds every report week the selected days touch."""

from __future__ import annotations

import argparse
import datetime as dt
import logging

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs.anonymize import bronze_days
from jobs.common import add_date_args, add_location_args, selected_dates
from jobs.lake import Lake, days_condition, replace_partitions
from jobs.policy import load_policy
from jobs.session import get_spark
from expectations.contracts import USAGE_BY_TIME_OF_DAY
from transforms.aggregates import daily_usage, released_legs, usage_by_time_of_day

HELP = "silver -> gold aggregates with small cells suppressed"
log = logging.getLogger("tollgate.aggregate")


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    add_date_args(parser)


def run(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    spark = get_spark("tollgate-aggregate")
    lake = Lake(args.lake)
    days = selected_dates(args, bronze_days(spark, lake))
    aggregate(spark, lake, days, policy.k)
    return 0


def aggregate(spark: SparkSession, lake: Lake, days: list[dt.date], k: int) -> list[dt.date]:
    """Rebuild the gold weeks touched by `days`; returns those weeks.

    A week is recomputed from all of its silver rows, whatever day they landed, so a late
    file for an old day changes exactly the weeks it belongs to.
    """
    silver_df = spark.read.format("delta").load(lake.silver_cdr)
    weeks = sorted(
        row[0]
        for row in silver_df.where(days_condition(days)).select("report_week").distinct().collect()
        if row[0] is not None
    )
    if not weeks:
        log.info("aggregate: no silver rows for the selected days")
        return []
    in_weeks = F.col("report_week").isin(*weeks)
    # Both datasets read the same weeks of silver: read the columns they need once.
    needed = [*USAGE_BY_TIME_OF_DAY.grain, "local_date", "conference_pseudonym", "account_pseudonym",
              "participant_minutes"]  # fmt: skip
    week_legs_df = silver_df.where(in_weeks).select(*needed).persist()
    try:
        listed = ", ".join(f"DATE'{week.isoformat()}'" for week in weeks)
        target = lake.gold("usage_by_time_of_day")
        replace_partitions(usage_by_time_of_day(week_legs_df, k), target, f"report_week IN ({listed})", ["report_week"])
        released_df = spark.read.format("delta").load(target).where(in_weeks)
        # Dates of the rebuilt weeks: [week, week + 7 days) for each week.
        in_dates = " OR ".join(f"(date >= DATE'{w}' AND date < DATE'{w + dt.timedelta(days=7)}')" for w in weeks)
        replace_partitions(
            daily_usage(released_legs(week_legs_df, released_df)), lake.gold("daily_usage"), in_dates, ["date"]
        )
    finally:
        week_legs_df.unpersist()
    log.info("aggregate: %d weeks rebuilt, %d time-of-day cells published (k=%d)", len(weeks), released_df.count(), k)
    return weeks


if __name__ == "__main__":  # spark-submit jobs/aggregate.py ...
    from jobs.cli import run_as_script

    run_as_script("aggregate")
