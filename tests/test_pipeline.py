"""The whole path, landing -> export, on a tiny landing folder with planted PII
(tests/planted_landing.py)."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path

import pytest
from delta.tables import DeltaTable
from pyspark.sql import functions as F

from jobs.commands.cli import main
from tests.leak_scan import every_byte_and_value, leaked_forms
from tests.pipeline_run import gold_rows, run_cli
from tests.planted_landing import DAY, build_landing, planted_forms


def _data_digests(release: Path) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((release / "data").iterdir())]


def test_export_holds_the_published_cell_and_no_planted_value_in_any_byte(pipeline):
    root, gold, _, _ = pipeline
    releases = sorted((root / "exports" / "northwind-research" / "usage_by_time_of_day").iterdir())
    assert len(releases) == 2 and gold, "expected two releases of a non-empty gold table"
    manifest = json.loads((releases[0] / "manifest.json").read_text())
    assert manifest["row_count"] == 1 and manifest["gate"]["success"] is True
    every_byte = every_byte_and_value(root / "exports")
    leaked = leaked_forms(planted_forms(), every_byte)
    assert leaked == []
    # The scan is able to see text: the export names its columns, dataset and values.
    assert b"participant_minutes" in every_byte and b"usage_by_time_of_day" in every_byte
    assert b"'access_type': 'app'" in every_byte


def test_rerun_gives_same_gold_rows_and_same_export_data(pipeline, spark):
    root, first_gold, _first_releases, _ = pipeline
    assert gold_rows(spark, root) == first_gold
    # 12 accounts x 2 legs of 10 minutes: one cell, published because 12 >= k = 10.
    assert [row[6:] for row in first_gold] == [(24, 24, 240, 12)]
    for dataset in ("usage_by_time_of_day", "daily_usage"):
        releases = sorted((root / "exports" / "northwind-research" / dataset).iterdir())
        assert len(releases) == 2
        assert _data_digests(releases[0]) == _data_digests(releases[1])
        manifests = [json.loads((r / "manifest.json").read_text()) for r in releases]
        assert [m["files"][0]["sha256"] for m in manifests] == _data_digests(releases[0]) * 2


def test_every_record_is_accepted_or_quarantined_with_a_reason(pipeline, spark):
    root, _, _, _ = pipeline
    lake = root / "lake"
    quarantine = spark.read.format("delta").load(str(lake / "bronze" / "quarantine"))
    cdr = spark.read.format("delta").load(str(lake / "bronze" / "cdr_legs"))
    lines = (root / "landing" / "cdr" / f"date={DAY}" / "legs-000.jsonl").read_text().splitlines()
    rejected = quarantine.where(F.col("source") == "cdr")
    assert cdr.count() + rejected.count() == len(lines)
    assert rejected.where(F.col("reason").isNull()).count() == 0
    reasons = {row.reason for row in rejected.select("reason").distinct().collect()}
    assert {"malformed JSON", "unknown access_type", "invalid start_time", "unknown region"} <= reasons
    # The record with the unknown key is accepted, but its key's value is gone.
    extra = cdr.where(F.col("leg_id") == "leg-extra").first()
    assert extra.extra_keys == ["client_debug"] and "client_debug" not in cdr.columns


def test_each_ingest_quarantines_every_sources_rejects_in_one_commit(pipeline, spark):
    """jobs/stages/quarantine_batch.py: the fixture's two runs ingest five sources each, and
    quarantine gets one commit from each ingest (one per source before: ten), plus one from
    each anonymize (its legs of unknown accounts, source silver_cdr)."""
    root, _, _, _ = pipeline
    path = str(root / "lake" / "bronze" / "quarantine")
    commits = DeltaTable.forPath(spark, path).history().where(F.col("operation") == "WRITE").collect()
    predicates = [commit.operationParameters.get("predicate") or "" for commit in commits]
    from_ingest = [predicate for predicate in predicates if "silver_cdr" not in predicate]
    assert len(from_ingest) == 2, predicates
    # The later one replaces the rows of every source at once.
    assert all(f"source = '{source}'" in max(from_ingest, key=len) for source in ("accounts", "cdr", "usage"))


def test_no_planted_value_in_any_byte_or_value_of_silver_or_gold(pipeline):
    root, _, _, _ = pipeline
    for layer in ("silver", "gold"):
        everything = every_byte_and_value(root / "lake" / layer)
        assert b"participant_minutes" in everything and b"'region': 'us'" in everything
        assert leaked_forms(planted_forms(), everything) == [], layer


def test_silver_holds_no_identifier_columns(pipeline, spark):
    root, _, _, _ = pipeline
    silver = spark.read.format("delta").load(str(root / "lake" / "silver" / "cdr_legs"))
    forbidden = {
        "account_id",
        "participant_name",
        "participant_email",
        "caller_number",
        "ip_address",
        "user_agent",
        "notes",
        "leg_id",
        "conference_id",
        "access_number",
    }
    assert forbidden.isdisjoint(silver.columns)
    assert silver.where(F.length("account_pseudonym") != 64).count() == 0


def test_no_key_no_run(tmp_path, monkeypatch):
    monkeypatch.delenv("TOLLGATE_HMAC_KEY", raising=False)
    config = tmp_path / "tollgate.yaml"
    config.write_text(f"hmac_key_file: {tmp_path / 'missing.key'}\n")
    build_landing(tmp_path / "landing")
    assert run_cli(tmp_path, "--config", str(config)) == 2
    assert not (tmp_path / "lake").exists()
    shutil.rmtree(tmp_path / "landing")


def test_run_log_names_the_unknown_key_and_holds_no_planted_value(pipeline):
    _, _, _, messages = pipeline
    warnings = [text for level, text in messages if level >= logging.WARNING]
    assert any("client_debug" in text for text in warnings)
    every_message = "\n".join(text for _, text in messages)
    assert "read" in every_message and "quarantined" in every_message
    assert leaked_forms(planted_forms(), every_message.encode()) == []


@pytest.mark.parametrize("tamper", [None, "data", "manifest"])
def test_verify_passes_on_a_fresh_release_and_fails_after_one_changed_byte(pipeline, tmp_path, capsys, tamper):
    root, _, _, _ = pipeline
    release = sorted((root / "exports" / "northwind-research" / "daily_usage").iterdir())[0]
    copy = tmp_path / release.name
    shutil.copytree(release, copy)
    if tamper:
        target = next((copy / "data").iterdir()) if tamper == "data" else copy / "manifest.json"
        content = bytearray(target.read_bytes())
        content[len(content) // 2] ^= 0x01
        target.write_bytes(bytes(content))
    code = main(["verify", str(copy)])
    output = capsys.readouterr().out
    if tamper is None:
        assert (code, output.startswith("OK")) == (0, True)
    else:
        assert code == 1 and "FAIL" in output
        assert ("sha256" in output) if tamper == "data" else ("manifest.json" in output)


@pytest.mark.parametrize("dataset", ["usage_by_time_of_day", "daily_usage"])
def test_gold_tables_read_the_same_without_spark(pipeline, spark, dataset):
    from deltalake import DeltaTable

    root, _, _, _ = pipeline
    path = str(root / "lake" / "gold" / dataset)
    without_spark = DeltaTable(path).to_pyarrow_table().to_pylist()
    with_spark = [row.asDict() for row in spark.read.format("delta").load(path).collect()]
    key = lambda row: tuple(str(row[name]) for name in sorted(row))  # noqa: E731
    assert without_spark and sorted(without_spark, key=key) == sorted(with_spark, key=key)
