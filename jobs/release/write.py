"""A release's data files: one sorted Parquet or CSV file, read back for the gate.

CSV cells that a spreadsheet would run as formulas are neutralised at write time
(jobs/release/csv_safe.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from jobs.release.csv_safe import with_formulas_neutralised

# RFC 4180 quoting (a quote inside a cell is doubled; Spark's default is a backslash, which
# spreadsheets and Python's csv module do not read), and cells written exactly as they are:
# Spark's writer trims leading spaces by default, which would turn " =cmd" back into a formula.
CSV_OPTIONS = {
    "header": "true",
    "quote": '"',
    "escape": '"',
    "ignoreLeadingWhiteSpace": "false",
    "ignoreTrailingWhiteSpace": "false",
    "encoding": "UTF-8",
    "lineSep": "\n",
}


def write_release_data(
    spark: SparkSession, release_df: DataFrame, data_dir: Path, file_format: str, grain: tuple[str, ...]
) -> DataFrame:
    """Write `release_df` as data/part-00000.<format> and return the rows read back from it.

    One sorted file, so the same gold rows always give the same bytes. The returned
    DataFrame is what the gate judges: the file as a recipient will read it, not the plan
    that produced it.
    """
    spark_out = data_dir.parent / "_spark"
    if file_format == "csv":
        # Read back with the written schema, not the contract's: Spark applies a schema to
        # CSV by position, so the contract's would hide an extra column (or a renamed one)
        # from the gate; with enforceSchema off the header must name exactly these columns,
        # and FAILFAST turns any cell that does not parse back into an error, not a null.
        written_df = with_formulas_neutralised(release_df)
        (written_df.repartition(1).sortWithinPartitions(*grain).write.options(**CSV_OPTIONS).csv(str(spark_out)))
        _move_parts(spark_out, "csv", data_dir)
        return (
            spark.read.schema(written_df.schema)
            .options(**CSV_OPTIONS, enforceSchema="false", mode="FAILFAST", multiLine="true")
            .csv(str(data_dir))
        )
    (release_df.repartition(1).sortWithinPartitions(*grain).write.parquet(str(spark_out)))
    _move_parts(spark_out, "parquet", data_dir)
    return spark.read.parquet(str(data_dir))


def _move_parts(spark_out: Path, suffix: str, data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    for index, part in enumerate(sorted(spark_out.glob(f"part-*.{suffix}"))):
        part.rename(data_dir / f"part-{index:05d}.{suffix}")
    shutil.rmtree(spark_out)
