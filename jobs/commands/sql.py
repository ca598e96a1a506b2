"""sql: an analyst's query over the gold tables of --lake, by table name. Gold only.

DuckDB over the gold Delta tables read with delta-rs answers in well under a second, and
cannot reach anything but the gold views (jobs/analysts/gold_sql.py). `--engine spark` runs
the query on Spark instead, for gold tables too big for one process (a JVM start: ~20 s).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from collections.abc import Sequence

from jobs.analysts.gold_sql import ONE_SELECT, READ_ONLY, QueryError, open_gold, run_query
from jobs.commands.args import add_location_args
from jobs.console.show import print_table
from jobs.errors import EXIT_FAILURE, EXIT_OK, ConfigError
from jobs.lake.gold import register_gold
from jobs.lake.layout import Lake
from jobs.lake.session import get_spark

HELP = 'query gold tables by name, e.g. tollgate sql "SELECT * FROM usage_by_time_of_day LIMIT 5"'
log = logging.getLogger("tollgate.sql")


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    parser.add_argument("query", help="a SELECT (or WITH ... SELECT) statement")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.add_argument("--limit", type=int, default=1000, help="rows to print at most")
    parser.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="duckdb (default: in-process, gold read with delta-rs) or spark (for very large gold tables)",
    )


def run(args: argparse.Namespace) -> int:
    if args.engine == "spark":
        columns, rows = _spark_answer(args)
    else:
        try:
            connection, _ = open_gold(Lake(args.lake))
            answer = run_query(connection, args.query, args.limit)
        except QueryError as error:
            log.error("query failed: %s", error)
            return EXIT_FAILURE
        columns, rows = answer.columns, answer.rows
    _print(args.format, columns, rows)
    return EXIT_OK


def _spark_answer(args: argparse.Namespace) -> tuple[list[str], list[tuple]]:
    if not READ_ONLY.match(args.query):
        raise ConfigError(f"{ONE_SELECT}: start with SELECT or WITH")
    spark = get_spark("tollgate-sql")
    if not register_gold(spark, Lake(args.lake)):
        raise ConfigError(f"no gold tables under {args.lake}/gold; run `tollgate run` first")
    result_df = spark.sql(args.query)
    return result_df.columns, [tuple(row) for row in result_df.limit(args.limit).collect()]


def _print(output_format: str, columns: list[str], rows: Sequence[Sequence]) -> None:
    if output_format == "json":
        for row in rows:
            print(json.dumps(dict(zip(columns, row, strict=True)), default=str))
    elif output_format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        print_table(columns, rows, title=None)
