"""`tollgate gate`: run the privacy gate over one Delta or Parquet table; exit 3 if it refuses."""

from __future__ import annotations

import argparse
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from expectations.gate import GateResult, validate_table
from jobs.commands.args import add_location_args
from jobs.errors import EXIT_OK, ConfigError, GateRefused
from jobs.lake.session import get_spark
from transforms.contracts import CONTRACTS, DatasetContract

HELP = "check a table against the privacy gate (exit 3 when it refuses)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--table", type=Path, required=True, help="Delta table (or Parquet folder) to check")
    parser.add_argument(
        "--dataset",
        help=f"check against this dataset's contract ({', '.join(sorted(CONTRACTS))}); "
        "without it only the PII checks run",
    )
    add_location_args(parser)


def run(args: argparse.Namespace) -> int:
    contract = _contract(args.dataset)
    if not args.table.exists():
        raise ConfigError(f"no table at {args.table}")
    spark = get_spark("tollgate-gate")
    result = validate_table(_read_table(spark, args.table), contract.name if contract else "pii_only", contract)
    print(verdict(result, args.table))
    if not result.success:
        raise GateRefused(f"{args.table}: {len(result.failures)} failed check(s) of {result.expectations_run}")
    return EXIT_OK


def verdict(result: GateResult, table: Path) -> str:
    """The gate's answer for a person: one line, then one line per failure (no values)."""
    status = "passed" if result.success else "REFUSED"
    lines = [f"gate {result.suite} on {table}: {status} ({result.expectations_run} checks)"]
    lines += [
        f"  {'column ' + failure.column if failure.column else 'table'}: {failure.expectation}"
        for failure in result.failures
    ]
    return "\n".join(lines)


def _contract(dataset: str | None) -> DatasetContract | None:
    if dataset is None:
        return None
    try:
        return CONTRACTS[dataset]
    except KeyError:
        known = ", ".join(sorted(CONTRACTS))
        raise ConfigError(f"unknown dataset {dataset!r}; known: {known}") from None


def _read_table(spark: SparkSession, path: Path) -> DataFrame:
    if (path / "_delta_log").is_dir():
        return spark.read.format("delta").load(str(path))
    return spark.read.parquet(str(path))
