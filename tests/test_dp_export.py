"""A `privacy: dp` recipient's releases through the export path (jobs/release/dp_export.py):
charged, noised, gated without k, published with the guarantee in the manifest, and refused
(exit 3, no folder, a ledger row) once its budget is spent. Uses the spark fixture."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml

from jobs.commands.cli import main
from jobs.config.policy import load_policy
from jobs.config.recipients import load_recipients
from jobs.lake.frames import local_frame
from jobs.lake.layout import Lake
from jobs.lake.session import project_path
from jobs.release.dp_export import BUDGET_EXHAUSTED
from jobs.release.export import export_all
from jobs.release.ledger import gate_docs_dir, read_ledger
from jobs.release.publish import ReleaseRefused
from jobs.release.verify import verify_release
from transforms.dp_bounds import MEASURES

DATASET = "usage_by_time_of_day_dp"
WEEK = dt.date(2026, 11, 2)  # a Monday
LEGS_SCHEMA = (
    "landing_date date, report_week date, local_dow int, local_hour int, region string, product string,"
    " access_type string, conference_pseudonym string, account_pseudonym string, participant_minutes bigint"
)
GRAIN = ["report_week", "local_dow", "region", "product"]
# One release of epsilon 2 fits the budget of 2.5, a second does not.
SETTINGS = {
    "budget": {"epsilon": 2.5, "delta": 1e-7},
    "release": {"epsilon": 2.0, "window_weeks": 1, "grain": GRAIN},
    "bounds": {
        "cells_per_account": 2,
        "legs_per_cell": 4,
        "conferences_per_cell": 2,
        "minutes_per_cell": 120,
        "minutes_per_leg": 60,
    },
    "selection": {"mode": "public"},
}


@pytest.fixture(scope="module")
def silver_legs(spark, tmp_path_factory) -> Path:
    """Silver legs, 300 accounts in one cell: written once for the module, copied into each test's lake."""
    legs = [(WEEK, WEEK, 3, 10, "us", "meeting", "app", f"c{a}", f"a{a}", 30) for a in range(300)]
    path = tmp_path_factory.mktemp("dp-export") / "cdr_legs"
    local_frame(spark, legs, LEGS_SCHEMA).write.format("delta").save(str(path))
    return path


@pytest.fixture
def where(silver_legs, tmp_path):
    """A lake of the test's own (ledgers and Data Docs are written in it) with a copy of the silver
    legs at version 0, and a recipients file with one DP recipient."""
    lake = Lake(tmp_path / "lake")
    shutil.copytree(silver_legs, lake.silver_cdr)
    entry = {"name": "harbor", "kind": "research", "privacy": "dp", "datasets": [DATASET], "regions": ["us", "eu"]}
    recipients = tmp_path / "recipients.yaml"
    recipients.write_text(yaml.safe_dump({"recipients": [{**entry, "dp": SETTINGS}]}))
    return lake, tmp_path / "exports", recipients


def _export(spark, where, last_day: dt.date | None = WEEK + dt.timedelta(days=4)):
    lake, exports, recipients = where
    policy = load_policy(project_path("conf", "privacy-policy.yaml"))
    chosen = list(load_recipients(recipients, policy.k_floor).values())
    return export_all(spark, lake, exports, chosen, policy, last_day=last_day)


def test_a_dp_release_is_published_with_its_guarantee_and_verifies(spark, where):
    lake = where[0]
    [release] = _export(spark, where)
    assert verify_release(release) == []
    manifest = json.loads((release / "manifest.json").read_text())
    section = manifest["privacy"]["dp"]
    assert manifest["grain"] == section["grain"] == GRAIN
    assert [c["name"] for c in manifest["columns"]] == [*GRAIN, *MEASURES]
    assert manifest["row_count"] == section["selection"]["grid_cells"] == 1 * 7 * 2 * 3
    assert section["window"] == {
        "first_week": "2026-11-02",
        "last_week": "2026-11-02",
        "weeks": 1,
        "regions": ["eu", "us"],
    }
    assert manifest["privacy"]["consent_rule"] == "none" and "k" not in manifest["privacy"]
    assert manifest["gate"]["success"] and manifest["source_delta_versions"] == {"silver/cdr_legs": 0}
    # The budget was charged under the release's own id, before the release was published.
    charged = spark.read.format("delta").load(lake.dp_budget).where("entry = 'attempt'").collect()
    assert [(row.release_id, row.status) for row in charged] == [(release.name, "reserved")]
    [row] = read_ledger(spark, lake).collect()
    assert (row.status, row.release_id, row.row_count) == ("published", release.name, manifest["row_count"])


def test_the_window_ends_with_the_release_date_when_the_run_gives_no_day(spark, where):
    before = dt.datetime.now(dt.UTC).date()
    [release] = _export(spark, where, last_day=None)
    after = dt.datetime.now(dt.UTC).date()
    window = json.loads((release / "manifest.json").read_text())["privacy"]["dp"]["window"]
    mondays = {(day - dt.timedelta(days=day.weekday())).isoformat() for day in (before, after)}
    assert window["last_week"] in mondays
    assert verify_release(release) == []


def test_a_release_past_the_budget_is_refused_with_no_folder_and_a_ledger_row(spark, where):
    lake, exports, _ = where
    [first] = _export(spark, where)
    with pytest.raises(ReleaseRefused) as refused:
        _export(spark, where)
    assert str(refused.value) == f"release harbor/{DATASET} refused: (table): {BUDGET_EXHAUSTED}"
    assert refused.value.published_before == ()
    assert sorted((exports / "harbor" / DATASET).iterdir()) == [first]
    assert not any((exports / ".staging").glob("*"))
    assert not gate_docs_dir(lake, "harbor", DATASET, refused.value.release_id).exists()
    rows = {row.status: row for row in read_ledger(spark, lake).collect()}
    assert sorted(rows) == ["published", "refused"]
    refusal = rows["refused"]
    assert refusal.release_id == refused.value.release_id and refusal.row_count is None
    assert [(f.column, f.expectation) for f in refusal.failures] == [(None, BUDGET_EXHAUSTED)]
    assert json.loads(refusal.source_delta_versions) == {"silver/cdr_legs": 0}


def test_the_export_command_exits_3_when_the_budget_is_spent(spark, where):
    lake, exports, recipients = where
    options = ["--lake", str(lake.root), "--exports", str(exports), "--recipients", str(recipients)]
    assert main(["export", *options]) == 0
    assert main(["export", *options]) == 3
    assert main(["budget", *options]) == 0
    assert len(list((exports / "harbor" / DATASET).iterdir())) == 1
