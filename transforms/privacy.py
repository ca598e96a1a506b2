"""People's rights as DataFrame functions: the current privacy state of each account, and
which records of any table mention a data subject.

A subject is kept by the keyed hashes of its identifiers (account id, email, username,
phone); the plaintext is needed only while a request is applied. Every table is matched on
the same normalized identifiers: by value while a request is applied (`tollgate erase`,
`tollgate access`, and `tollgate run`'s ingest for its open erasure requests: the subject's
own identifiers are in hand, and the table's values need no hashing), and by keyed hash
once it is done (the suppression list, which holds no plaintext, keeps an erased account
out of every later ingest).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.pseudonymize import hmac_sha256
from transforms.silver import is_minor_at_registration

# Per source: column -> identifier kind. The kinds share one normalization per kind.
IDENTIFIER_COLUMNS: Mapping[str, Mapping[str, str]] = {
    "accounts": {"account_id": "account_id", "email": "email", "username": "username", "phone": "phone"},
    "cdr": {"account_id": "account_id", "participant_email": "email", "caller_number": "phone"},
    "usage": {"remote_user": "username"},
    "billing": {"account_id": "account_id"},
    "privacy_requests": {"account_id": "account_id"},
}
# Free text that may quote an identifier anywhere (a raw quarantined line, a URL's query).
TEXT_COLUMNS: Mapping[str, Sequence[str]] = {"cdr": ("notes",), "usage": ("url",), "quarantine": ("raw_record",)}
# What separates identifiers inside free text: anything but letters, digits and @ . _ + -.
_TOKEN_SEPARATOR = r"[^\p{L}\p{N}@._+-]+"
_EDGE_PUNCTUATION = r"^[._+-]+|[._+-]+$"
SALE_KINDS = ("opt_out_of_sale", "opt_in_to_sale")


def normalized_identifier(col: Column, kind: str) -> Column:
    """The form an identifier is hashed in: phone numbers as digits without a leading 00
    (+44 20 7946 0958 and 0044 20 7946 0958 agree), everything else trimmed and lowercased."""
    if kind == "phone":
        digits = F.regexp_replace(col, r"[^0-9]", "")
        return F.nullif(F.regexp_replace(digits, r"^00", ""), F.lit(""))
    return F.nullif(F.lower(F.trim(col)), F.lit(""))


def identifier_hash(col: Column, kind: str, key: bytes) -> Column:
    return hmac_sha256(normalized_identifier(col, kind), key)


def subject_identifiers(accounts_df: DataFrame, key: bytes) -> DataFrame:
    """Grain: one row per (account, identifier): `account_hash` (of the account id), `kind`,
    `identifier` (normalized, as it is hashed) and `identifier_hash`, for each row of bronze
    accounts; null identifiers skipped. The plaintext is for the moment a request is applied."""
    kinds = IDENTIFIER_COLUMNS["accounts"]
    stacked = F.explode(
        F.array(
            *(
                F.struct(F.lit(kind).alias("kind"), normalized_identifier(F.col(column), kind).alias("identifier"))
                for column, kind in kinds.items()
            )
        )
    )
    return (
        accounts_df.select(
            identifier_hash(F.col("account_id"), "account_id", key).alias("account_hash"), stacked.alias("id")
        )
        .select(
            "account_hash",
            "id.kind",
            "id.identifier",
            hmac_sha256(F.col("id.identifier"), key).alias("identifier_hash"),
        )
        .where(F.col("identifier").isNotNull())
    )


def identifier_values(df: DataFrame, source: str, text_columns: Sequence[str] = ()) -> Column:
    """Every normalized identifier a row of `source` could be matched on: each identifier
    column's value, and each word of its free-text columns (percent-encoding decoded);
    `text_columns` adds free-text columns to the source's own (a raw line, say). Never null,
    may be empty, each value once."""
    values = [
        normalized_identifier(F.col(column), kind)
        for column, kind in IDENTIFIER_COLUMNS.get(source, {}).items()
        if column in df.columns
    ]
    arrays = [F.filter(F.array(*values), lambda value: value.isNotNull())] if values else []
    for column in (*TEXT_COLUMNS.get(source, ()), *text_columns):
        if column in df.columns:
            text = F.lower(F.coalesce(F.try_url_decode(F.col(column)), F.col(column)))
            # A sentence's full stop (or a dash, or an underscore) clings to the word before it.
            trimmed = F.transform(
                F.split(F.coalesce(text, F.lit("")), _TOKEN_SEPARATOR),
                lambda word: F.regexp_replace(word, _EDGE_PUNCTUATION, ""),
            )
            arrays.append(F.filter(trimmed, lambda word: word != ""))
    if not arrays:
        return F.array().cast("array<string>")
    return F.array_distinct(F.concat(*arrays)) if len(arrays) > 1 else F.array_distinct(arrays[0])


def identifier_hashes(df: DataFrame, source: str, key: bytes, text_columns: Sequence[str] = ()) -> Column:
    """The keyed hash of each of the row's identifier_values: what the suppression list,
    which holds no plaintext, is matched on."""
    return F.transform(identifier_values(df, source, text_columns), lambda value: hmac_sha256(value, key))


def subject_rows(df: DataFrame, source: str, subjects_df: DataFrame, row_key: Sequence[str]) -> DataFrame:
    """The rows of `df` that mention a subject of `subjects_df` (`account_hash`,
    `identifier`, as subject_identifiers gives them), each with the `subject_hash` it
    mentions: once per (row, subject), whichever of the subject's identifiers matched
    (`row_key` names a row). The same rows as a match by keyed hash, without hashing every
    value of the table: a request names its subject in plaintext when it is applied."""
    candidates_df = df.select("*", F.explode(identifier_values(df, source)).alias("_identifier"))
    wanted_df = F.broadcast(
        subjects_df.select(
            F.col("identifier").alias("_identifier"), F.col("account_hash").alias("subject_hash")
        ).distinct()
    )
    return (
        candidates_df.join(wanted_df, on="_identifier", how="inner")
        .drop("_identifier")
        .dropDuplicates([*row_key, "subject_hash"])
    )


@dataclass(frozen=True)
class Suppression:
    """The keyed hashes of every erased account's identifiers, and the key they were made with."""

    key: bytes
    hashes: tuple[str, ...] = ()

    def mentions(self, df: DataFrame, source: str, text_columns: Sequence[str] = ()) -> Column:
        """True for a row that holds an erased identifier (see identifier_hashes)."""
        if not self.hashes:
            return F.lit(False)
        # One set lookup per identifier: Spark plans IN over more than 10 literals as a hash set
        # (InSet). arrays_overlap with the list as an array literal compared each identifier
        # with every hash, a cost that grew with the list: 500 hashes on 10M legs took 86 s
        # where the set takes 23 s (the whole steady-state ingest: -4%, bench/RESULTS.md).
        return F.exists(identifier_hashes(df, source, self.key, text_columns), lambda h: h.isin(*self.hashes))

    def hash_of(self, col: Column, kind: str) -> Column:
        return identifier_hash(col, kind, self.key)


