"""verify: a recipient's check of a release folder, with no Spark and no lake.

Checks the manifest against expectations/manifest.schema.json, the manifest's own sha256
(manifest.json.sha256), every data file's size and sha256, that no file is missing or
extra, the row count (Parquet footers; CSV records after the header), and that the gate passed.
A differentially private release's `privacy.dp` is also checked for consistency
(jobs/release/dp_manifest.py: the sensitivities follow from the bounds, the costs from the
noise scales, the spend stays within the budget) and against the release's grain and rows.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from pathlib import Path

import jsonschema
import pyarrow.parquet as pq

from jobs.lake.session import project_path
from jobs.release.dp_manifest import check_dp_manifest
from transforms.dp_bounds import MEASURES

log = logging.getLogger("tollgate.verify")
SCHEMA_PATH = project_path("expectations", "manifest.schema.json")
RELEASE_FILES = {"manifest.json", "manifest.json.sha256", "gate_report.json"}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_release(release: Path) -> list[str]:
    """Every problem found, as sentences naming files and fields; empty when it verifies."""
    manifest_path = release / "manifest.json"
    if not manifest_path.is_file():
        return [f"{manifest_path}: missing"]
    problems = []
    recorded = (
        (release / "manifest.json.sha256").read_text().split()[0]
        if (release / "manifest.json.sha256").is_file()
        else None
    )
    if recorded != sha256_of(manifest_path):
        problems.append("manifest.json: sha256 differs from manifest.json.sha256")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        jsonschema.validate(manifest, json.loads(SCHEMA_PATH.read_text()))
    except (ValueError, jsonschema.ValidationError) as error:
        where = "/".join(str(p) for p in getattr(error, "absolute_path", [])) or "(document)"
        return [*problems, f"manifest.json: not a valid manifest at {where}"]
    listed = {entry["path"]: entry for entry in manifest["files"]}
    present = {str(p.relative_to(release)) for p in release.rglob("*") if p.is_file()} - RELEASE_FILES
    problems += [f"{path}: listed in the manifest but missing" for path in sorted(set(listed) - present)]
    problems += [f"{path}: present but not in the manifest" for path in sorted(present - set(listed))]
    rows = 0
    for path, entry in sorted(listed.items()):
        file = release / path
        if not file.is_file():
            continue
        if file.stat().st_size != entry["bytes"]:
            problems.append(f"{path}: size {file.stat().st_size} but the manifest says {entry['bytes']}")
        if sha256_of(file) != entry["sha256"]:
            problems.append(f"{path}: sha256 differs from the manifest")
            continue
        counted = _row_count(file)
        if counted is None:
            problems.append(f"{path}: not a Parquet or CSV data file")
            continue
        rows += counted
    if not problems and rows != manifest["row_count"]:
        problems.append(f"row count {rows} but the manifest says {manifest['row_count']}")
    if manifest["gate"]["success"] is not True:
        problems.append("the manifest records a gate that did not pass")
    gate_report = release / "gate_report.json"
    if not gate_report.is_file() or json.loads(gate_report.read_text()) != manifest["gate"]:
        problems.append("gate_report.json: missing or differs from the manifest's gate result")
    if "dp" in manifest["privacy"]:
        problems += _dp_problems(manifest)
    return problems


def _dp_problems(manifest: dict) -> list[str]:
    """The DP section's own arithmetic, and that it describes these rows and columns."""
    section = manifest["privacy"]["dp"]
    problems = check_dp_manifest(section, manifest["row_count"])
    if manifest["grain"] != section["grain"]:
        problems.append("privacy.dp: grain differs from the manifest's grain")
    if [column["name"] for column in manifest["columns"]] != [*section["grain"], *MEASURES]:
        problems.append("privacy.dp: the columns are not the grain and the four measures")
    if manifest["privacy"]["regions"] != section["window"]["regions"]:
        problems.append("privacy.dp: the window's regions differ from the release's regions")
    return problems


def _row_count(file: Path) -> int | None:
    """Rows in one data file: the Parquet footer, or CSV records minus the header line."""
    if file.suffix == ".parquet":
        return pq.ParquetFile(file).metadata.num_rows
    if file.suffix == ".csv":
        # csv.reader, not a line count: a quoted cell may hold a line break.
        with file.open(encoding="utf-8", newline="") as handle:
            return max(sum(1 for _ in csv.reader(handle)) - 1, 0)
    return None
