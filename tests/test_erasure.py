"""Erasure leaves no readable trace in the lake, stays erased through a re-run, and is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging

import pytest
from pyspark.sql import functions as F

from jobs.config.keys import privacy_key, silver_key
from jobs.lake.frames import local_frame
from jobs.lake.layout import BRONZE_USAGE, Lake
from jobs.privacy.subjects import SUBJECT_TABLES
from jobs.rights.erase import _erase_table
from jobs.rights.requests import request_status
from jobs.stages.ingest_report import IngestReport
from tests.leak_scan import every_byte_and_value, leaked_forms, normalised_forms
from tests.log_capture import Messages
from tests.rights_fixtures import ERASED, build_rights_landing, run_cli
from transforms.privacy import subject_identifiers

KEY = "erasure-test-key-0123456789abcdef"


def _hex_hmac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _traces() -> set[str]:
    """The erased account's identifiers in every normalised form, and its silver pseudonym."""
    forms = set()
    for value in ERASED.values():
        forms |= normalised_forms(value)
    forms.add(_hex_hmac(silver_key(KEY.encode()), ERASED["account_id"]))
    return forms


@pytest.fixture(scope="module")
def erased_lake(tmp_path_factory, spark):
    root = tmp_path_factory.mktemp("erasure")
    build_rights_landing(root / "landing")
    requests_file = root / "landing" / "privacy_requests" / "requests.jsonl"
    landed = requests_file.read_text(encoding="utf-8").splitlines(keepends=True)
    # The erasure request lands only after the last ingest: `erase` alone must take it in.
    requests_file.write_text("".join(line for line in landed if '"pr_erase_1"' not in line), encoding="utf-8")
    messages = Messages()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOLLGATE_HMAC_KEY", KEY)
        # The stages one by one, so the lake holds the account before `erase` (run erases too).
        for stage in ("ingest", "anonymize", "aggregate"):
            assert run_cli(stage, root) == 0
        before = leaked_forms(_traces(), every_byte_and_value(root / "lake"))
        bronze_versions = _version_count(spark, Lake(root / "lake").bronze_cdr)
        requests_file.write_text("".join(landed), encoding="utf-8")
        logging.getLogger("tollgate").addHandler(messages)
        try:
            assert run_cli("erase", root) == 0
        finally:
            logging.getLogger("tollgate").removeHandler(messages)
        after_erase = leaked_forms(_traces(), every_byte_and_value(root / "lake"))
        yield root, before, after_erase, bronze_versions, patch, messages.messages


def _version_count(spark, path: str) -> int:
    return spark.sql(f"DESCRIBE HISTORY delta.`{path}`").count()


def test_erase_alone_takes_in_a_request_that_landed_after_the_last_ingest(erased_lake):
    *_, messages = erased_lake
    assert any(m.startswith("erase: 1 erasure request(s) applied;") for m in messages), messages
    assert "erase: 0 erasure request(s) still open" in messages
    # The broken request line is named by its reason, never by its text.
    unread = [m for m in messages if "privacy request line(s) not applied" in m]
    assert len(unread) == 1 and unread[0].startswith("erase: 1 ") and ERASED["account_id"] not in unread[0]


def test_the_scan_sees_the_account_before_erasure(erased_lake):
    _, before, _, _, _, _ = erased_lake
    # Control: without erasure, the raw scan finds the account in bronze and silver.
    assert ERASED["email"] in before and ERASED["account_id"] in before
    assert _hex_hmac(silver_key(KEY.encode()), ERASED["account_id"]) in before


def test_no_file_under_the_lake_holds_any_trace_after_erasure(erased_lake):
    root, _, after_erase, _, _, _ = erased_lake
    assert after_erase == []
    # The scan can still read the lake: other accounts are there, in bronze and Delta logs.
    every = every_byte_and_value(root / "lake")
    assert b"acct-000@example.org" in every and b"user_acct-001" in every
    assert any(path.suffix == ".json" for path in (root / "lake").rglob("_delta_log/*.json"))


def test_time_travel_to_before_the_erasure_fails(erased_lake, spark):
    root, _, _, versions, _, _ = erased_lake
    lake = Lake(root / "lake")
    assert versions >= 1
    try:
        rows = (
            spark.read.format("delta")
            .option("versionAsOf", 0)
            .load(lake.bronze_cdr)
            .where(F.col("account_id") == ERASED["account_id"])
            .count()
        )
    except Exception as error:
        assert "FILE_NOT_EXIST" in str(error), type(error).__name__
    else:
        assert rows == 0


