"""Keyed pseudonyms with Spark built-ins only: HMAC-SHA256 as two SHA-256 passes."""

from __future__ import annotations

import hashlib
import hmac

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.generalize import e164
from transforms.per_value import map_distinct

_BLOCK_SIZE = 64  # SHA-256 block size in bytes (RFC 2104)


def _padded_key(key: bytes) -> bytes:
    if len(key) > _BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    return key.ljust(_BLOCK_SIZE, b"\x00")


def hmac_sha256(col: Column, key: bytes) -> Column:
    """Lowercase hex HMAC-SHA256 of the column's UTF-8 bytes; null stays null.

    The key pads are computed here, once, and enter the plan as binary literals, so the
    per-row work is two built-in `sha2` calls and no Python UDF. The literals live only in
    the query plan of this process; Tollgate never logs plans.

    >>> df.select(hmac_sha256(F.col("account_id"), key).alias("account_pseudonym"))
    """
    if not key:
        raise ValueError("an HMAC key must not be empty")
    padded = _padded_key(key)
    inner_pad = F.lit(bytes(b ^ 0x36 for b in padded))
    outer_pad = F.lit(bytes(b ^ 0x5C for b in padded))
    inner_digest = F.unhex(F.sha2(F.concat(inner_pad, F.encode(col, "UTF-8")), 256))
    return F.when(col.isNull(), F.lit(None)).otherwise(F.sha2(F.concat(outer_pad, inner_digest), 256))


def derive_key(master_key: bytes, purpose: str) -> bytes:
    """A key for one purpose (silver ids, daily visitor hashes, one recipient).

    Pseudonyms made with different purposes cannot be joined with each other.
    """
    return hmac.new(master_key, purpose.encode("utf-8"), hashlib.sha256).digest()


EMAIL_COLUMNS = frozenset({"email", "participant_email"})
PHONE_COLUMNS = frozenset({"phone", "caller_number", "access_number"})


def international_number(number: str | None) -> str | None:
    """+44 20 7946 0958, 00442079460958 and +442079460958 -> +442079460958; a number with
    no country prefix keeps its digits only (its country is not known here)."""
    if not number:
        return None
    return e164(number.strip(), None) or "".join(ch for ch in number if ch.isdigit()) or None


def keyed_pseudonym(col: Column, column: str, key: bytes) -> Column:
    """The keyed pseudonym of `col`, values of the identifier `column`, normalized first so the
    same person gets the same pseudonym whatever the source wrote: emails trimmed and
    lowercased, other identifiers trimmed. Phone numbers need a parser: see with_pseudonym."""
    if column in PHONE_COLUMNS:
        raise ValueError(f"{column} is a phone number: pseudonymize it with with_pseudonym")
    normalized = F.lower(F.trim(col)) if column in EMAIL_COLUMNS else F.trim(col)
    return hmac_sha256(normalized, key)


def with_pseudonym(df: DataFrame, column: str, target: str, key: bytes) -> DataFrame:
    """Replace `column` by `target`, the keyed pseudonym of its normalized value (phone
    numbers in E.164, parsed once per distinct value; the rest as keyed_pseudonym says)."""
    if column in PHONE_COLUMNS:
        normalized_df = map_distinct(df, column, international_number, {"_normalized": "string"})
        return normalized_df.withColumn(target, hmac_sha256(F.col("_normalized"), key)).drop("_normalized")
    return df.withColumn(target, keyed_pseudonym(F.col(column), column, key)).drop(column)
