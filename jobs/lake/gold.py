"""The gold tables by name: what analysts, the notebook and the run report read."""

from __future__ import annotations

from pyspark.sql import SparkSession

from jobs.lake.layout import Lake, is_delta


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
