"""web_usage_by_hour, the gate on call_quality and web_usage_by_hour, and the aggregate job
that builds all four gold datasets (and releases an empty hour table)."""

from __future__ import annotations

import pytest

from expectations.gate import GateFailure, validate_table
from jobs.commands import cli
from jobs.config.policy import load_policy
from jobs.config.recipients import Recipient
from jobs.lake.frames import local_frame
from jobs.lake.layout import Lake
from jobs.lake.session import project_path
from jobs.release.export import export_release
from jobs.release.verify import verify_release
from jobs.stages.aggregate import aggregate
from tests.silver_rows import DAY, WEB_SCHEMA, WEEK, silver_cdr_df, silver_web_df
from transforms.aggregates import call_quality, released_legs, usage_by_time_of_day, web_usage_by_hour
from transforms.contracts import CALL_QUALITY, WEB_USAGE_BY_HOUR
from transforms.silver_web import SILVER_WEB_COLUMNS


def test_web_usage_by_hour_suppresses_cells_under_k_visitors(spark):
    hours = web_usage_by_hour(silver_web_df(spark), k=10)
    assert [tuple(r) for r in hours.collect()] == [(DAY, 14, "Chrome", "Windows", "desktop", 31, 10)]
    assert hours.columns == list(WEB_USAGE_BY_HOUR.columns)
    assert web_usage_by_hour(local_frame(spark, [], WEB_SCHEMA), k=10).count() == 0
    assert "visitor_hash" not in hours.columns


def test_both_datasets_pass_their_gate(spark):
    silver = silver_cdr_df(spark)
    quality = call_quality(released_legs(silver, usage_by_time_of_day(silver, k=10)), k=10)
    assert validate_table(quality, "call_quality", CALL_QUALITY, k=10).success
    assert validate_table(
        web_usage_by_hour(silver_web_df(spark), k=10), "web_usage_by_hour", WEB_USAGE_BY_HOUR, k=10
    ).success


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
    result = validate_table(local_frame(spark, [row], schema), contract.name, contract, k=10)
    assert result.failures == (failure,)


def _gold(spark, lake: Lake, dataset: str) -> list[tuple]:
    return sorted(tuple(row) for row in spark.read.format("delta").load(lake.gold(dataset)).collect())


def test_aggregate_builds_all_four_idempotently_and_sql_reads_them_by_name(spark, tmp_path, monkeypatch, capsys):
    lake = Lake(tmp_path / "lake")
    silver_cdr_df(spark).write.format("delta").partitionBy("landing_date").save(lake.silver_cdr)
    silver_web_df(spark).select(*SILVER_WEB_COLUMNS).write.format("delta").partitionBy("landing_date").save(
        lake.silver_web
    )
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
    web_usage_by_hour(silver_web_df(spark), k=50).write.format("delta").save(lake.gold("web_usage_by_hour"))
    recipient = Recipient(name="acme-research", kind="research", datasets=("web_usage_by_hour",))
    policy = load_policy(project_path("conf", "privacy-policy.yaml"))
    release = export_release(spark, lake, tmp_path / "exports", recipient, "web_usage_by_hour", policy)
    assert verify_release(release) == []
    assert spark.read.parquet(str(release / "data")).count() == 0
