"""sql: an analyst's query over the gold tables of --lake, by table name. Gold only."""

from __future__ import annotations

import argparse
import json
import re
import sys

from pyspark.sql import SparkSession

from jobs.common import add_location_args
from jobs.errors import ConfigError
from jobs.lake import Lake, is_delta
from jobs.session import get_spark
from jobs.show import print_table

HELP = 'query gold tables by name, e.g. tollgate sql "SELECT * FROM usage_by_time_of_day LIMIT 5"'
_READ_ONLY = re.compile(r"^\s*(SELECT|WITH)\b", re.IGNORECASE)


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    parser.add_argument("query", help="a SELECT (or WITH ... SELECT) statement")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.add_argument("--limit", type=int, default=1000, help="rows to print at most")


def register_gold(spark: SparkSession, lake: Lake) -> list[str]:
    """Register every gold table as a temporary view; nothing else is reachable by name.

    Direct file queries (SELECT ... FROM delta.`/path`) are turned off, so bronze and
    silver cannot be read through this command.
    """
    spark.conf.set("spark.sql.runSQLOnFiles", "false")
    gold_root = lake.root / "gold"
    names = []
    for folder in sorted(gold_root.iterdir()) if gold_root.is_dir() else []:
        if is_delta(spark, str(folder)):
            spark.read.format("delta").load(str(folder)).createOrReplaceTempView(folder.name)
            names.append(folder.name)
    return names


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
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([list(row) for row in rows])
    else:
        print_table(columns, rows, title=None)
    return 0


if __name__ == "__main__":  # spark-submit jobs/sql.py ...
    from jobs.cli import run_as_script

    run_as_script("sql")
