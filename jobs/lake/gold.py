"""The gold tables by name: what analysts, the notebook and the run report read."""

from __future__ import annotations

from pyspark.sql import SparkSession

from jobs.lake.layout import Lake


def register_gold(spark: SparkSession, lake: Lake) -> list[str]:
    """Register every gold table as a temporary view; nothing else is reachable by name.

    Direct file queries (SELECT ... FROM delta.`/path`) are turned off, so bronze and
    silver cannot be read through this command.
    """
    spark.conf.set("spark.sql.runSQLOnFiles", "false")
    tables = lake.gold_tables(spark)
    for name, path in tables.items():
        spark.read.format("delta").load(path).createOrReplaceTempView(name)
    return list(tables)
