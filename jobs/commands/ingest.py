"""`tollgate ingest`: landing files -> bronze Delta tables; rejects -> quarantine with a reason."""

from __future__ import annotations

import argparse

from jobs.commands.args import add_date_args, add_location_args
from jobs.config.keys import load_hmac_key
from jobs.config.settings import load_settings
from jobs.lake.layout import Lake
from jobs.lake.session import get_spark
from jobs.pipeline.days import landed_run_days, selected_dates
from jobs.stages.ingest import ingest
from jobs.stages.ingest_report import print_report

HELP = "landing files -> bronze Delta tables; rejects -> quarantine with a reason"


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    add_date_args(parser)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    key = load_hmac_key(args.config)
    spark = get_spark("tollgate-ingest")
    days = selected_dates(args, landed_run_days(args.landing))
    report = ingest(spark, args.landing, Lake(args.lake), days, settings.telephony, key=key)
    print_report(report)
    return 0
