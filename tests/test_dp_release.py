"""A DP release's rows from silver (jobs/release/dp.py): bounded, charged, noised, described.
Uses the spark fixture (all but the window test)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from jobs.config.recipients import load_recipients
from jobs.errors import ConfigError, GateRefused
from jobs.lake.frames import local_frame
from jobs.lake.layout import Lake
from jobs.release import dp as dp_release
from jobs.release.budget import read_balances
from jobs.release.dp import dp_release_source, window_weeks
from jobs.release.dp_manifest import check_dp_manifest
from transforms.dp_bounds import MEASURES, USAGE_BY_TIME_OF_DAY_DP

WEEK = dt.date(2026, 11, 2)  # a Monday
LAST_DAY = dt.date(2026, 11, 4)
DATASET = "usage_by_time_of_day_dp"
LEGS_SCHEMA = (
    "landing_date date, report_week date, local_dow int, local_hour int, region string, product string,"
    " access_type string, conference_pseudonym string, account_pseudonym string, participant_minutes bigint"
)
BOUNDS = {
    "cells_per_account": 1,
    "legs_per_cell": 2,
    "conferences_per_cell": 1,
    "minutes_per_cell": 120,
    "minutes_per_leg": 60,
}
PUBLIC = {
    "budget": {"epsilon": 2.5, "delta": 1e-7},
    "release": {"epsilon": 2.0, "window_weeks": 1},
    "bounds": BOUNDS,
    "selection": {"mode": "public"},
}
# Threshold 33 accounts at these settings (scale 5.2): 300 accounts pass, one never does.
PRIVATE = {
    **PUBLIC,
    "budget": {"epsilon": 2.5, "delta": 1e-7, "selection_delta": 1e-8},
    "selection": {"mode": "private", "delta": 1e-9},
}


@pytest.fixture(scope="module")
def silver_legs(spark, tmp_path_factory) -> Path:
    """Silver legs: one busy cell (300 accounts, 30 minutes each) and 40 lone accounts. Written
    once for the module; each test's lake gets a copy (tests only read it)."""
    busy = [(WEEK, WEEK, 3, 10, "us", "meeting", "app", f"c{a}", f"a{a}", 30) for a in range(300)]
    lone = [(WEEK, WEEK, 5, a % 24, "us", "audio", "web", f"l{a}", f"l{a}", 500) for a in range(40)]
    path = tmp_path_factory.mktemp("dp-release") / "cdr_legs"
    local_frame(spark, busy + lone, LEGS_SCHEMA).write.format("delta").save(str(path))
    return path


@pytest.fixture
def lake(silver_legs, tmp_path) -> Lake:
    """A lake of the test's own (the budget ledger is written in it) with the silver legs at version 0."""
    lake = Lake(tmp_path / "lake")
    shutil.copytree(silver_legs, lake.silver_cdr)
    return lake


def _recipient(tmp_path, settings: dict, kind: str = "research"):
    entry = {"name": "harbor", "kind": kind, "privacy": "dp", "datasets": [DATASET], "regions": ["us"], "dp": settings}
    path = tmp_path / "recipients.yaml"
    path.write_text(yaml.safe_dump({"recipients": [entry]}))
    return load_recipients(path, k_floor=5)["harbor"]


def _release(spark, lake, recipient, release_id="20261110T000000Z"):
    return dp_release_source(spark, lake, recipient, DATASET, release_id, LAST_DAY)


def test_the_window_is_whole_report_weeks_ending_with_the_last_days_week():
    assert window_weeks(LAST_DAY, 1) == [WEEK]
    assert window_weeks(dt.date(2026, 11, 15), 3) == [WEEK - dt.timedelta(weeks=1), WEEK, WEEK + dt.timedelta(weeks=1)]


