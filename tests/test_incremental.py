"""Daily incremental runs: a day is rebuilt idempotently, a late file for an old day is
picked up by re-running that day, and a backfill in one command equals day-by-day runs.
Progress and JSON-line logs name stages, days and counts, never a personal value.

The day-by-day lake runs the stages one command each, as the schedulers in docs/ do.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from jobs.commands.cli import main
from jobs.pipeline.days import landed_run_days
from tests.landing_fixtures import leg, log_line, write_cdr, write_usage
from tests.log_capture import Messages
from tests.pipeline_run import compared_recipients
from tests.planted_landing import DAY as DAY_1
from tests.planted_landing import build_landing, planted_forms

DAY_2 = "2026-11-03"  # the Tuesday of the same report week
KEY = "incremental-test-key-0123456789abcdef"
# Columns that record when a row was processed, not what it holds.
PROCESSING_TIMES = {"ingested_at", "noticed_at", "added_at"}
ACCOUNTS = [f"acct-{n:03d}" for n in range(12)]  # the publishable accounts of build_landing


def _legs(prefix: str, day: str, hour: int) -> list[dict]:
    start, end = f"{day}T{hour:02d}:05:00-05:00", f"{day}T{hour:02d}:25:00-05:00"
    return [leg(f"{prefix}-{n:03d}", account_id, start, end) for n, account_id in enumerate(ACCOUNTS)]


def _where(root: Path) -> list[str]:
    return [f"--{name}={root / name}" for name in ("landing", "lake", "exports")]


def _stages(root: Path, *dates: str) -> None:
    for stage in ("ingest", "anonymize", "aggregate"):
        assert main([stage, *_where(root), *dates]) == 0, stage


def _snapshot(spark, lake: Path) -> dict[str, list[tuple]]:
    """Every row of every bronze, silver and gold table, sorted, without processing times."""
    tables = {}
    for table in sorted(p for layer in ("bronze", "silver", "gold") for p in (lake / layer).iterdir()):
        rows_df = spark.read.format("delta").load(str(table))
        columns = [c for c in rows_df.columns if c not in PROCESSING_TIMES]
        tables[f"{table.parent.name}/{table.name}"] = sorted(
            tuple(str(value) for value in row) for row in rows_df.select(*columns).collect()
        )
    return tables


@pytest.fixture(scope="module")
def day_by_day(tmp_path_factory, spark):
    """Day 1, day 2, day 1 again; then a late file for day 1 and day 1 once more."""
    root = tmp_path_factory.mktemp("day_by_day")
    build_landing(root / "landing")
    write_cdr(root / "landing", DAY_2, _legs("leg-day2", DAY_2, 10))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOLLGATE_HMAC_KEY", KEY)
        _stages(root, f"--date={DAY_1}")
        _stages(root, f"--date={DAY_2}")
        both_days = _snapshot(spark, root / "lake")
        _stages(root, f"--date={DAY_1}")
        rerun = _snapshot(spark, root / "lake")
        write_cdr(root / "landing", DAY_1, _legs("leg-late", DAY_1, 11), name="legs-late.jsonl")
        _stages(root, f"--date={DAY_1}")
    return root, both_days, rerun, _snapshot(spark, root / "lake")


def test_rerunning_a_day_leaves_every_table_as_it_was(day_by_day):
    _, both_days, rerun, _ = day_by_day
    assert both_days["gold/usage_by_time_of_day"] and both_days["silver/cdr_legs"]
    assert rerun == both_days
    # Day 1's accepted legs and day 2's, each row once.
    assert len(rerun["bronze/cdr_legs"]) == len(set(rerun["bronze/cdr_legs"])) == 35 + 12


def test_a_late_file_for_an_old_day_is_picked_up_once_by_rerunning_that_day(day_by_day, spark):
    root, both_days, _, after_late = day_by_day
    lake = root / "lake"
    bronze = spark.read.format("delta").load(str(lake / "bronze" / "cdr_legs"))
    late = bronze.where(F.col("source_file") == f"cdr/date={DAY_1}/legs-late.jsonl")
    assert late.count() == late.select("leg_id").distinct().count() == 12
    assert bronze.count() == bronze.select("leg_id").distinct().count() == 35 + 12 + 12
    assert {row.landing_date.isoformat() for row in late.select("landing_date").distinct().collect()} == {DAY_1}
    assert len(after_late["bronze/cdr_legs"]) == len(both_days["bronze/cdr_legs"]) + 12
    assert len(after_late["silver/cdr_legs"]) == len(both_days["silver/cdr_legs"]) + 12
    # Day 2's rows are untouched by re-running day 1.
    day_2 = lambda rows: [row for row in rows if DAY_2 in row]  # noqa: E731
    assert day_2(after_late["bronze/cdr_legs"]) == day_2(both_days["bronze/cdr_legs"])
    gold = spark.read.format("delta").load(str(lake / "gold" / "usage_by_time_of_day"))
    cells = {(row.local_dow, row.local_hour): row.participant_legs for row in gold.collect()}
    # Monday 09 (build_landing), Tuesday 10 (day 2), and the late file's Monday 11, once.
    assert cells == {(1, 9): 24, (2, 10): 12, (1, 11): 12}


@pytest.fixture(scope="module")
def backfill(day_by_day, tmp_path_factory, spark):
    """The same landing folder (late file included), both days in one `run` command. Its export
    publishes two releases (what the tests read is the lake, the log and the release count)."""
    root = tmp_path_factory.mktemp("backfill")
    shutil.copytree(day_by_day[0] / "landing", root / "landing")
    recipients = compared_recipients(root / "recipients.yaml")
    records = Messages()
    logging.getLogger("tollgate").addHandler(records)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("TOLLGATE_HMAC_KEY", KEY)
            code = main(
                [
                    "run",
                    *_where(root),
                    f"--from={DAY_1}",
                    f"--to={DAY_2}",
                    f"--log-json={root / 'run.jsonl'}",
                    f"--recipients={recipients}",
                ]
            )
    finally:
        logging.getLogger("tollgate").removeHandler(records)
    assert code == 0
    return root, _snapshot(spark, root / "lake"), records.messages


def test_a_backfill_in_one_command_equals_the_day_by_day_runs(day_by_day, backfill):
    _, _, _, day_by_day_tables = day_by_day
    _, backfill_tables, _ = backfill
    assert backfill_tables.keys() == day_by_day_tables.keys()
    assert backfill_tables == day_by_day_tables


def test_progress_shows_each_stage_and_each_day_with_its_rows(backfill):
    _, _, messages = backfill
    for stage in ("ingest", "anonymize", "aggregate", "export"):
        assert any(m.startswith(f"[{stage}] 2 day(s), {DAY_1} .. {DAY_2}") for m in messages), stage
        assert any(m.startswith(f"[{stage}] done in ") for m in messages), stage
    assert f"[ingest] {DAY_1}: 47 CDR legs accepted" in messages
    assert f"[ingest] {DAY_2}: 12 CDR legs accepted" in messages


def test_json_log_lines_parse_carry_stage_day_rows_and_no_personal_value(backfill):
    root, _, _ = backfill
    text = (root / "run.jsonl").read_text(encoding="utf-8")
    entries = [json.loads(line) for line in text.splitlines()]
    assert entries and all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
    per_day = {(e["stage"], e["day"]): e["rows"] for e in entries if "day" in e}
    assert per_day == {("ingest", DAY_1): 47, ("ingest", DAY_2): 12}
    done = {e["stage"]: e for e in entries if "seconds" in e}
    assert done.keys() == {"ingest", "erase", "anonymize", "aggregate", "export"}  # no erasure: no vacuum
    assert done["ingest"]["rows"] == 47 + 12 and done["export"]["releases"] >= 2
    # The unknown key's name is logged (a warning), never the planted values of the landing.
    assert any("client_debug" in e["message"] for e in entries if e["level"] == "WARNING")
    assert [form for form in planted_forms() if form in text] == []


def test_a_day_with_only_usage_logs_is_ingested_and_aggregated(tmp_path, spark, monkeypatch):
    """The days of a run are every dated source's days: usage logs alone make a day too, even
    on a lake that has no CDR leg yet."""
    build_landing(tmp_path / "landing")
    day_3 = "2026-11-04"  # no CDR file lands this day
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
    lines = [log_line(f"198.51.100.{n}", "04/Nov/2026:09:15:00 +0000", "/join", agent) for n in range(12)]
    write_usage(tmp_path / "landing", day_3, lines)
    assert landed_run_days(tmp_path / "landing") == [dt.date.fromisoformat(DAY_1), dt.date.fromisoformat(day_3)]
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", KEY)
    _stages(tmp_path, f"--date={day_3}")
    lake = tmp_path / "lake"
    assert not (lake / "bronze" / "cdr_legs").exists()
    bronze = spark.read.format("delta").load(str(lake / "bronze" / "usage_log"))
    assert {row.landing_date.isoformat() for row in bronze.select("landing_date").distinct().collect()} == {day_3}
    assert bronze.count() == 12
    silver = spark.read.format("delta").load(str(lake / "silver" / "web_requests"))
    assert silver.count() == 12
    gold = spark.read.format("delta").load(str(lake / "gold" / "web_usage_by_hour")).collect()
    # Twelve visitors in one cell: at k = 10 it is published.
    assert [(row.requests, row.distinct_visitors) for row in gold] == [(12, 12)]
