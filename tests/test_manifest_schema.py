"""The manifest's JSON Schema is generated from its model, and `tollgate verify` reads it.

No Spark: manifests and release folders are written by hand here (a DP release's section is
built by dp_manifest_section from its settings, as an export builds it).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from jobs.config.dp import DpSettings
from jobs.release.budget import BudgetBalance
from jobs.release.dp_manifest import dp_manifest_section
from jobs.release.dp_noise import plan_noise
from jobs.release.manifest import Manifest, schema_text
from jobs.release.verify import SCHEMA_PATH, sha256_of, verify_release
from transforms.dp_bounds import MEASURES

REGENERATE = ".venv/bin/python -m jobs.release.manifest"
SHA = "0123456789abcdef" * 4
GATE = {"suite": "acme.usage_by_time_of_day", "success": True, "expectations_run": 25, "failures": []}
AGGREGATE = {
    "manifest_version": 1,
    "recipient": "acme-insights",
    "recipient_kind": "sale",
    "dataset": "usage_by_time_of_day",
    "grain": ["report_week", "region"],
    "release_id": "20261201T152731Z",
    "created_at": "2026-12-01T15:27:31Z",
    "source_delta_versions": {"bronze/account_privacy_state": 0, "silver/cdr_legs": 3},
    "row_count": 1,
    "columns": [{"name": "region", "type": "string"}, {"name": "distinct_accounts", "type": "bigint"}],
    "files": [{"path": "data/part-00000.csv", "sha256": SHA, "bytes": 170}],
    "privacy": {
        "k": 10,
        "k_floor": 5,
        "small_cells": "cells with distinct_accounts < k are not published",
        "regions": ["eu", "us"],
        "consent": {"accounts_excluded": 2, "rule": "do_not_sell"},
    },
    "gate": GATE,
    "policy_sha256": SHA,
}
RISK = {
    "quasi_identifiers": ["user_agent", "country"],
    "rows": 3,
    "classes": 3,
    "min_class_size": 1,
    "max_prosecutor_risk": 1.0,
    "avg_prosecutor_risk": 1.0,
    "share_rows_below_k": 1.0,
    "k": 10,
}
EXTRACT = {
    **AGGREGATE,
    "recipient": "devtools",
    "recipient_kind": "subprocessor",
    "dataset": "cdr_extract",
    "grain": ["leg_pseudonym"],
    "source_delta_versions": {"bronze/account_privacy_state": 1, "bronze/cdr_legs": 4},
    "privacy": {
        "k": 10,
        "k_floor": 5,
        "small_cells": "row-level extract: no cells to suppress; risk reports classes below k",
        "regions": ["us"],
        "role": "development",
        "pseudonymized": ["leg_pseudonym", "account_pseudonym"],
        "in_clear": [],
        "risk": RISK,
    },
}
EMPTY_RISK = {**RISK, "rows": 0, "classes": 0, "min_class_size": None, "max_prosecutor_risk": None}
EMPTY_EXTRACT = {**EXTRACT, "row_count": 0, "privacy": {**EXTRACT["privacy"], "risk": EMPTY_RISK}}
# Releases made before Do Not Sell carry no consent; they must still verify.
BEFORE_CONSENT = {**AGGREGATE, "recipient_kind": "research", "privacy": dict(list(AGGREGATE["privacy"].items())[:4])}


def _dp_section() -> dict:
    """A private-selection DP release of one cell at a coarse grain, spent once."""
    settings = DpSettings.model_validate(
        {
            "budget": {"epsilon": 10.0, "delta": 1e-7, "selection_delta": 1e-8},
            "release": {"epsilon": 1.0, "window_weeks": 1, "grain": ["report_week", "region"]},
            "bounds": {
                "cells_per_account": 2,
                "legs_per_cell": 4,
                "conferences_per_cell": 2,
                "minutes_per_cell": 240,
                "minutes_per_leg": 120,
            },
            "selection": {"mode": "private", "delta": 1e-9},
        }
    )
    plan = plan_noise(settings)
    balance = BudgetBalance("harbor", Decimal(plan.rho), Decimal(plan.selection_delta), 1)
    section = dp_manifest_section(
        settings, plan, weeks=[dt.date(2026, 11, 9)], regions=["eu", "us"], cells_published=1, balance=balance
    )
    return json.loads(json.dumps(section))  # as a recipient reads it


DP = {
    **AGGREGATE,
    "dataset": "usage_by_time_of_day_dp",
    "grain": ["report_week", "region"],
    "source_delta_versions": {"bronze/account_privacy_state": 0, "silver/cdr_legs": 3},
    "columns": [
        {"name": "report_week", "type": "date"},
        {"name": "region", "type": "string"},
        *({"name": name, "type": "bigint"} for name in MEASURES),
    ],
    "privacy": {"regions": ["eu", "us"], "consent_rule": "do_not_sell", "dp": _dp_section()},
}


def test_committed_schema_is_the_one_the_model_generates():
    committed = SCHEMA_PATH.read_text(encoding="utf-8")
    assert committed == schema_text(), f"{SCHEMA_PATH.name} is stale: run `{REGENERATE}` and commit it"


@pytest.mark.parametrize("manifest", [AGGREGATE, EXTRACT, EMPTY_EXTRACT, BEFORE_CONSENT, DP])
def test_every_manifest_shape_validates_and_the_model_writes_it_back_unchanged(manifest):
    jsonschema.validate(manifest, json.loads(SCHEMA_PATH.read_text()))
    assert Manifest.model_validate(manifest).as_json() == manifest


def _changed(manifest: dict, change) -> dict:
    changed = copy.deepcopy(manifest)
    change(changed)
    return changed


@pytest.mark.parametrize(
    ("manifest", "where"),
    [
        (_changed(AGGREGATE, lambda m: m.update(manifest_version=2)), ["manifest_version"]),
        (_changed(AGGREGATE, lambda m: m.update(owner="someone")), []),
        (_changed(AGGREGATE, lambda m: m["privacy"].update(consent=None)), ["privacy", "consent"]),
        (_changed(AGGREGATE, lambda m: m["privacy"].update(role="crm")), ["privacy"]),
        (_changed(AGGREGATE, lambda m: m["gate"].update(failures=[{"column": "x"}])), ["gate", "failures", 0]),
        (_changed(EXTRACT, lambda m: m["privacy"].pop("risk")), ["privacy"]),
        (
            _changed(EXTRACT, lambda m: m["privacy"]["risk"].update(max_prosecutor_risk=1.5)),
            ["privacy", "risk", "max_prosecutor_risk"],
        ),
        (_changed(EXTRACT, lambda m: m.update(recipient_kind="broker")), ["recipient_kind"]),
        (_changed(EXTRACT, lambda m: m["files"][0].update(path="../escape")), ["files", 0, "path"]),
        # A DP release has no k, and its consent holds no count (an exact count is not DP).
        (_changed(DP, lambda m: m["privacy"].update(k=10)), ["privacy"]),
        (_changed(DP, lambda m: m["privacy"].update(consent={"accounts_excluded": 2, "rule": "none"})), ["privacy"]),
        (_changed(DP, lambda m: m["privacy"]["dp"].update(mechanism="gaussian")), ["privacy", "dp", "mechanism"]),
        (_changed(DP, lambda m: m["privacy"]["dp"]["budget"].pop("rho_spent_after")), ["privacy", "dp", "budget"]),
    ],
)
def test_the_schema_refuses_what_no_release_writes(manifest, where):
    with pytest.raises(jsonschema.ValidationError) as error:
        jsonschema.validate(manifest, json.loads(SCHEMA_PATH.read_text()))
    assert list(error.value.absolute_path) == where


def _release(folder: Path, manifest: dict) -> Path:
    (folder / "data").mkdir(parents=True)
    data = folder / "data" / "part-00000.csv"
    with data.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([["region", "distinct_accounts"], ["us", "12"]])
    manifest = {
        **manifest,
        "files": [{"path": "data/part-00000.csv", "sha256": sha256_of(data), "bytes": data.stat().st_size}],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    (folder / "manifest.json.sha256").write_text(f"{sha256_of(folder / 'manifest.json')}  manifest.json\n")
    (folder / "gate_report.json").write_text(json.dumps(GATE))
    return folder


@pytest.mark.parametrize("manifest", [AGGREGATE, BEFORE_CONSENT, EXTRACT, DP])
def test_verify_checks_a_release_against_the_generated_schema(tmp_path, manifest):
    assert verify_release(_release(tmp_path / "release", manifest)) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda m: m["privacy"]["dp"]["noise_scale"].update(participant_minutes=1.0), "cost of participant_minutes"),
        (lambda m: m["privacy"]["dp"]["bounds"].update(cells_per_account=1), "sensitivity of conferences"),
        (lambda m: m.update(row_count=2), "cells_published 1 but the release has 2 rows"),
        (lambda m: m.update(grain=["region", "report_week"]), "grain differs"),
        (lambda m: m["columns"].pop(), "the columns are not the grain and the four measures"),
        (lambda m: m["privacy"].update(regions=["us"]), "the window's regions differ"),
    ],
)
def test_verify_checks_the_dp_guarantee_adds_up(tmp_path, change, problem):
    problems = verify_release(_release(tmp_path / "release", _changed(DP, change)))
    assert any(problem in text for text in problems), problems


def test_verify_names_where_a_manifest_breaks_the_schema(tmp_path):
    release = _release(tmp_path / "release", _changed(AGGREGATE, lambda m: m["privacy"].update(k=0)))
    assert verify_release(release) == ["manifest.json: not a valid manifest at privacy"]
