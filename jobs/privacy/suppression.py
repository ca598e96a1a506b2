"""Ingest of privacy requests, the suppression list of erased accounts, and the tables that
follow from them: each account's privacy state and the privacy officer's queue (minors)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs.config.keys import privacy_key
from jobs.errors import ConfigError
from jobs.lake.frames import local_frame
from jobs.lake.landing import read_numbered_lines
from jobs.lake.layout import Lake, is_delta
from transforms.parse_requests import REQUEST_FIELDS, parse_request_lines
from transforms.privacy import Suppression, account_privacy_state
from transforms.quarantine import REASON

log = logging.getLogger("tollgate.ingest")
MINOR_ITEM = "minor at registration"


def load_suppression(spark: SparkSession, lake: Lake, master_key: bytes | None) -> Suppression:
    """The erased accounts' identifier hashes (a short list: one row per identifier)."""
    if not master_key:
        raise ConfigError("the privacy bookkeeping needs the HMAC key")
    key = privacy_key(master_key)
    if not is_delta(spark, lake.suppression):
        return Suppression(key)
    rows = spark.read.format("delta").load(lake.suppression).select("identifier_hash").distinct().collect()
    return Suppression(key, tuple(sorted(row[0] for row in rows)))


def ingest_privacy_requests(
    spark: SparkSession, landing: Path, lake: Lake, suppression: Suppression, ingest_source: Callable
) -> None:
    """privacy_requests/*.jsonl -> bronze privacy_requests, a full snapshot each run.

    Every request carries `account_hash`; a request of an erased account keeps only that
    (its account_id is null), so the requests table never brings the account back.
    """
    files = sorted((landing / "privacy_requests").glob("*.jsonl"))
    if not files:
        log.info("privacy_requests: no files")
        return
    parsed_df = parse_request_lines(read_numbered_lines(spark, files, landing))
    account_hash = suppression.hash_of(F.col("account_id"), "account_id")
    is_erased_request = (
        F.col(REASON).isNull() & account_hash.isin(*suppression.hashes) if suppression.hashes else F.lit(False)
    )
    hashed_df = parsed_df.select(
        "source_file",
        "line_number",
        F.when(is_erased_request, F.lit(None)).otherwise(F.col("value")).alias("value"),
        "request_id",
        "kind",
        F.when(is_erased_request, F.lit(None).cast("string")).otherwise(F.col("account_id")).alias("account_id"),
        account_hash.alias("account_hash"),
        "received_at",
        REASON,
        F.lit(None).cast("date").alias("landing_date"),
    )
    ingest_source(
        "privacy_requests",
        hashed_df,
        (*REQUEST_FIELDS, "account_hash"),
        lake.privacy_requests,
        None,
        suppression=suppression,
    )


def write_privacy_state(spark: SparkSession, lake: Lake, suppression: Suppression) -> None:
    """Rebuild each account's privacy state (one Delta version per ingest: the history is
    Delta's) and the queue of minors for the privacy officer, by keyed hash only."""
    if not is_delta(spark, lake.bronze_accounts):
        return
    accounts_df = spark.read.format("delta").load(lake.bronze_accounts)
    if is_delta(spark, lake.privacy_requests):
        requests_df = spark.read.format("delta").load(lake.privacy_requests)
    else:
        requests_df = local_frame(spark, [], "account_id string, kind string, received_at timestamp")
    state_df = account_privacy_state(accounts_df, requests_df)
    state_df.write.format("delta").mode("overwrite").save(lake.privacy_state)
    queue_df = (
        spark.read.format("delta")
        .load(lake.privacy_state)
        .where(F.col("is_minor"))
        .select(
            suppression.hash_of(F.col("account_id"), "account_id").alias("account_hash"),
            F.lit(MINOR_ITEM).alias("item"),
            F.current_timestamp().alias("noticed_at"),
        )
    )
    queue_df.write.format("delta").mode("overwrite").save(lake.privacy_queue)
    minors = spark.read.format("delta").load(lake.privacy_queue).count()
    if minors:
        log.info("privacy queue: %d account(s) of minors at registration excluded from silver", minors)
