"""`tollgate anonymize`: bronze -> silver for the selected days."""

from __future__ import annotations

import argparse

from jobs.commands.args import add_date_args, add_location_args
from jobs.config.keys import load_hmac_key
from jobs.config.policy import load_policy
from jobs.lake.layout import Lake
from jobs.lake.session import get_spark
from jobs.pipeline.days import selected_dates
from jobs.stages.anonymize import anonymize, bronze_days, print_report

HELP = "bronze -> silver: drop or pseudonymize identifiers, generalize, apply the minors rule"


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    add_date_args(parser)


def run(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    key = load_hmac_key(args.config)
    spark = get_spark("tollgate-anonymize")
    lake = Lake(args.lake)
    days = selected_dates(args, bronze_days(spark, lake))
    print_report(anonymize(spark, lake, key, days, policy))
    return 0
