"""Billing: the CSV parser (null row, empty input, malformed rows, quoted line breaks) and its ingest."""

from __future__ import annotations

import csv
import datetime as dt
import logging
from decimal import Decimal
from pathlib import Path

from jobs.commands.cli import main
from jobs.lake.frames import local_frame
from transforms.parse_billing import BILLING_FIELDS, parse_billing_lines

LINES_SCHEMA = "source_file string, line_number bigint, value string"
HEADER = ",".join(BILLING_FIELDS)
CARD = "4539148803436467"  # Luhn-valid
OK = f"txn-1,acct-1,{CARD},01/28,Test Person,1 Main St,15.99,USD,2026-11-02T01:45:44Z"


def billing_row(transaction_id: str, account_id: str, **extra) -> dict:
    row = {
        "transaction_id": transaction_id,
        "account_id": account_id,
        "card_number": CARD,
        "card_expiry": "01/28",
        "cardholder_name": "Test Person",
        "billing_address": "Flat 8\nMorris River\nB83 0SR",
        "amount": "15.99",
        "currency": "USD",
        "created_at": "2026-11-02T01:45:44Z",
    }
    row.update(extra)
    return row


def write_billing(landing: Path, rows: list[dict], extra_lines: tuple[str, ...] = ()) -> Path:
    """billing/billing.csv as the generator writes it (csv module quoting); raw lines appended."""
    path = landing / "billing" / "billing.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=BILLING_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        handle.writelines(line + "\n" for line in extra_lines)
    return path


def _parse(spark, values):
    lines_df = local_frame(spark, [("f", i + 1, v) for i, v in enumerate(values)], LINES_SCHEMA)
    return {row.line_number: row for row in parse_billing_lines(lines_df).collect()}


def test_billing_parser_types_amount_and_time_and_joins_quoted_lines(spark):
    first = f'txn-1,acct-1,{CARD},01/28,Test Person,"Flat 8'
    rows = _parse(spark, [HEADER, first, 'Morris ""Old"" River",15.99,USD,2026-11-02T01:45:44Z'])
    assert set(rows) == {2}, "the header is not a record; the quoted break joins lines 2 and 3"
    got = rows[2]
    assert got.reject_reason is None
    assert got.billing_address == 'Flat 8\nMorris "Old" River'
    assert (got.amount, got.created_at) == (Decimal("15.99"), dt.datetime(2026, 11, 2, 1, 45, 44))
    assert (got.transaction_id, got.card_number, got.card_expiry) == ("txn-1", CARD, "01/28")


def test_billing_parser_null_row_and_empty_input(spark):
    assert _parse(spark, [HEADER, None])[2].reject_reason == "blank line"
    empty_df = local_frame(spark, [], LINES_SCHEMA)
    assert parse_billing_lines(empty_df).count() == 0
    assert parse_billing_lines(empty_df).columns[3:] == [*BILLING_FIELDS, "reject_reason"]


def test_billing_parser_rejects_every_kind_of_bad_record_with_a_reason(spark):
    lines = [
        HEADER,
        OK,
        OK.replace("acct-1", ""),
        OK.replace("15.99", "15,99"),
        OK.replace("15.99", "ten"),
        OK.replace("15.99", "1.999"),
        OK.replace("USD", "usd"),
        OK.replace("Z", ""),
        OK.replace("2026-11-02T01:45:44Z", "2026-13-45T01:00:00Z"),
        OK.replace(CARD, "4539-1488"),
        OK.replace("01/28", "13/28"),
        OK.replace("txn-1", "NULL"),
        OK + ",surplus",
        OK,
        OK.replace("txn-1", "txn-9").replace("1 Main St", '"never closed'),
    ]
    reasons = {n: row.reject_reason for n, row in _parse(spark, lines).items()}
    assert reasons == {
        2: None,
        3: "missing account_id",
        4: "more fields than the header",
        5: "invalid amount",
        6: "invalid amount",
        7: "invalid currency",
        8: "created_at without a UTC offset",
        9: "invalid created_at",
        10: "invalid card_number",
        11: "invalid card_expiry",
        12: "missing transaction_id",
        13: "more fields than the header",
        14: "duplicate transaction_id",
        15: "unterminated quoted field",
    }


def test_billing_ingest_writes_bronze_and_quarantines_rejects_without_logging_values(spark, tmp_path, hmac_key, caplog):
    # Billing alone: with no accounts, CDR or usage files the ingest writes only the billing
    # snapshot and its rejects (no accounts table, no privacy state), twice.
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_billing(
        landing,
        [billing_row("txn-1", "acct-1"), billing_row("txn-2", "acct-1", amount="n/a"), billing_row("txn-1", "acct-1")],
        extra_lines=("",),
    )
    with caplog.at_level(logging.INFO, logger="tollgate"):
        assert main(["ingest", "--landing", str(landing), "--lake", str(lake)]) == 0
    bronze = spark.read.format("delta").load(str(lake / "bronze" / "billing")).collect()
    assert [(r.transaction_id, r.amount, r.line_number, r.landing_date) for r in bronze] == [
        ("txn-1", Decimal("15.99"), 2, None)
    ]
    assert bronze[0].billing_address == "Flat 8\nMorris River\nB83 0SR"
    quarantine = spark.read.format("delta").load(str(lake / "bronze" / "quarantine")).where("source = 'billing'")
    assert sorted((r.line_number, r.reason) for r in quarantine.collect()) == [
        (5, "invalid amount"),
        (8, "duplicate transaction_id"),
        (11, "blank line"),
    ]
    assert "billing" in caplog.text and CARD not in caplog.text and "Morris" not in caplog.text
    # A re-run replaces the snapshot: still one accepted row, three rejects.
    assert main(["ingest", "--landing", str(landing), "--lake", str(lake)]) == 0
    assert spark.read.format("delta").load(str(lake / "bronze" / "billing")).count() == 1
    quarantine = spark.read.format("delta").load(str(lake / "bronze" / "quarantine")).where("source = 'billing'")
    assert quarantine.count() == 3
