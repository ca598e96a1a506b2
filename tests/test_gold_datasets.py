"""call_quality and web_usage_by_hour: grain, suppression, differencing, gate, the aggregate job."""

from __future__ import annotations

import datetime as dt

import pytest
from pyspark.sql import functions as F

from expectations.gate import GateFailure, validate_table
from jobs.commands import cli
from jobs.config.policy import load_policy
from jobs.config.recipients import Recipient
from jobs.lake.layout import Lake
from jobs.lake.session import project_path
from jobs.release.export import export_release
from jobs.release.verify import verify_release
from jobs.stages.aggregate import aggregate
from transforms.aggregates import (
    call_quality,
    mos_band,
    mos_band_cells,
    released_legs,
    suppress_small_cells,
    usage_by_time_of_day,
    web_usage_by_hour,
)
from transforms.contracts import CALL_QUALITY, WEB_USAGE_BY_HOUR
from transforms.silver_web import SILVER_WEB_COLUMNS

WEEK = DAY = dt.date(2026, 11, 2)  # a Monday
SILVER_SCHEMA = (
    "landing_date date, report_week date, local_date date, local_dow int, local_hour int, region string,"
    " product string, access_type string, conference_pseudonym string, account_pseudonym string,"
    " participant_minutes bigint, mos double"
)
WEB_SCHEMA = (
    "landing_date date, request_date date, request_hour int, method string, path_template string, status int,"
    " bytes bigint, browser_family string, browser_major int, os_family string, device_class string,"
    " visitor_hash string"
)
GROUP = ["report_week", "region", "access_type"]


def _legs(tag: str, hour: int, access: str, accounts: int, legs_each: int, minutes: int, mos: float | None):
    return [
        (DAY, WEEK, DAY, 1, hour, "us", "meeting", access, f"c-{tag}-{a}", f"a-{tag}-{a}", minutes, mos)
        for a in range(accounts)
        for _ in range(legs_each)
    ]


def _silver(spark):
    # 09:00 app (25 accounts, published): 12 very satisfied, 11 some dissatisfied, and 2
    # accounts (4 legs, 120 min) not recommended, a band under k. 09:00 web: 10 accounts,
    # published, one band. 03:00 app (3 accounts) and 03:00 web (2 accounts, 2 legs, 50 min):
    # time-of-day cells under k, suppressed.
    rows = (
        _legs("good", 9, "app", 12, 1, 10, 4.5)
        + _legs("fair", 9, "app", 11, 1, 20, 3.8)
        + _legs("bad", 9, "app", 2, 2, 30, 2.0)
        + _legs("web", 9, "web", 10, 1, 5, 4.1)
        + _legs("night", 3, "app", 3, 1, 15, 4.5)
        + _legs("nightweb", 3, "web", 2, 1, 25, 4.1)
    )
    return spark.createDataFrame(rows, SILVER_SCHEMA)


def _differencing_attack(tod_df, quality_df) -> dict[str, tuple[int, int]]:
    """Per access type: the published time-of-day legs and minutes minus the published bands."""
    tod = tod_df.groupBy(*GROUP).agg(
        F.sum("participant_legs").alias("t_legs"), F.sum("participant_minutes").alias("t_min")
    )
    bands = quality_df.groupBy(*GROUP).agg(
        F.sum("participant_legs").alias("b_legs"), F.sum("participant_minutes").alias("b_min")
    )
    joined = tod.join(bands, GROUP, "full")
    return {
        row.access_type: ((row.t_legs or 0) - (row.b_legs or 0), (row.t_min or 0) - (row.b_min or 0))
        for row in joined.collect()
    }


@pytest.mark.parametrize(
    ("mos", "band"),
    [
        (5.0, "very_satisfied"),
        (4.3, "very_satisfied"),
        (4.2, "satisfied"),
        (4.0, "satisfied"),
        (3.6, "some_dissatisfied"),
        (3.1, "many_dissatisfied"),
        (2.6, "nearly_all_dissatisfied"),
        (2.5, "not_recommended"),
        (1.0, "not_recommended"),
        (None, "unknown"),
    ],
)
def test_mos_bands(spark, mos, band):
    df = spark.createDataFrame([(mos,)], "mos double")
    assert df.select(mos_band(F.col("mos"))).first()[0] == band


