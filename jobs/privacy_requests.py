"""requests: every privacy request and its status, and the privacy officer's queue.

An account is shown only by the first 12 characters of its keyed hash, never its id.
"""

from __future__ import annotations

import argparse
import logging

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.common import add_location_args
from jobs.lake import Lake, is_delta
from jobs.privacy_audit import processed_requests
from jobs.session import get_spark
from jobs.show import print_table

HELP = "list privacy requests with their status (open, done, applied) and the privacy queue"
WRITES_LAKE = False
log = logging.getLogger("tollgate.requests")
# Requests that take effect at ingest: the account's privacy state is rebuilt from them.
_APPLIED_AT_INGEST = ("opt_out_of_sale", "opt_in_to_sale", "withdraw_marketing_consent")


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    parser.add_argument("--status", choices=("open", "done", "applied"), help="only requests with this status")


def run(args: argparse.Namespace) -> int:
    spark = get_spark("tollgate-requests")
    lake = Lake(args.lake)
    status_df = request_status(spark, lake)
    if args.status:
        status_df = status_df.where(F.col("status") == args.status)
    rows = status_df.orderBy("received_at", "request_id").collect()
    print_table(status_df.columns, [tuple(row) for row in rows], title="privacy requests")
    if is_delta(spark, lake.privacy_queue):
        queue = spark.read.format("delta").load(lake.privacy_queue).select(
            F.substring("account_hash", 1, 12).alias("account"), "item"
        ).orderBy("account").collect()
        print_table(("account", "item"), [tuple(row) for row in queue], title="privacy queue")
    return 0


def request_status(spark: SparkSession, lake: Lake) -> DataFrame:
    """Grain: one row per request: id, kind, received_at, account (hash prefix), status and
    when it was processed. Erasure and access are `open` until done; the others `applied`."""
    if not is_delta(spark, lake.privacy_requests):
        return spark.createDataFrame(
            [], "request_id string, kind string, received_at timestamp, account string, status string, "
                "processed_at timestamp"
        )  # fmt: skip
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
