"""Where a data subject's records live, for `tollgate erase` and `tollgate access` alike.

Every table that can hold an account's personal data is listed here once, with how its
rows are matched (transforms/privacy.py: by the subject's normalized identifiers) and what
erasure does to them. Silver is not listed: it is rebuilt from bronze, so it follows bronze
(see jobs/rights/erase.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.config.keys import privacy_key
from jobs.lake.frames import local_frame
from jobs.lake.layout import (
    BRONZE_ACCOUNTS,
    BRONZE_BILLING,
    BRONZE_CDR,
    BRONZE_USAGE,
    PRIVACY_REQUESTS,
    PRIVACY_STATE,
    QUARANTINE,
    Lake,
    is_delta,
)
from transforms.privacy import identifier_hash, normalized_identifier, subject_identifiers


@dataclass(frozen=True)
class SubjectTable:
    """A table that can mention an account; `row_key` identifies one of its rows."""

    name: str  # canonical, as jobs/lake/layout.py names it
    source: str  # the transforms.privacy.IDENTIFIER_COLUMNS entry its columns follow
    row_key: tuple[str, ...]
    on_erase: str = "delete"  # delete | forget (keep the row, null its account_id)

    def path(self, lake: Lake) -> str:
        return lake.path(self.name)


_LINE = ("source_file", "line_number")
SUBJECT_TABLES: tuple[SubjectTable, ...] = (
    SubjectTable(BRONZE_ACCOUNTS, "accounts", _LINE),
    SubjectTable(BRONZE_CDR, "cdr", _LINE),
    SubjectTable(BRONZE_USAGE, "usage", _LINE),
    SubjectTable(BRONZE_BILLING, "billing", _LINE),
    SubjectTable(QUARANTINE, "quarantine", ("source", *_LINE)),
    SubjectTable(PRIVACY_STATE, "accounts", ("account_id",)),
    SubjectTable(PRIVACY_REQUESTS, "privacy_requests", _LINE, on_erase="forget"),
)


def subjects_of(spark: SparkSession, lake: Lake, account_ids: DataFrame, master_key: bytes) -> DataFrame:
    """(`account_hash`, `kind`, `identifier`, `identifier_hash`) of each account in
    `account_ids` (`account_id`): all identifiers of its registration, or its id alone if
    none is held (subject_identifiers)."""
    key = privacy_key(master_key)
    own_df = account_ids.select(
        identifier_hash(F.col("account_id"), "account_id", key).alias("account_hash"),
        F.lit("account_id").alias("kind"),
        normalized_identifier(F.col("account_id"), "account_id").alias("identifier"),
        identifier_hash(F.col("account_id"), "account_id", key).alias("identifier_hash"),
    )
    if is_delta(spark, lake.bronze_accounts):
        accounts_df = spark.read.format("delta").load(lake.bronze_accounts)
        registered_df = subject_identifiers(accounts_df.join(account_ids, on="account_id", how="left_semi"), key)
        own_df = own_df.unionByName(registered_df)
    # Materialized now (a few rows per account, held by this process only): erasure deletes
    # the accounts rows these come from, and every later table must still be matched on all
    # of them.
    return local_frame(spark, own_df.distinct().collect(), own_df.schema)


def present_tables(spark: SparkSession, lake: Lake) -> Sequence[tuple[SubjectTable, DataFrame]]:
    """The subject tables this lake has, each with its current rows."""
    return [
        (table, spark.read.format("delta").load(table.path(lake)))
        for table in SUBJECT_TABLES
        if is_delta(spark, table.path(lake))
    ]


def open_erasures(spark: SparkSession, lake: Lake) -> DataFrame:
    """Erasure requests not yet in the audit: `request_id`, `account_id`, `account_hash`."""
    if not is_delta(spark, lake.privacy_requests):
        return local_frame(spark, [], "request_id string, account_id string, account_hash string")
    requests_df = (
        spark.read.format("delta")
        .load(lake.privacy_requests)
        .where((F.col("kind") == "erasure") & F.col("account_id").isNotNull())
    )
    if is_delta(spark, lake.privacy_audit):
        done_df = spark.read.format("delta").load(lake.privacy_audit).where(F.col("action") == "erasure")
        requests_df = requests_df.join(done_df.select("request_id"), on="request_id", how="left_anti")
    return requests_df.select("request_id", "account_id", "account_hash")


def pending_erasure_subjects(spark: SparkSession, lake: Lake, master_key: bytes) -> DataFrame | None:
    """subjects_of the accounts of every open erasure request, or None when there is none:
    what `tollgate run`'s ingest keeps out of the day tables its erase would rewrite."""
    account_ids = open_erasures(spark, lake).select("account_id").distinct().collect()
    if not account_ids:
        return None
    return subjects_of(spark, lake, local_frame(spark, account_ids, "account_id string"), master_key)
