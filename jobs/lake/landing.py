"""Reading landing files as numbered lines, and finding which days have landed."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.lake.frames import local_frame

_DATE_DIR = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")


def landed_days(folder: Path, pattern: str) -> dict[dt.date, list[Path]]:
    """{day: files} for `folder/date=YYYY-MM-DD/<pattern>`, days in order, files sorted."""
    days: dict[dt.date, list[Path]] = {}
    if not folder.is_dir():
        return days
    for day_dir in sorted(folder.iterdir()):
        match = _DATE_DIR.match(day_dir.name)
        if match and day_dir.is_dir():
            files = sorted(path for path in day_dir.glob(pattern) if path.is_file())
            if files:
                days[dt.date.fromisoformat(match.group(1))] = files
    return days


def read_numbered_lines(spark: SparkSession, files: list[Path], root: Path) -> DataFrame:
    """One row per line of every file: `source_file` (relative to `root`), `line_number`
    (1-based) and `value`. Line ends may be LF, CRLF or CR.

    Line numbers come from each partition's row ids plus the lengths of the file's earlier
    splits (a small per-split table), so no Python touches the rows and no shuffle is needed.
    Row ids of a file source are the same on every read, so the plan may be evaluated twice.
    """
    lines_df = spark.read.text([str(path) for path in files]).select(
        F.col("_metadata.file_path").alias("source_file"),
        F.spark_partition_id().alias("_split"),
        F.monotonically_increasing_id().alias("_row_id"),
        "value",
    )
    splits = (
        lines_df.groupBy("source_file", "_split")
        .agg(F.min("_row_id").alias("_first_id"), F.count(F.lit(1)).alias("_rows"))
        .collect()
    )
    offsets, seen = [], {}
    for split in sorted(splits, key=lambda row: (row.source_file, row._first_id)):
        offsets.append((split.source_file, split._split, split._first_id, seen.get(split.source_file, 0)))
        seen[split.source_file] = seen.get(split.source_file, 0) + split._rows
    offsets_df = local_frame(spark, offsets, "source_file string, _split int, _first_id bigint, _lines_before bigint")
    numbered_df = lines_df.join(F.broadcast(offsets_df), on=["source_file", "_split"], how="inner")
    return numbered_df.select(
        _relative_to(F.col("source_file"), root).alias("source_file"),
        (F.col("_row_id") - F.col("_first_id") + F.col("_lines_before") + 1).alias("line_number"),
        "value",
    )


def _relative_to(col, root: Path):
    # _metadata.file_path is a URI (file:/abs/path); keep it relative to the landing root.
    prefix = root.resolve().as_uri().removeprefix("file://") + "/"
    return F.replace(F.regexp_replace(col, r"^file:(//)?", ""), F.lit(prefix), F.lit(""))