def test_a_public_release_publishes_the_whole_grid_with_its_guarantee(spark, lake, tmp_path):
    source = _release(spark, lake, _recipient(tmp_path, PUBLIC))
    rows = source.rows_df.collect()
    assert len(rows) == 7 * 24 * 1 * 3 * 5
    assert source.rows_df.columns == list(USAGE_BY_TIME_OF_DAY_DP.columns)
    assert {f.name: f.dataType.simpleString() for f in source.rows_df.schema} == USAGE_BY_TIME_OF_DAY_DP.columns
    assert check_dp_manifest(source.section, row_count=len(rows)) == []
    assert source.delta_versions == {"silver/cdr_legs": 0}
    assert source.consent == {"rule": "none"}
    busy = next(r for r in rows if (r.local_dow, r.local_hour, r.product, r.access_type) == (3, 10, "meeting", "app"))
    scale = source.section["noise_scale"]
    # Ten noise scales: never exceeded by chance (odds far below 1e-20).
    assert abs(busy.distinct_accounts - 300) < 10 * scale["distinct_accounts"]
    assert abs(busy.participant_minutes - 300 * 30) < 10 * scale["participant_minutes"]
    assert all(min(r.conferences, r.participant_legs, r.participant_minutes, r.distinct_accounts) >= 0 for r in rows)
    balance = read_balances(spark, lake)["harbor"]
    assert balance.releases == source.section["budget"]["releases_after"] == 1
    charged = spark.read.format("delta").load(lake.dp_budget).where("entry = 'attempt'").first()
    assert charged.status == "reserved"
    assert charged.epsilon_cost == pytest.approx(source.section["release"]["epsilon_at_delta"])


def test_a_coarser_grain_publishes_its_own_grid_and_contract(spark, lake, tmp_path):
    grain = ["report_week", "local_dow", "region"]
    coarse = {**PUBLIC, "release": {**PUBLIC["release"], "grain": grain}}
    source = _release(spark, lake, _recipient(tmp_path, coarse))
    rows = source.rows_df.collect()
    assert source.contract.grain == tuple(grain) and source.section["grain"] == grain
    assert source.rows_df.columns == [*grain, *MEASURES] == list(source.contract.columns)
    assert len(rows) == 7 == source.section["selection"]["grid_cells"]
    assert check_dp_manifest(source.section, row_count=len(rows)) == []
    # Day 3 holds the 300 busy accounts; day 5 the 40 lone ones, each kept in its one cell.
    by_day = {row.local_dow: row for row in rows}
    scale = source.section["noise_scale"]["distinct_accounts"]
    assert abs(by_day[3].distinct_accounts - 300) < 10 * scale and abs(by_day[5].distinct_accounts - 40) < 10 * scale


def test_a_private_release_publishes_only_cells_far_above_the_threshold(spark, lake, tmp_path):
    source = _release(spark, lake, _recipient(tmp_path, PRIVATE))
    rows = source.rows_df.collect()
    assert [(r.local_dow, r.local_hour, r.product, r.access_type) for r in rows] == [(3, 10, "meeting", "app")]
    assert rows[0].distinct_accounts >= source.section["selection"]["threshold"]
    assert check_dp_manifest(source.section, row_count=1) == []


def test_a_release_past_the_budget_is_refused_and_recorded(spark, lake, tmp_path):
    recipient = _recipient(tmp_path, PUBLIC)
    _release(spark, lake, recipient, "20261110T000000Z")
    with pytest.raises(GateRefused, match="budget exhausted"):
        _release(spark, lake, recipient, "20261111T000000Z")
    assert read_balances(spark, lake)["harbor"].releases == 1


def test_a_release_that_fails_after_its_charge_stays_charged(spark, lake, tmp_path, monkeypatch):
    def broken_noise(*args, **kwargs):
        raise RuntimeError("noise failed")

    monkeypatch.setattr(dp_release, "add_noise", broken_noise)
    with pytest.raises(RuntimeError, match="noise failed"):
        _release(spark, lake, _recipient(tmp_path, PUBLIC))
    assert read_balances(spark, lake)["harbor"].releases == 1


def test_a_sale_release_without_the_key_fails_before_any_charge(spark, lake, tmp_path):
    with pytest.raises(ConfigError, match="needs the HMAC key"):
        _release(spark, lake, _recipient(tmp_path, PUBLIC, kind="sale"))
    assert read_balances(spark, lake) == {}
