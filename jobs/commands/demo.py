"""demo: generate a realistic landing folder, run the whole pipeline, show the result."""

from __future__ import annotations

import argparse
import json
import logging

from pyspark.sql import functions as F

from jobs.commands.args import add_location_args
from jobs.config.keys import ensure_demo_key
from jobs.console.show import print_table
from jobs.lake.layout import Lake
from jobs.lake.session import get_spark
from jobs.pipeline.run import run_pipeline
from jobs.synthetic import landing as generate
from transforms.contracts import USAGE_BY_TIME_OF_DAY

HELP = "generate demo data, run the pipeline on local Spark, print the busiest cells"
log = logging.getLogger("tollgate.demo")
MARKER = ".generated.json"
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--legs-per-day", type=int, default=14300)
    parser.add_argument("--seed", type=int, default=7)


def run(args: argparse.Namespace) -> int:
    ensure_demo_key(args.config)
    wanted = {"days": args.days, "accounts": args.accounts, "legs_per_day": args.legs_per_day, "seed": args.seed}
    marker = args.landing / MARKER
    if marker.is_file() and json.loads(marker.read_text()) == wanted:
        log.info("landing folder %s already holds this demo's data; not regenerating", args.landing)
    else:
        log.info(
            "generating %d days x %d legs for %d accounts into %s",
            args.days,
            args.legs_per_day,
            args.accounts,
            args.landing,
        )
        generate.generate_landing(args.landing, **wanted)
        marker.write_text(json.dumps(wanted))
    args.date = args.date_from = args.date_to = None
    result = run_pipeline(args)
    show_result(args, result)
    return 0


def show_result(args: argparse.Namespace, result) -> None:
    spark, lake = get_spark(), Lake(args.lake)
    busiest = (
        spark.read.format("delta")
        .load(lake.gold(USAGE_BY_TIME_OF_DAY.name))
        .orderBy(F.col("participant_minutes").desc(), *USAGE_BY_TIME_OF_DAY.grain)
        .limit(15)
        .select(
            F.col("report_week").cast("string").alias("week of"),
            F.element_at(F.array(*map(F.lit, DAY_NAMES)), F.col("local_dow")).alias("day"),
            F.format_string("%02d:00", "local_hour").alias("local hour"),
            "region",
            "product",
            F.col("access_type").alias("access"),
            "conferences",
            F.col("participant_legs").alias("legs"),
            F.col("participant_minutes").alias("minutes"),
            F.col("distinct_accounts").alias("accounts"),
        )
    )
    print_table(
        busiest.columns, busiest.collect(), title="Busiest cells of usage_by_time_of_day (account's local time)"
    )
    read, accepted, quarantined, erased = result.ingest.totals("cdr")
    print(f"CDR legs read {read:,} = accepted {accepted:,} + quarantined {quarantined:,} + erased {erased:,}")
    print(
        f"Erasure requests applied: {result.erasure.requests}; rows removed: "
        + ", ".join(f"{table} {rows:,}" for table, rows in sorted(result.erasure.rows.items()))
    )
    print(
        f"Silver legs {result.anonymize.legs_silver:,}; stage seconds: "
        + ", ".join(f"{stage} {secs:.1f}" for stage, secs in result.seconds.items())
    )
    for release in result.releases:
        recipient, dataset = release.parent.parent.name, release.parent.name
        print(f"Release:   {release}")
        print(f"Manifest:  {release / 'manifest.json'}")
        print(f"Gate docs: {lake.gate_docs(recipient, dataset, release.name) / 'index.html'}")
    print(f"Ledger of every release (Delta): {lake.ledger}")
    print(f"Run report (heat map, stage counts): {result.report}")
    print(f'Lake: {args.lake}   Query it: .venv/bin/tollgate sql "SELECT * FROM usage_by_time_of_day LIMIT 10"')
