"""`tollgate requests`: every privacy request with its status, and the privacy officer's queue."""

from __future__ import annotations

import argparse

from pyspark.sql import functions as F

from jobs.commands.args import add_location_args
from jobs.console.show import print_table
from jobs.lake.layout import Lake, is_delta
from jobs.lake.session import get_spark
from jobs.rights.requests import request_status

HELP = "list privacy requests with their status (open, done, applied) and the privacy queue"
WRITES_LAKE = False


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
        queue = (
            spark.read.format("delta")
            .load(lake.privacy_queue)
            .select(F.substring("account_hash", 1, 12).alias("account"), "item")
            .orderBy("account")
            .collect()
        )
        print_table(("account", "item"), [tuple(row) for row in queue], title="privacy queue")
    return 0
