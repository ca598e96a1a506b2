"""Account registration CSV lines -> typed accounts, each with a reject reason or null."""

from __future__ import annotations

import re
from collections.abc import Collection

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.quarantine import REASON, blank_to_null, first_reason, flag_duplicates
from transforms.vocabulary import REGIONS

ACCOUNT_FIELDS = (
    "account_id",
    "username",
    "email",
    "full_name",
    "phone",
    "company",
    "country",
    "region",
    "timezone",
    "plan",
    "created_at",
    "birth_date",
    "marketing_consent",
    "do_not_sell",
    "password_hash",
)
_CSV_SCHEMA = ", ".join(f"`{name}` STRING" for name in ACCOUNT_FIELDS)
# What a time-zone id is made of (java.time's ~600 ids: `America/Port-au-Prince`, `Etc/GMT+5`).
_ZONE_ID = re.compile(r"[A-Za-z0-9/_+-]+")


def _flag(col):
    lowered = F.lower(col)
    return F.when(lowered.isin("true", "1", "yes"), True).when(lowered.isin("false", "0", "no"), False)


def _is_known_zone(col_name: str, zones: Collection[str]) -> Column:
    """`col_name IN (zones)` as one SQL expression: one gateway call, where `isin` makes one
    per literal (~600 here: ~1 s per ingest on a slow machine). Spark plans a hash set either way."""
    odd = sorted(zone for zone in zones if not _ZONE_ID.fullmatch(zone))
    if odd:
        raise ValueError(f"not a time-zone id: {odd[0]!r}")
    listed = ", ".join(f"'{zone}'" for zone in sorted(zones))
    return F.expr(f"`{col_name}` IN ({listed})")


def parse_account_lines(lines_df: DataFrame, valid_timezones: Collection[str]) -> DataFrame:
    """One row per data line (the header line excluded): the typed account and a reject reason.

    Input grain: one row per line (`source_file`, `line_number`, `value`) of a CSV with header.
    """
    parsed = F.from_csv(F.col("value"), _CSV_SCHEMA, {"mode": "PERMISSIVE"})
    raw_df = lines_df.where(F.col("line_number") > 1).select(
        "source_file",
        "line_number",
        "value",
        *(blank_to_null(parsed[name]).alias(name) for name in ACCOUNT_FIELDS),
    )
    created_at = F.try_to_timestamp("created_at")
    birth_date = F.try_to_date("birth_date")
    typed_df = raw_df.select(
        "source_file",
        "line_number",
        "value",
        *(name for name in ACCOUNT_FIELDS if name not in _TYPED_NAMES),
        created_at.alias("created_at"),
        birth_date.alias("birth_date"),
        _flag(F.col("marketing_consent")).alias("marketing_consent"),
        _flag(F.col("do_not_sell")).alias("do_not_sell"),
        first_reason(
            (F.coalesce(F.trim("value"), F.lit("")) == "", "blank line"),
            (F.col("account_id").isNull(), "missing account_id"),
            (F.col("timezone").isNull(), "missing timezone"),
            (~_is_known_zone("timezone", valid_timezones), "unknown timezone"),
            (~F.col("region").isin(*REGIONS) | F.col("region").isNull(), "unknown region"),
            (F.col("created_at").isNotNull() & created_at.isNull(), "invalid created_at"),
            (F.col("birth_date").isNotNull() & birth_date.isNull(), "invalid birth_date"),
        ).alias(REASON),
    )
    return typed_df.transform(flag_duplicates, "account_id", ["source_file", "line_number"])


_TYPED_NAMES = ("created_at", "birth_date", "marketing_consent", "do_not_sell")
