"""sql: an analyst's query over the gold tables of --lake, by table name. Gold only."""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys

from jobs.commands.args import add_location_args
from jobs.console.show import print_table
from jobs.errors import ConfigError
from jobs.lake.gold import register_gold
from jobs.lake.layout import Lake
from jobs.lake.session import get_spark

HELP = 'query gold tables by name, e.g. tollgate sql "SELECT * FROM usage_by_time_of_day LIMIT 5"'
_READ_ONLY = re.compile(r"^\s*(SELECT|WITH)\b", re.IGNORECASE)


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    parser.add_argument("query", help="a SELECT (or WITH ... SELECT) statement")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.add_argument("--limit", type=int, default=1000, help="rows to print at most")


def run(args: argparse.Namespace) -> int:
    if not _READ_ONLY.match(args.query):
        raise ConfigError("tollgate sql runs read-only queries: start with SELECT or WITH")
    spark = get_spark("tollgate-sql")
    if not register_gold(spark, Lake(args.lake)):
        raise ConfigError(f"no gold tables under {args.lake}/gold; run `tollgate run` first")
    result_df = spark.sql(args.query)
    rows = result_df.limit(args.limit).collect()
    columns = result_df.columns
    if args.format == "json":
        for row in rows:
            print(json.dumps(row.asDict(), default=str))
    elif args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([list(row) for row in rows])
    else:
        print_table(columns, rows, title=None)
    return 0
