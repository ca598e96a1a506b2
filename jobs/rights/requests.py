"""requests: every privacy request and its status, and the privacy officer's queue.

An account is shown only by the first 12 characters of its keyed hash, never its id.
"""

from __future__ import annotations

import logging

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.lake.frames import local_frame
from jobs.lake.layout import Lake, is_delta
from jobs.privacy.audit import processed_requests

log = logging.getLogger("tollgate.requests")
# Requests that take effect at ingest: the account's privacy state is rebuilt from them.
_APPLIED_AT_INGEST = ("opt_out_of_sale", "opt_in_to_sale", "withdraw_marketing_consent")


def request_status(spark: SparkSession, lake: Lake) -> DataFrame:
    """Grain: one row per request: id, kind, received_at, account (hash prefix), status and
    when it was processed. Erasure and access are `open` until done; the others `applied`."""
    if not is_delta(spark, lake.privacy_requests):
        return local_frame(
            spark,
            [],
            "request_id string, kind string, received_at timestamp, account string, status string, "
            "processed_at timestamp",
        )
    requests_df = spark.read.format("delta").load(lake.privacy_requests)
    done_df = processed_requests(spark, lake).select("request_id", "processed_at")
    joined_df = requests_df.join(done_df, on="request_id", how="left")
    status = (
        F.when(F.col("kind").isin(*_APPLIED_AT_INGEST), F.lit("applied"))
        .when(F.col("processed_at").isNotNull(), F.lit("done"))
        .otherwise(F.lit("open"))
    )
    return joined_df.select(
        "request_id",
        "kind",
        "received_at",
        F.substring("account_hash", 1, 12).alias("account"),
        status.alias("status"),
        "processed_at",
    )
