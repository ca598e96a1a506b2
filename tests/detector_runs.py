"""Running the PII detectors over many values in one Spark job, for the detector tests."""

from __future__ import annotations

from pyspark.sql import functions as F

from jobs.lake.frames import local_frame
from transforms.detectors import pii_kinds


def detected_kinds(spark, values: list[str | None]) -> list[list[str]]:
    """pii_kinds of each value, in order, from one Spark job."""
    rows = [(index, value) for index, value in enumerate(values)]
    df = local_frame(spark, rows, "i int, value string")
    result = df.select("i", pii_kinds(F.col("value")).alias("kinds")).collect()
    return [row.kinds for row in sorted(result, key=lambda row: row.i)]