def account_privacy_state(accounts_df: DataFrame, requests_df: DataFrame) -> DataFrame:
    """Grain: one row per account: `account_id`, `do_not_sell`, `marketing_consent`,
    `updated_at` (of the last request that changed either) and `is_minor`.

    Registration flags first; then the latest opt-out/opt-in of sale decides do_not_sell, and
    a withdrawal of marketing consent turns consent off for good (only the account can give
    it again, through its registration). Requests of unknown accounts change nothing.
    """
    last_df = (
        requests_df.where(F.col("account_id").isNotNull())
        .groupBy("account_id")
        .agg(
            F.max_by("kind", F.when(F.col("kind").isin(*SALE_KINDS), F.col("received_at"))).alias("_sale_kind"),
            F.max(F.when(F.col("kind") == "withdraw_marketing_consent", F.col("received_at"))).alias("_withdrawn_at"),
            F.max(F.when(F.col("kind").isin(*SALE_KINDS, "withdraw_marketing_consent"), F.col("received_at"))).alias(
                "updated_at"
            ),
        )
    )
    joined_df = accounts_df.join(last_df, on="account_id", how="left")
    return joined_df.select(
        "account_id",
        F.coalesce(
            F.when(F.col("_sale_kind") == "opt_out_of_sale", True).when(F.col("_sale_kind") == "opt_in_to_sale", False),
            F.col("do_not_sell"),
            F.lit(False),
        ).alias("do_not_sell"),
        (F.coalesce(F.col("marketing_consent"), F.lit(False)) & F.col("_withdrawn_at").isNull()).alias(
            "marketing_consent"
        ),
        "updated_at",
        F.coalesce(is_minor_at_registration(F.col("birth_date"), F.col("created_at")), F.lit(False)).alias("is_minor"),
    )
