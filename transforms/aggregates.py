"""Gold aggregates from silver, each with its grain, and small-cell suppression."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from transforms.contracts import (
    CALL_QUALITY,
    DAILY_USAGE,
    MOS_BANDS,
    MOS_UNKNOWN,
    USAGE_BY_TIME_OF_DAY,
    WEB_USAGE_BY_HOUR,
)


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


def mos_band(mos: Column) -> Column:
    """MOS 1.0-5.0 -> its G.107 satisfaction band (contracts.MOS_BANDS); null -> "unknown"."""
    band = F.lit(MOS_UNKNOWN)
    # Built from the lowest band up, so the first matching lower bound (best first) wins.
    for name, lower in reversed(MOS_BANDS):
        band = F.when(mos >= F.lit(lower), F.lit(name)).otherwise(band)
    return band


def mos_band_cells(legs_df: DataFrame) -> DataFrame:
    """Unsuppressed call-quality cells: legs, minutes and distinct accounts per CALL_QUALITY grain."""
    return legs_df.groupBy("report_week", "region", "access_type", mos_band(F.col("mos")).alias("mos_band")).agg(
        F.count(F.lit(1)).alias("participant_legs"),
        F.sum("participant_minutes").cast("bigint").alias("participant_minutes"),
        F.count_distinct("account_pseudonym").alias("distinct_accounts"),
    )


def call_quality(released_legs_df: DataFrame, k: int) -> DataFrame:
    """Grain: one row per (report week, region, access type, MOS band): participant legs,
    participant minutes and distinct accounts, from released legs only (see released_legs).

    Every (week, region, access type) total is already public: it is the sum of the published
    time-of-day cells. So suppressing the bands under k alone would not hide them; the total
    minus the published bands would give back a lone suppressed band exactly. Whenever a
    group has a band under k, its smallest band of k or more is withheld with it: what
    subtraction then recovers is only the sum of the withheld bands, and that counts at least
    k accounts (it contains a band of k or more), like any published cell.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    group = Window.partitionBy("report_week", "region", "access_type")
    # Bands under k first, then the rest from the fewest accounts up; mos_band breaks ties.
    by_size = group.orderBy(F.col("is_small").desc(), "distinct_accounts", "mos_band")
    ranked_df = (
        mos_band_cells(released_legs_df)
        .withColumn("is_small", F.col("distinct_accounts") < k)
        .withColumns(
            {
                "small_bands": F.sum(F.col("is_small").cast("int")).over(group),
                "rank": F.row_number().over(by_size),
            }
        )
    )
    is_complement = (F.col("small_bands") > 0) & (F.col("rank") == F.col("small_bands") + 1)
    return ranked_df.where(~F.col("is_small") & ~is_complement).select(
        *(F.col(name).cast(kind).alias(name) for name, kind in CALL_QUALITY.columns.items())
    )


def web_usage_by_hour(silver_web_df: DataFrame, k: int) -> DataFrame:
    """Grain: one row per (request date, hour, browser family, OS family, device class), UTC:
    requests and distinct visitors. Cells under k visitors are removed.

    Visitors are counted by the daily-rotated visitor hash, which never leaves silver. No
    other dataset is computed from the web logs and this one publishes no totals, so
    suppression alone leaves nothing to subtract.
    """
    cells_df = silver_web_df.groupBy(
        F.col("request_date").alias("date"),
        F.col("request_hour").alias("hour"),
        "browser_family",
        "os_family",
        "device_class",
    ).agg(
        F.count(F.lit(1)).alias("requests"),
        F.count_distinct("visitor_hash").alias("distinct_visitors"),
    )
    return cells_df.transform(suppress_small_cells, k, "distinct_visitors").select(
        *(F.col(name).cast(kind).alias(name) for name, kind in WEB_USAGE_BY_HOUR.columns.items())
    )
