"""Billing CSV lines -> typed card transactions, each with a reject reason or null.

Billing addresses span lines inside quotes (`"Flat 8\nMorris River\n..."`), so physical lines
are first joined into CSV records: a record goes on while its quotes are unbalanced.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from transforms.quarantine import REASON, blank_to_null, first_reason, flag_duplicates, has_utc_offset

BILLING_FIELDS = (
    "transaction_id",
    "account_id",
    "card_number",
    "card_expiry",
    "cardholder_name",
    "billing_address",
    "amount",
    "currency",
    "created_at",
)
# Money as an exact decimal: 16 digits before the point covers any JPY or INR invoice.
AMOUNT_TYPE = "decimal(18,2)"
_EXTRA = "_extra_field"  # set only when a record has more fields than the header
_CSV_SCHEMA = ", ".join(f"`{name}` STRING" for name in (*BILLING_FIELDS, _EXTRA))
# RFC 4180: a quote inside a quoted cell is doubled (Python's csv module writes it so).
_CSV_OPTIONS = {"mode": "PERMISSIVE", "quote": '"', "escape": '"'}
_AMOUNT = r"^-?[0-9]{1,16}(\.[0-9]{1,2})?$"
_EXPIRY = r"^(0[1-9]|1[0-2])/([0-9]{2}|[0-9]{4})$"
_CARD = r"^[0-9](?:[ -]?[0-9]){11,18}$"
REQUIRED = ("transaction_id", "account_id", "amount", "currency", "created_at")


def csv_records(lines_df: DataFrame) -> DataFrame:
    """Physical lines -> CSV records: one row per record (`source_file`, `line_number` of its
    first line, `value` with its lines joined by LF). A quote left open runs to the file's end.

    Grain in and out: one row per line / per record of each file.
    """
    by_line = Window.partitionBy("source_file").orderBy("line_number")
    upto_here = by_line.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    quotes = F.length("value") - F.length(F.replace("value", F.lit('"'), F.lit("")))
    counted_df = lines_df.select("*", F.coalesce(quotes, F.lit(0)).alias("_quotes"))
    quotes_before = F.sum("_quotes").over(upto_here) - F.col("_quotes")
    starts_df = counted_df.select("*", (quotes_before % 2 == 0).cast("int").alias("_starts"))
    numbered_df = starts_df.select("*", F.sum("_starts").over(upto_here).alias("_record"))
    lines = F.array_sort(F.collect_list(F.struct("line_number", "value")))
    return (
        numbered_df.groupBy("source_file", "_record")
        .agg(
            F.min("line_number").alias("line_number"),
            # A single null line stays null (the null row), not an empty string.
            F.when(F.count("value") > 0, F.array_join(F.transform(lines, lambda s: s["value"]), "\n")).alias("value"),
            (F.sum("_quotes") % 2 == 1).alias("_unterminated"),
        )
        .drop("_record")
    )


def parse_billing_lines(lines_df: DataFrame) -> DataFrame:
    """One row per CSV record (the header excluded): the typed transaction and a reject reason.

    Input grain: one row per line (`source_file`, `line_number`, `value`) of a CSV with header.
    `amount` is decimal(18,2), `created_at` a timestamp (an offset is required); card
    fields stay strings exactly as received (bronze is the PII zone).
    """
    records_df = csv_records(lines_df).where(F.col("line_number") > 1)
    parsed = F.from_csv(F.col("value"), _CSV_SCHEMA, _CSV_OPTIONS)
    raw_df = records_df.select(
        "source_file",
        "line_number",
        "value",
        "_unterminated",
        parsed[_EXTRA].isNotNull().alias("_too_many_fields"),
        *(blank_to_null(parsed[name]).alias(name) for name in BILLING_FIELDS),
    )
    created_at = F.when(has_utc_offset(F.col("created_at")), F.try_to_timestamp("created_at"))
    amount = F.when(F.col("amount").rlike(_AMOUNT), F.col("amount").try_cast(AMOUNT_TYPE))
    typed_df = raw_df.select(
        "*",
        amount.alias("_amount"),
        created_at.alias("_created_at"),
    )
    return (
        typed_df.select(
            "source_file",
            "line_number",
            "value",
            *(name for name in BILLING_FIELDS if name not in ("amount", "created_at")),
            F.col("_amount").alias("amount"),
            F.col("_created_at").alias("created_at"),
            _reject_reason().alias(REASON),
        )
        .select("source_file", "line_number", "value", *BILLING_FIELDS, REASON)
        .transform(flag_duplicates, "transaction_id", ["source_file", "line_number"])
    )


def _present_but_not(name: str, pattern: str) -> Column:
    return F.col(name).isNotNull() & ~F.col(name).rlike(pattern)


def _reject_reason() -> Column:
    col = F.col
    return first_reason(
        (F.coalesce(F.trim(col("value")), F.lit("")) == "", "blank line"),
        (col("_unterminated"), "unterminated quoted field"),
        (col("_too_many_fields"), "more fields than the header"),
        *((col(name).isNull(), f"missing {name}") for name in REQUIRED),
        (col("_amount").isNull(), "invalid amount"),
        (~col("currency").rlike("^[A-Z]{3}$"), "invalid currency"),
        (~has_utc_offset(col("created_at")), "created_at without a UTC offset"),
        (col("_created_at").isNull(), "invalid created_at"),
        (_present_but_not("card_number", _CARD), "invalid card_number"),
        (_present_but_not("card_expiry", _EXPIRY), "invalid card_expiry"),
    )
