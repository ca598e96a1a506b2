"""`python -m jobs.lake.class_archive FILE`: the driver JVM's class-data archive (`make setup`).

Java's application class-data sharing (AppCDS): a Spark session with Delta is started with
`-XX:ArchiveClassesAtExit`, does a little of what the stages do (Delta writes, a partition
overwrite, a MERGE, a VACUUM, JSON and regex parsing, a window, an aggregation), and when it
exits the JVM writes every class it loaded into FILE. spark-defaults.conf names that file
(`-XX:SharedArchiveFile=.jars/driver-classes.jsa`), so each later driver maps those classes
instead of reading and verifying them from the JARs again: a few seconds less for every
`tollgate` process and Airflow task on 2 cores (bench/RESULTS.md). A driver that spark-submit
starts with SPARK_CONF_DIR has another class path, and Java leaves the archive unused there.

The archive is a cache, never required: Java ignores a missing or stale one (another JDK, a
changed JAR or class path), silently because spark-defaults.conf also turns CDS's own log
off, and Spark then starts as it would without it. `make setup` rebuilds it whenever the
packages or the Delta JARs change.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F

from jobs.lake.session import ARCHIVE_OPTION, driver_java_options, get_spark, project_path, read_spark_defaults


def training_options(partial: Path) -> str:
    """The driver's options of spark-defaults.conf, with the archive to write instead of the
    one to read (Java 17 cannot extend an archive it is reading)."""
    options = driver_java_options(read_spark_defaults(project_path("spark-defaults.conf")))
    kept = [option for option in options.split() if not option.startswith(ARCHIVE_OPTION)]
    return " ".join([*kept, f"-XX:ArchiveClassesAtExit={partial}"])


def _workload(spark: SparkSession, folder: Path) -> None:
    """What the stages ask of the JVM, on a few rows: the classes they load are archived."""
    table = str(folder / "table")
    rows = spark.range(200).select(
        "id",
        (F.col("id") % 3).alias("day"),
        F.to_json(F.struct(F.concat(F.lit("leg-"), F.col("id")).alias("leg_id"))).alias("value"),
    )
    parsed = rows.select(
        "id", "day", F.from_json("value", "leg_id string").alias("leg"), F.json_object_keys("value").alias("keys")
    ).select(
        "id",
        "day",
        F.regexp_extract("leg.leg_id", r"^leg-(\d+)$", 1).alias("n"),
        F.sha2(F.col("leg.leg_id"), 256).alias("hash"),
        F.row_number().over(Window.partitionBy("day").orderBy("id")).alias("line"),
    )
    parsed.write.format("delta").partitionBy("day").save(table)
    parsed.where("day = 1").write.format("delta").mode("overwrite").option("replaceWhere", "day = 1").save(table)
    keys = parsed.where("id < 5").select("id", "day")
    DeltaTable.forPath(spark, table).alias("t").merge(keys.alias("s"), "t.id = s.id").whenMatchedDelete().execute()
    spark.read.format("delta").load(table).groupBy("day").agg(F.count("*"), F.countDistinct("hash")).collect()
    spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "false")
    DeltaTable.forPath(spark, table).vacuum(0)


def build(target: Path) -> bool:
    """Write the archive to `target` (atomically); False, and no file, where the JVM wrote none."""
    with tempfile.TemporaryDirectory(prefix="tollgate-cds-") as scratch:
        folder = Path(scratch)
        partial = folder / "driver-classes.jsa"
        spark = get_spark("tollgate-class-archive", {"spark.driver.extraJavaOptions": training_options(partial)})
        _workload(spark, folder)
        gateway = spark.sparkContext._gateway
        spark.stop()
        # The JVM writes the archive as it exits, which it does when its stdin closes.
        process = getattr(gateway, "proc", None)
        if process is not None:
            process.stdin.close()
            process.wait()
        if not partial.is_file():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(partial, target.with_suffix(".partial"))
        target.with_suffix(".partial").replace(target)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "target", type=Path, help="the archive to write (spark-defaults.conf names .jars/driver-classes.jsa)"
    )
    target = parser.parse_args(argv).target
    target.unlink(missing_ok=True)
    if not build(target):
        # Not fatal: Spark starts without the archive, only slower.
        print(f"class archive: the JVM wrote none; Spark starts without {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