def test_call_quality_withholds_a_small_band_and_its_smallest_neighbour(spark):
    silver = _silver(spark)
    quality = call_quality(released_legs(silver, usage_by_time_of_day(silver, k=10)), k=10)
    rows = sorted(
        (r.access_type, r.mos_band, r.participant_legs, r.participant_minutes, r.distinct_accounts)
        for r in quality.collect()
    )
    # app: "not_recommended" (2 accounts) is under k, so "some_dissatisfied" (11) goes with
    # it; the 03:00 legs were never released. web: one band of 10, nothing withheld.
    assert rows == [("app", "very_satisfied", 12, 120, 12), ("web", "satisfied", 10, 50, 10)]
    assert quality.columns == list(CALL_QUALITY.columns)


def test_differencing_attack_recovers_only_groups_of_k_accounts(spark):
    silver = _silver(spark)
    tod = usage_by_time_of_day(silver, k=10)
    quality = call_quality(released_legs(silver, tod), k=10)
    # What subtraction finds in app is both withheld bands together: 11 + 2 = 13 accounts,
    # 11 + 4 legs, 11*20 + 4*30 minutes; never the 2-account band alone (4 legs, 120 min).
    assert _differencing_attack(tod, quality) == {"app": (15, 340), "web": (0, 0)}


def test_the_attack_works_without_the_withheld_neighbour(spark):
    # Control: released legs, but only the bands under k suppressed. The app total minus the
    # published bands is exactly the 2-account band. The test above can fail.
    silver = _silver(spark)
    tod = usage_by_time_of_day(silver, k=10)
    plain = mos_band_cells(released_legs(silver, tod)).transform(suppress_small_cells, 10)
    assert _differencing_attack(tod, plain)["app"] == (4, 120)


def test_the_attack_works_against_bands_of_all_legs(spark):
    # Control: bands counted from every leg and suppressed on their own. The web band then
    # holds the suppressed 03:00 web cell, and the difference gives it back (2 legs, 50 min).
    silver = _silver(spark)
    tod = usage_by_time_of_day(silver, k=10)
    independent = mos_band_cells(silver).transform(suppress_small_cells, 10)
    assert _differencing_attack(tod, independent)["web"] == (-2, -50)


def test_call_quality_all_small_none_small_and_empty(spark):
    few = spark.createDataFrame(
        _legs("few", 9, "sip", 4, 1, 5, 4.4) + _legs("low", 9, "sip", 3, 1, 5, 1.5), SILVER_SCHEMA
    )
    assert call_quality(few, k=10).count() == 0
    both = spark.createDataFrame(
        _legs("a", 9, "sip", 10, 1, 5, 4.4) + _legs("b", 9, "sip", 10, 1, 5, None), SILVER_SCHEMA
    )
    assert sorted(r.mos_band for r in call_quality(both, k=10).collect()) == ["unknown", "very_satisfied"]
    assert call_quality(spark.createDataFrame([], SILVER_SCHEMA), k=10).count() == 0


def _web_rows(hour: int, browser: str, os_family: str, device: str, visitors: int, requests_each: int):
    return [
        (DAY, DAY, hour, "GET", "/j/{id}", 200, 1000, browser, 120, os_family, device, f"v-{browser}-{v}")
        for v in range(visitors)
        for _ in range(requests_each)
    ]


def _web(spark):
    rows = _web_rows(14, "Chrome", "Windows", "desktop", 10, 3) + _web_rows(14, "Firefox", "Linux", "desktop", 4, 5)
    # A request with no visitor hash counts as a request but as no visitor.
    rows.append((DAY, DAY, 14, "GET", "/", 200, 10, "Chrome", 120, "Windows", "desktop", None))
    return spark.createDataFrame(rows, WEB_SCHEMA)


def test_web_usage_by_hour_suppresses_cells_under_k_visitors(spark):
    hours = web_usage_by_hour(_web(spark), k=10)
    assert [tuple(r) for r in hours.collect()] == [(DAY, 14, "Chrome", "Windows", "desktop", 31, 10)]
    assert hours.columns == list(WEB_USAGE_BY_HOUR.columns)
    assert web_usage_by_hour(spark.createDataFrame([], WEB_SCHEMA), k=10).count() == 0
    assert "visitor_hash" not in hours.columns


