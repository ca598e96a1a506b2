"""Gold aggregates from silver, each with its grain, and small-cell suppression."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from expectations.contracts import DAILY_USAGE, USAGE_BY_TIME_OF_DAY


def suppress_small_cells(df: DataFrame, k: int, distinct_col: str = "distinct_accounts") -> DataFrame:
    """Drop every cell counted from fewer than `k` distinct accounts.

    k bounds how few people a published number may describe: a cell of 3 accounts at 4 am
    in one region says too much about those 3.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    return df.where(F.col(distinct_col) >= k)


def usage_by_time_of_day(silver_legs_df: DataFrame, k: int) -> DataFrame:
    """Grain: one row per (report week, local day of week, local hour, region, product,
    access type), with conferences, participant legs, participant minutes and distinct
    accounts; local time is the account's time zone. Cells under k accounts are removed.
    """
    contract = USAGE_BY_TIME_OF_DAY
    cells_df = silver_legs_df.groupBy(*contract.grain).agg(
        F.count_distinct("conference_pseudonym").alias("conferences"),
        F.count(F.lit(1)).alias("participant_legs"),
        F.sum("participant_minutes").cast("bigint").alias("participant_minutes"),
        F.count_distinct("account_pseudonym").alias("distinct_accounts"),
    )
    return cells_df.transform(suppress_small_cells, k).select(
        *(F.col(name).cast(kind).alias(name) for name, kind in contract.columns.items())
    )


def released_legs(silver_legs_df: DataFrame, released_cells_df: DataFrame) -> DataFrame:
    """The silver legs that fall in a published usage_by_time_of_day cell.

    Every other dataset of a release is computed from these legs only, so any sum it
    publishes is a sum of published cells: subtracting one from the other recovers nothing
    about a suppressed cell (the differencing attack finds zero).
    """
    grain = list(USAGE_BY_TIME_OF_DAY.grain)
    return silver_legs_df.join(released_cells_df.select(*grain), on=grain, how="left_semi")


def daily_usage(released_legs_df: DataFrame) -> DataFrame:
    """Grain: one row per (local date, region, product): conferences, participant legs,
    participant minutes and distinct accounts, from released legs only (see released_legs).

    Each row adds up whole published time-of-day cells, so it counts at least k accounts
    and needs no suppression of its own.
    """
    cells_df = released_legs_df.groupBy(F.col("local_date").alias("date"), "region", "product").agg(
        F.count_distinct("conference_pseudonym").alias("conferences"),
        F.count(F.lit(1)).alias("participant_legs"),
        F.sum("participant_minutes").cast("bigint").alias("participant_minutes"),
        F.count_distinct("account_pseudonym").alias("distinct_accounts"),
    )
    return cells_df.select(*(F.col(name).cast(kind).alias(name) for name, kind in DAILY_USAGE.columns.items()))
