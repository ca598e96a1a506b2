"""The manifest's JSON Schema is generated from its model, and `tollgate verify` reads it.

No Spark: manifests and release folders are written by hand here.
"""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import jsonschema
import pytest

from jobs.release.manifest import Manifest, schema_text
from jobs.release.verify import SCHEMA_PATH, sha256_of, verify_release

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


def test_committed_schema_is_the_one_the_model_generates():
    committed = SCHEMA_PATH.read_text(encoding="utf-8")
    assert committed == schema_text(), f"{SCHEMA_PATH.name} is stale: run `{REGENERATE}` and commit it"


@pytest.mark.parametrize("manifest", [AGGREGATE, EXTRACT, EMPTY_EXTRACT, BEFORE_CONSENT])
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


@pytest.mark.parametrize("manifest", [AGGREGATE, BEFORE_CONSENT, EXTRACT])
def test_verify_checks_a_release_against_the_generated_schema(tmp_path, manifest):
    assert verify_release(_release(tmp_path / "release", manifest)) == []


def test_verify_names_where_a_manifest_breaks_the_schema(tmp_path):
    release = _release(tmp_path / "release", _changed(AGGREGATE, lambda m: m["privacy"].update(k=0)))
    assert verify_release(release) == ["manifest.json: not a valid manifest at privacy"]