def test_both_datasets_pass_their_gate(spark):
    silver = _silver(spark)
    quality = call_quality(released_legs(silver, usage_by_time_of_day(silver, k=10)), k=10)
    assert validate_table(quality, "call_quality", CALL_QUALITY, k=10).success
    assert validate_table(web_usage_by_hour(_web(spark), k=10), "web_usage_by_hour", WEB_USAGE_BY_HOUR, k=10).success


@pytest.mark.parametrize(
    ("contract", "row", "failure"),
    [
        (
            CALL_QUALITY,
            (WEEK, "us", "app", "excellent", 3, 30, 12),
            GateFailure("mos_band", "expect_column_values_to_be_in_set"),
        ),
        (
            CALL_QUALITY,
            (WEEK, "us", "app", "satisfied", 3, 30, 4),
            GateFailure("distinct_accounts", "expect_column_values_to_be_between"),
        ),
        (
            WEB_USAGE_BY_HOUR,
            (DAY, 14, "Chrome", "Windows", "robot", 31, 10),
            GateFailure("device_class", "expect_column_values_to_be_in_set"),
        ),
        (
            WEB_USAGE_BY_HOUR,
            (DAY, 14, "Chrome", "Windows", "desktop", 31, 9),
            GateFailure("distinct_visitors", "expect_column_values_to_be_between"),
        ),
    ],
)
def test_gate_refuses_contract_violations(spark, contract, row, failure):
    schema = ", ".join(f"{name} {kind}" for name, kind in contract.columns.items())
    result = validate_table(spark.createDataFrame([row], schema), contract.name, contract, k=10)
    assert result.failures == (failure,)


def _gold(spark, lake: Lake, dataset: str) -> list[tuple]:
    return sorted(tuple(row) for row in spark.read.format("delta").load(lake.gold(dataset)).collect())


def test_aggregate_builds_all_four_idempotently_and_sql_reads_them_by_name(spark, tmp_path, monkeypatch, capsys):
    lake = Lake(tmp_path / "lake")
    _silver(spark).write.format("delta").partitionBy("landing_date").save(lake.silver_cdr)
    _web(spark).select(*SILVER_WEB_COLUMNS).write.format("delta").partitionBy("landing_date").save(lake.silver_web)
    datasets = ("usage_by_time_of_day", "daily_usage", "call_quality", "web_usage_by_hour")
    assert aggregate(spark, lake, [DAY], 10) == [WEEK]
    first = {name: _gold(spark, lake, name) for name in datasets}
    assert aggregate(spark, lake, [DAY], 10) == [WEEK]
    assert {name: _gold(spark, lake, name) for name in datasets} == first
    assert len(first["call_quality"]) == 2 and len(first["web_usage_by_hour"]) == 1
    monkeypatch.setattr(cli, "COMMANDS", {"sql": "jobs.commands.sql"})
    try:
        query = "SELECT mos_band, participant_legs FROM call_quality ORDER BY 1"
        assert cli.main(["sql", "--lake", str(lake.root), "--format", "csv", query]) == 0
        assert (
            cli.main(
                ["sql", "--lake", str(lake.root), "--format", "csv", "SELECT SUM(requests) FROM web_usage_by_hour"]
            )
            == 0
        )
    finally:
        spark.conf.set("spark.sql.runSQLOnFiles", "true")  # register_gold turned it off for this session
    assert capsys.readouterr().out.splitlines() == [
        "mos_band,participant_legs",
        "satisfied,10",
        "very_satisfied,12",
        "sum(requests)",
        "31",
    ]


def test_an_hour_table_with_no_cell_over_k_still_releases_empty(spark, tmp_path):
    # A small site's day may publish no cell at all; the release is then empty, not refused.
    lake = Lake(tmp_path / "lake")
    web_usage_by_hour(_web(spark), k=50).write.format("delta").save(lake.gold("web_usage_by_hour"))
    recipient = Recipient(name="acme-research", kind="research", datasets=("web_usage_by_hour",))
    policy = load_policy(project_path("conf", "privacy-policy.yaml"))
    release = export_release(spark, lake, tmp_path / "exports", recipient, "web_usage_by_hour", policy)
    assert verify_release(release) == []
    assert spark.read.parquet(str(release / "data")).count() == 0
