"""Small cells stay hidden: suppression, and the differencing attack across datasets."""

import datetime as dt

from pyspark.sql import functions as F

from jobs.lake.frames import local_frame
from transforms.aggregates import daily_usage, released_legs, usage_by_time_of_day

WEEK, DAY = dt.date(2026, 11, 2), dt.date(2026, 11, 2)
SILVER_SCHEMA = (
    "report_week date, local_date date, local_dow int, local_hour int, region string, product string,"
    " access_type string, conference_pseudonym string, account_pseudonym string, participant_minutes bigint"
)


def _legs(hour: int, accounts: int, legs_per_account: int, minutes: int):
    return [
        (WEEK, DAY, 1, hour, "us", "meeting", "app", f"c{hour}-{a}", f"a{hour}-{a}", minutes)
        for a in range(accounts)
        for _ in range(legs_per_account)
    ]


def _silver(spark):
    # 09:00 has 12 accounts (published at k=10); 10:00 has 3 accounts with 7 legs (suppressed).
    rows = _legs(9, 12, 2, 30) + _legs(10, 3, 2, 45) + _legs(10, 1, 1, 50)
    return local_frame(spark, rows, SILVER_SCHEMA)


def _differencing_attack(tod_df, daily_df):
    """What an attacker recovers: each daily total minus the published hourly cells of that day."""
    published = tod_df.groupBy("report_week", "local_dow", "region", "product").agg(
        F.sum("participant_legs").alias("hourly_legs"), F.sum("participant_minutes").alias("hourly_minutes")
    )
    daily = daily_df.select(
        F.to_date(F.date_trunc("week", "date")).alias("report_week"),
        ((F.dayofweek("date") + 5) % 7 + 1).alias("local_dow"),
        "region",
        "product",
        "participant_legs",
        "participant_minutes",
    )
    joined = daily.join(published, ["report_week", "local_dow", "region", "product"], "left")
    return [
        (row.participant_legs - (row.hourly_legs or 0), row.participant_minutes - (row.hourly_minutes or 0))
        for row in joined.collect()
    ]


def test_cells_under_k_are_suppressed(spark):
    tod = usage_by_time_of_day(_silver(spark), k=10).collect()
    assert [(row.local_hour, row.distinct_accounts, row.participant_legs) for row in tod] == [(9, 12, 24)]


def test_differencing_attack_recovers_nothing_from_released_datasets(spark):
    silver = _silver(spark)
    tod = usage_by_time_of_day(silver, k=10)
    daily = daily_usage(released_legs(silver, tod))
    assert _differencing_attack(tod, daily) == [(0, 0)]
    assert daily.first().participant_legs == 24


def test_the_attack_works_against_a_daily_total_of_all_legs(spark):
    # The control: had daily_usage been computed from every leg, the 10:00 cell (7 legs,
    # 3*2*45 + 50 = 320 minutes) would fall out by subtraction. The test above can fail.
    silver = _silver(spark)
    tod = usage_by_time_of_day(silver, k=10)
    assert _differencing_attack(tod, daily_usage(silver)) == [(7, 320)]


def test_empty_and_null_rows(spark):
    silver = local_frame(spark, [(WEEK, DAY, 1, 9, "us", "meeting", "app", None, None, None)], SILVER_SCHEMA)
    # A leg with no account counts no distinct account: its cell never reaches k.
    assert usage_by_time_of_day(silver, k=1).count() == 0
    empty = local_frame(spark, [], SILVER_SCHEMA)
    assert usage_by_time_of_day(empty, k=10).count() == 0
    assert daily_usage(released_legs(empty, usage_by_time_of_day(empty, k=10))).count() == 0
