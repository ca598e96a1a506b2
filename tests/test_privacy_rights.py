"""Privacy requests, Do Not Sell, access reports and the minors queue, on one small lake."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
from pathlib import Path

import pytest
from delta.tables import DeltaTable
from pyspark.sql import functions as F

from jobs.config.keys import privacy_key
from jobs.lake.frames import local_frame
from jobs.lake.layout import Lake
from tests.lock_holder import holding_the_lock
from tests.rights_fixtures import (
    ACCESS_ACCOUNT,
    ERASED,
    MINOR,
    OPTED_OUT_AT_REGISTRATION,
    OPTED_OUT_BY_REQUEST,
    REGULAR,
    build_rights_landing,
    run_cli,
    write_requests,
)
from transforms.parse_requests import parse_request_lines
from transforms.privacy import account_privacy_state

KEY = "rights-test-key-0123456789abcdef"
# The research recipient's usage_by_time_of_day is compared with the sale's; its daily_usage was not read.
RECIPIENTS = """recipients:
  - name: open-research
    kind: research
    datasets: [usage_by_time_of_day]
  - name: data-buyer
    kind: sale
    datasets: [usage_by_time_of_day, daily_usage]
"""


@pytest.fixture(scope="module")
def rights_lake(tmp_path_factory, spark):
    root = tmp_path_factory.mktemp("rights")
    build_rights_landing(root / "landing")
    recipients = root / "recipients.yaml"
    recipients.write_text(RECIPIENTS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOLLGATE_HMAC_KEY", KEY)
        assert run_cli("run", root, "--recipients", str(recipients)) == 0
        yield root, recipients


def _manifests(root: Path, recipient: str, dataset: str) -> list[dict]:
    folders = sorted((root / "exports" / recipient / dataset).iterdir())
    return [json.loads((folder / "manifest.json").read_text()) for folder in folders]


def _cells(spark, root: Path, recipient: str) -> list[tuple]:
    folder = sorted((root / "exports" / recipient / "usage_by_time_of_day").iterdir())[-1]
    rows = spark.read.parquet(str(folder / "data")).collect()
    return sorted((row.access_type, row.participant_legs, row.distinct_accounts) for row in rows)


def test_request_parser_types_kinds_and_rejects_with_a_reason(spark):
    lines = [
        '{"request_id": "r1", "kind": "erasure", "account_id": "a1", "received_at": "2026-11-03T10:00:00Z"}',
        '{"request_id": "r2", "kind": "sell_everything", "account_id": "a1", "received_at": "2026-11-03T10:00:00Z"}',
        '{"request_id": "r3", "kind": "access", "account_id": null, "received_at": "2026-11-03T10:00:00Z"}',
        '{"request_id": "r4", "kind": "access", "account_id": "a1", "received_at": "yesterday"}',
        '{"request_id": "r1", "kind": "access", "account_id": "a2", "received_at": "2026-11-03T10:00:00Z"}',
        '{"request_id": "r5", "kind"',
        "",
    ]
    lines_df = local_frame(
        spark,
        [("r.jsonl", n + 1, v) for n, v in enumerate(lines)],
        "source_file string, line_number long, value string",
    )
    got = {row.line_number: row.reject_reason for row in parse_request_lines(lines_df).collect()}
    assert got == {
        1: None,
        2: "unknown kind",
        3: "missing account_id",
        4: "invalid received_at",
        5: "duplicate request_id",
        6: "malformed JSON",
        7: "blank line",
    }
    empty_df = lines_df.limit(0)
    assert parse_request_lines(empty_df).count() == 0


def test_privacy_state_follows_the_latest_sale_request_and_consent_withdrawal(spark):
    accounts = local_frame(
        spark,
        [("a1", False, True, None, None), ("a2", True, True, None, None), ("a3", None, None, None, None)],
        "account_id string, do_not_sell boolean, marketing_consent boolean, birth_date date, created_at timestamp",
    )
    requests = spark.sql("""SELECT * FROM VALUES
        ('a1', 'opt_out_of_sale', TIMESTAMP'2026-11-01 10:00:00'),
        ('a1', 'opt_in_to_sale', TIMESTAMP'2026-11-02 10:00:00'),
        ('a2', 'opt_in_to_sale', TIMESTAMP'2026-11-01 10:00:00'),
        ('a2', 'withdraw_marketing_consent', TIMESTAMP'2026-11-01 09:00:00'),
        ('a2', 'access', TIMESTAMP'2026-11-05 09:00:00'),
        (NULL, 'opt_out_of_sale', TIMESTAMP'2026-11-01 10:00:00')
        AS t(account_id, kind, received_at)""")
    got = {
        row.account_id: (row.do_not_sell, row.marketing_consent, row.updated_at is not None)
        for row in account_privacy_state(accounts, requests).collect()
    }
    assert got == {"a1": (False, True, True), "a2": (False, False, True), "a3": (False, False, False)}


def test_sale_release_leaves_out_opted_out_accounts_and_says_how_many(rights_lake, spark):
    root, _ = rights_lake
    research, sale = _cells(spark, root, "open-research"), _cells(spark, root, "data-buyer")
    # The app cell: 14 regular accounts, 2 legs each (`run` erased the account asking for it).
    assert research == [("app", 28, 14)]
    assert sale == [("app", 24, 12)]  # without the two opted-out accounts (one by request)
    assert _manifests(root, "data-buyer", "usage_by_time_of_day")[-1]["privacy"]["consent"] == {
        "accounts_excluded": 2,
        "rule": "do_not_sell",
    }
    assert _manifests(root, "open-research", "usage_by_time_of_day")[-1]["privacy"]["consent"] == {
        "accounts_excluded": 0,
        "rule": "none",
    }
    daily = _manifests(root, "data-buyer", "daily_usage")[-1]
    assert "bronze/account_privacy_state" in daily["source_delta_versions"]
    # Its second dataset, made from the same rebuilt cells (computed once per export).
    assert daily["privacy"]["consent"] == {"accounts_excluded": 2, "rule": "do_not_sell"}


def test_an_opt_in_brings_the_account_back_in_the_next_sale_release(rights_lake, spark, tmp_path):
    root, recipients = rights_lake
    requests = (root / "landing" / "privacy_requests" / "requests.jsonl").read_text().splitlines()
    opt_in = {
        "request_id": "pr_optin_1",
        "kind": "opt_in_to_sale",
        "account_id": OPTED_OUT_BY_REQUEST,
        "received_at": "2026-11-04T12:00:00Z",
    }
    write_requests(root / "landing", [*requests, opt_in])
    assert run_cli("ingest", root) == 0
    assert run_cli("export", root, "--recipients", str(recipients), "--recipient", "data-buyer") == 0
    assert _cells(spark, root, "data-buyer") == [("app", 26, 13)]
    assert _manifests(root, "data-buyer", "usage_by_time_of_day")[-1]["privacy"]["consent"]["accounts_excluded"] == 1
    state = spark.read.format("delta").load(Lake(root / "lake").privacy_state)
    assert {r.account_id for r in state.where("do_not_sell").collect()} == {OPTED_OUT_AT_REGISTRATION}
    history = spark.sql(f"DESCRIBE HISTORY delta.`{Lake(root / 'lake').privacy_state}`").count()
    assert history >= 2  # the state's earlier versions are Delta's history


def test_a_run_keeps_the_account_of_an_open_erasure_out_of_its_day_files_and_audits_those_rows(rights_lake, spark):
    """The erasure request lands with the account's legs and web requests: the run's ingest
    keeps them out, so no bronze day file is rewritten to delete them, and the audit counts
    them as erasing after the ingest counts them (tests/test_erasure.py: 4 legs, 1 request)."""
    root, _ = rights_lake
    lake = Lake(root / "lake")
    audit = {
        row.table_name: row.rows
        for row in spark.read.format("delta").load(lake.privacy_audit).where(F.col("action") == "erasure").collect()
    }
    assert audit["bronze/cdr_legs"] == 4 and audit["bronze/usage_log"] == 1
    assert audit["bronze/accounts"] == 1 and audit["bronze/quarantine"] >= 1 and audit["silver/cdr_legs"] == 0
    for table in (lake.bronze_cdr, lake.bronze_usage):
        operations = [row.operation for row in DeltaTable.forPath(spark, table).history().collect()]
        assert set(operations) == {"WRITE"}, operations  # written by ingest (another test re-ingests), never merged
    legs = spark.read.format("delta").load(lake.bronze_cdr)
    assert legs.where(F.col("account_id") == ERASED["account_id"]).count() == 0


def test_access_report_lists_the_accounts_legs_and_usage_and_nothing_of_anyone_else(rights_lake, capsys):
    root, _ = rights_lake
    out = root / "access" / "acct-001.json"
    # The nightly run holds the lake lock: the privacy officer's access and requests still work.
    holder = holding_the_lock(root / "lake")
    try:
        assert run_cli("access", root, "--account", ACCESS_ACCOUNT, "--out", str(out)) == 0
        assert run_cli("requests", root) == 0
        assert "pr_access_1" in capsys.readouterr().out
        assert holder.poll() is None  # the lock was held throughout
    finally:
        holder.communicate("")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    document = json.loads(out.read_text())
    tables = {table["table"]: table for table in document["tables"]}
    assert tables["bronze/cdr_legs"]["rows"] == 2 and tables["silver/cdr_legs"]["rows"] == 2
    assert {r["leg_id"] for r in tables["bronze/cdr_legs"]["records"]} == {
        f"leg-{ACCESS_ACCOUNT}-0",
        f"leg-{ACCESS_ACCOUNT}-1",
    }
    assert tables["bronze/usage_log"]["rows"] == 1 and tables["bronze/accounts"]["rows"] == 1
    assert tables["bronze/privacy_requests"]["records"][0]["request_id"] == "pr_access_1"
    text = out.read_text()
    others = [a for a in REGULAR if a != ACCESS_ACCOUNT] + [ERASED["account_id"], MINOR]
    assert [a for a in others if a in text] == []
    assert ERASED["email"] not in text and "203.0.113.9" not in text


def test_minor_never_reaches_silver_and_waits_in_the_privacy_queue_by_hash(rights_lake, spark):
    root, _ = rights_lake
    lake = Lake(root / "lake")
    assert spark.read.format("delta").load(lake.bronze_cdr).where(F.col("account_id") == MINOR).count() == 1
    minor_hash = hmac.new(privacy_key(KEY.encode()), MINOR.encode(), hashlib.sha256).hexdigest()
    assert spark.read.format("delta").load(lake.privacy_state).where(F.col("is_minor")).count() == 1
    queue = spark.read.format("delta").load(lake.privacy_queue).collect()
    assert [(row.account_hash, row.item) for row in queue] == [(minor_hash, "minor at registration")]
    silver_accounts = spark.read.format("delta").load(lake.silver_cdr).select("account_pseudonym").distinct().count()
    assert silver_accounts == len(REGULAR)  # not the minor (and not the erased account)


def test_no_subprocessor_extract_holds_a_minors_rows(rights_lake, spark, tmp_path):
    root, _ = rights_lake
    recipients = tmp_path / "recipients.yaml"
    recipients.write_text(
        "recipients:\n  - name: devtools\n    kind: subprocessor\n    role: development\n    datasets: [cdr_extract]\n"
    )
    assert run_cli("export", root, "--recipients", str(recipients)) == 0
    [release] = (root / "exports" / "devtools" / "cdr_extract").iterdir()
    assert json.loads((release / "manifest.json").read_text())["row_count"] == 2 * len(REGULAR)  # no minor leg


def test_a_dataset_without_regions_goes_only_to_a_recipient_of_every_region(tmp_path):
    from jobs.config.recipients import load_recipients
    from jobs.errors import ConfigError

    path = tmp_path / "recipients.yaml"
    path.write_text(
        "recipients:\n  - name: eu-only\n    kind: research\n    datasets: [web_usage_by_hour]\n    regions: [eu]\n"
    )
    with pytest.raises(ConfigError, match="web_usage_by_hour has no region column"):
        load_recipients(path, k_floor=5)
    path.write_text(
        "recipients:\n  - name: eu-only\n    kind: research\n    datasets: [daily_usage]\n    regions: [eu]\n"
    )
    assert load_recipients(path, k_floor=5)["eu-only"].regions == ("eu",)
