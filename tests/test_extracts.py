"""Subprocessor extracts: each role gets exactly its allow-list; cards and passwords are
checked by name and by value (Luhn, hash shapes) on the files as written. What the policy and
a recipient may ask for, checked before any work: tests/test_extract_rules.py."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from expectations.extract_gate import validate_extract
from jobs.commands.cli import main
from jobs.lake.frames import local_frame
from jobs.lake.layout import Lake
from jobs.release.ledger import read_ledger
from jobs.release.verify import verify_release
from tests.landing_fixtures import account, leg, write_accounts, write_cdr
from tests.test_billing import billing_row, write_billing
from tests.test_extract_rules import CARD_US, DEV, KEY, _export, _recipients, _subprocessors_with
from transforms.detectors import looks_like_card
from transforms.extracts import looks_like_password_hash

DAY, START, END = "2026-11-03", "2026-11-03T09:00:00-05:00", "2026-11-03T09:10:00-05:00"
CARDS = {"acct-us-1": "4539148803436467", "acct-us-2": "5555555555554444", "acct-eu-1": "378282246310005"}
CARD_IN_NAME = "Card 4539 1488 0343 6467 on file"  # planted in a CDR field development does not get
CARD_IN_ADDRESS = "Planted 4111 1111 1111 1111 Street"  # planted in the eu account's billing address
CARD_CHECK = "expect_column_values_to_hold_no_card_number"
DEV_CDR = [
    "leg_pseudonym",
    "conference_pseudonym",
    "account_pseudonym",
    "access_type",
    "user_agent",
    "country",
    "region",
    "product",
    "start_time",
    "end_time",
    "duration_s",
    "recorded",
    "transcribed",
    "mos",
    "rating",
]
CARD_BILLING = [
    "transaction_id",
    "account_pseudonym",
    "card_number",
    "card_expiry",
    "cardholder_name",
    "billing_address",
    "amount",
    "currency",
    "created_at",
]


@pytest.fixture(scope="module")
def extracts(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("extracts")
    landing = root / "landing"
    write_accounts(
        landing,
        [account("acct-us-1"), account("acct-us-2"), account("acct-eu-1", region="eu", timezone="Europe/Dublin")],
    )
    legs = [leg(f"leg-{n}", acct, START, END, region=acct.split("-")[1]) for n, acct in enumerate(CARDS)]
    legs[0]["participant_name"] = CARD_IN_NAME
    write_cdr(landing, DAY, legs)
    write_billing(
        landing,
        [
            billing_row(
                f"txn-{acct}", acct, card_number=card, billing_address=CARD_IN_ADDRESS if "eu" in acct else "1 Main St"
            )
            for acct, card in CARDS.items()
        ],
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOLLGATE_HMAC_KEY", KEY)
        assert main(["ingest", "--landing", str(landing), "--lake", str(root / "lake")]) == 0
        assert _export(root, _recipients(root / "recipients.yaml", DEV, CARD_US)) == 0
    return root


def _release(root: Path, recipient: str, dataset: str, exports: str = "exports") -> Path:
    [release] = (root / exports / recipient / dataset).iterdir()
    return release


def _read(spark, release: Path):
    return spark.read.parquet(str(release / "data"))


def _luhn_hits(spark, df, skip=()) -> dict[str, int]:
    text = [f.name for f in df.schema.fields if f.dataType.simpleString() == "string" and f.name not in skip]
    row = df.select(*(F.count_if(looks_like_card(F.col(c))).alias(c) for c in text)).first()
    return row.asDict()


def _every_byte(folder: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_development_extract_has_no_password_or_card_by_name_or_by_luhn(spark, extracts):
    for dataset in ("accounts_extract", "cdr_extract"):
        release = _release(extracts, "devtools", dataset)
        assert verify_release(release) == []
        df = _read(spark, release)
        assert not [c for c in df.columns if re.search("password|passwd|card|pan", c)]
        hits = _luhn_hits(spark, df)
        assert hits and set(hits.values()) == {0}, "every string column scanned, no card"
        assert df.where(F.exists(F.array(*map(F.col, hits)), looks_like_password_hash)).count() == 0
    assert _read(spark, _release(extracts, "devtools", "cdr_extract")).columns == DEV_CDR
    every_byte = _every_byte(extracts / "exports" / "devtools")
    for planted in (*CARDS.values(), "4539 1488 0343 6467", "4111 1111", "$2b$12$", "acct-us-1"):
        assert planted.encode() not in every_byte
    assert not (extracts / "exports" / "devtools" / "billing_extract").exists()


def test_card_processor_extract_holds_card_data_only_in_its_card_columns(spark, extracts):
    assert sorted(p.name for p in (extracts / "exports" / "payments").iterdir()) == ["billing_extract"]
    release = _release(extracts, "payments", "billing_extract")
    assert verify_release(release) == []
    df = _read(spark, release)
    assert df.columns == CARD_BILLING
    # Region us only: the eu account's transaction (and the card in its address) stays home.
    assert sorted(r.card_number for r in df.collect()) == sorted([CARDS["acct-us-1"], CARDS["acct-us-2"]])
    assert df.where(looks_like_card(F.col("card_number"))).count() == 2
    assert set(_luhn_hits(spark, df, skip=("card_number",)).values()) == {0}
    assert sorted(r.transaction_id for r in df.collect()) == ["txn-acct-us-1", "txn-acct-us-2"]


def test_extracts_are_keyed_per_recipient_and_carry_the_risk_report(spark, extracts):
    dev = {r.account_pseudonym for r in _read(spark, _release(extracts, "devtools", "accounts_extract")).collect()}
    card = {r.account_pseudonym for r in _read(spark, _release(extracts, "payments", "billing_extract")).collect()}
    assert len(dev) == 3 and len(card) == 2 and not dev & card, "no pseudonym joins two recipients' extracts"
    manifest = json.loads((_release(extracts, "devtools", "cdr_extract") / "manifest.json").read_text())
    risk = manifest["privacy"]["risk"]
    assert risk["quasi_identifiers"] == ["user_agent", "country", "start_time", "end_time"]
    assert (risk["rows"], risk["k"], risk["share_rows_below_k"]) == (3, 10, 1.0)
    assert manifest["grain"] == ["leg_pseudonym"] and manifest["privacy"]["role"] == "development"
    # The privacy state is read to leave minors out (policy point 6).
    assert sorted(manifest["source_delta_versions"]) == ["bronze/account_privacy_state", "bronze/cdr_legs"]


def _ledger_failures(spark, root: Path, recipient: str) -> set[tuple[str, str]]:
    rows = read_ledger(spark, Lake(root / "lake")).where(F.col("recipient") == recipient)
    [row] = rows.collect()
    assert row.status == "refused"
    return {(f.column, f.expectation) for f in row.failures}


def test_card_in_a_field_development_keeps_is_refused_with_exit_3(spark, extracts, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", KEY)
    # Allowed by the policy (not a card or password column), and it holds a planted card.
    policy = _subprocessors_with(tmp_path, lambda s: s["development"]["cdr"].append("participant_name"))
    wide_dev = {**DEV, "name": "devtools-wide", "datasets": ["cdr_extract"]}
    code = _export(extracts, _recipients(tmp_path / "r.yaml", wide_dev), "exports-wide", "--policy", str(policy))
    assert code == 3
    assert not (extracts / "exports-wide" / "devtools-wide").exists()
    assert _ledger_failures(spark, extracts, "devtools-wide") == {("participant_name", CARD_CHECK)}
    printed = capsys.readouterr()
    assert "4539" not in printed.out + printed.err


def test_card_outside_the_card_columns_is_refused_even_for_the_card_processor(spark, extracts, tmp_path, monkeypatch):
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", KEY)
    everywhere = {**CARD_US, "name": "payments-all", "regions": ["us", "eu"]}
    assert _export(extracts, _recipients(tmp_path / "r.yaml", everywhere), "exports-all") == 3
    assert not (extracts / "exports-all" / "payments-all").exists()
    assert _ledger_failures(spark, extracts, "payments-all") == {("billing_address", CARD_CHECK)}


def test_extract_gate_flags_names_and_values_without_quoting_them(spark):
    bcrypt = "$2b$12$pNlPUBxV2dwPTHnONahHUoh54YT1JoP.RpJE2WRL4OH9ple9ofQdp"
    df = local_frame(
        spark,
        [("ok", "4539148803436467", f"hash {bcrypt}"), (None, None, None)],
        "note string, card_number string, comment string",
    )
    result = validate_extract(df, "t.dev", ["note", "card_number", "comment"], may_hold_cards=False)
    assert {(f.column, f.expectation) for f in result.failures} == {
        ("card_number", "expect_table_columns_to_have_no_forbidden_names"),
        ("card_number", CARD_CHECK),
        ("comment", "expect_column_values_to_hold_no_password_hash"),
    }
    assert "4539" not in json.dumps(result.to_dict()) and "$2b$" not in json.dumps(result.to_dict())
    as_processor = validate_extract(
        df.select("note", "card_number"),
        "t.card",
        ["note", "card_number"],
        may_hold_cards=True,
        card_columns=("card_number",),
    )
    assert as_processor.success


def test_an_extract_of_a_source_never_ingested_is_a_configuration_error(spark, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", KEY)
    with caplog.at_level(logging.ERROR, logger="tollgate"):
        assert _export(tmp_path, _recipients(tmp_path / "r.yaml", CARD_US)) == 2
    assert "no bronze billing table for the billing extract" in caplog.text