def test_other_accounts_keep_their_rows_and_gold_is_rebuilt(erased_lake, spark):
    root, _, _, _, _, _ = erased_lake
    lake = Lake(root / "lake")
    bronze = spark.read.format("delta").load(lake.bronze_cdr)
    # 14 accounts x 2 legs + the minor's leg; the erased account's 3 legs and the leg it joined are gone.
    assert bronze.count() == 29
    assert bronze.where(F.col("leg_id") == "leg-guest").count() == 0
    silver = spark.read.format("delta").load(lake.silver_cdr)
    assert silver.count() == 28  # the minor never reaches silver
    gold = spark.read.format("delta").load(lake.gold("usage_by_time_of_day")).collect()
    assert [(row.participant_legs, row.distinct_accounts) for row in gold] == [(28, 14)]


def test_requests_keep_only_a_keyed_hash_and_the_audit_records_each_table(erased_lake, spark):
    root, _, _, _, _, _ = erased_lake
    lake = Lake(root / "lake")
    account_hash = _hex_hmac(privacy_key(KEY.encode()), ERASED["account_id"].lower())
    request = spark.read.format("delta").load(lake.privacy_requests).where("request_id = 'pr_erase_1'").first()
    assert request.account_id is None and request.account_hash == account_hash
    audit = {
        row.table_name: row.rows
        for row in spark.read.format("delta")
        .load(lake.privacy_audit)
        .where("request_id = 'pr_erase_1' AND action = 'erasure'")
        .collect()
    }
    assert audit["bronze/cdr_legs"] == 4 and audit["bronze/accounts"] == 1 and audit["bronze/billing"] == 1
    assert audit["bronze/usage_log"] == 1 and audit["silver/cdr_legs"] == 3 and audit["bronze/quarantine"] >= 2
    status = {row.request_id: row.status for row in request_status(spark, lake).collect()}
    assert status["pr_erase_1"] == "done" and status["pr_access_1"] == "open" and status["pr_optout_1"] == "applied"


def test_erasing_again_does_nothing_and_a_rerun_of_the_landing_brings_nothing_back(erased_lake, spark):
    root, _, _, _, _, _ = erased_lake
    lake = Lake(root / "lake")
    audit_rows = spark.read.format("delta").load(lake.privacy_audit).count()
    assert run_cli("erase", root) == 0
    assert spark.read.format("delta").load(lake.privacy_audit).count() == audit_rows
    # The same landing files, the erased account's lines and all; one release is enough here,
    # since the scan is of the lake (exports hold aggregates, checked elsewhere).
    recipients = root / "one-release.yaml"
    recipients.write_text("recipients:\n  - {name: r, kind: research, datasets: [usage_by_time_of_day]}\n")
    assert run_cli("run", root, "--recipients", str(recipients)) == 0
    assert leaked_forms(_traces(), every_byte_and_value(root / "lake")) == []
    assert spark.read.format("delta").load(lake.bronze_cdr).count() == 29


def test_the_erase_of_a_run_searches_every_row_but_those_its_ingest_wrote_from_checked_files(spark, tmp_path):
    """`tollgate run`'s ingest kept the open requests' accounts out of the files it read; its
    erase skips the rows it wrote from them, and still finds the account in a file of an
    earlier run, and in an earlier run's rows of a checked file (a path read twice)."""
    lake = Lake(tmp_path / "lake")
    checked, earlier = "usage/date=2026-11-03/access.log", "usage/date=2026-11-02/access.log"
    started = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)
    before, after = started - dt.timedelta(days=1), started + dt.timedelta(seconds=5)
    usage_df = local_frame(
        spark,
        [
            (checked, 1, "ada_l", after),  # written by this ingest: checked as it was read
            (checked, 2, "Ada_L", before),  # an earlier run's row of the same path: not checked
            (earlier, 1, "ADA_L", before),
            (earlier, 2, "bob", before),
        ],
        "source_file string, line_number int, remote_user string, ingested_at timestamp",
    ).withColumn("landing_date", F.to_date(F.regexp_extract("source_file", r"date=([\d-]+)", 1)))
    usage_df.write.format("delta").partitionBy("landing_date").save(lake.bronze_usage)
    accounts_df = local_frame(
        spark, [("acct-1", None, "ada_l", None)], "account_id string, email string, username string, phone string"
    )
    subjects_df = subject_identifiers(accounts_df, privacy_key(KEY.encode()))
    [table] = [table for table in SUBJECT_TABLES if table.name == BRONZE_USAGE]
    ingested = IngestReport(checked_for_erasures={BRONZE_USAGE: {checked}}, started_at=started)
    table_df = spark.read.format("delta").load(lake.bronze_usage)
    counts, days = _erase_table(spark, lake, subjects_df, table, table_df, ingested)
    assert sum(counts.values()) == 2 and days == {dt.date(2026, 11, 2), dt.date(2026, 11, 3)}
    left = spark.read.format("delta").load(lake.bronze_usage).select("source_file", "line_number").collect()
    assert sorted(tuple(row) for row in left) == [(earlier, 2), (checked, 1)]
