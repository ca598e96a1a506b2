"""`tollgate aggregate`: silver -> gold for every report week the selected days touch."""

from __future__ import annotations

import argparse

from jobs.commands.args import add_date_args, add_location_args
from jobs.config.policy import load_policy
from jobs.lake.layout import Lake
from jobs.lake.session import get_spark
from jobs.pipeline.days import selected_dates
from jobs.stages.aggregate import aggregate
from jobs.stages.anonymize import bronze_days

HELP = "silver -> gold aggregates with small cells suppressed"


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    add_date_args(parser)


def run(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    spark = get_spark("tollgate-aggregate")
    lake = Lake(args.lake)
    days = selected_dates(args, bronze_days(spark, lake))
    aggregate(spark, lake, days, policy.k)
    return 0
