"""The two baselines `bench/run` times beside `tollgate run`, over the same files:

- bare ingest: the CDR JSON lines read with an explicit all-string schema and the web logs
  split by one regex, both written to Delta: what any job that lands these files must do;
- bare gold: the same four gold datasets from bronze, with the real accounts and identifiers
  (no pseudonyms, no suppression, no gate), written to Spark's no-op sink so every measure is
  computed (a count() would let Spark prune the aggregates it does not need).

Whatever `tollgate run` spends above their sum is the price of the privacy work.
"""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from jobs.lake.layout import Lake
from transforms.aggregates import mos_band
from transforms.local_time import with_local_time
from transforms.parse_cdr import CDR_FIELDS
from transforms.parse_usage import COMBINED_LOG
from transforms.user_agent import with_user_agent_classes

_ALL_STRINGS = StructType([StructField(name, StringType()) for name in CDR_FIELDS])
_LOG_PARTS = ("client_ip", "ident", "remote_user", "time_text", "request_line", "status", "bytes", "referer", "agent")


def bare_ingest(spark: SparkSession, landing: Path, out: Path) -> int:
    """CDR lines and web log lines of every landed day -> two Delta tables; returns CDR rows."""
    cdr_df = spark.read.schema(_ALL_STRINGS).json(str(landing / "cdr" / "date=*" / "*.jsonl"))
    cdr_df.write.format("delta").mode("overwrite").save(str(out / "cdr"))
    lines_df = spark.read.text(str(landing / "usage" / "date=*" / "*.log"))
    usage_df = lines_df.select(
        *(F.regexp_extract("value", COMBINED_LOG, index).alias(name) for index, name in enumerate(_LOG_PARTS, 1))
    )
    usage_df.write.format("delta").mode("overwrite").save(str(out / "usage"))
    return spark.read.format("delta").load(str(out / "cdr")).count()


def bare_gold(spark: SparkSession, lake: Lake) -> None:
    """The four gold datasets of Tollgate's grain, straight from its bronze tables."""
    legs_df = spark.read.format("delta").load(lake.bronze_cdr)
    zones_df = spark.read.format("delta").load(lake.bronze_accounts).select("account_id", "timezone")
    local_df = with_local_time(legs_df.join(zones_df, on="account_id", how="inner"), "start_time", "timezone")
    local_df = local_df.withColumn("minutes", F.ceil(F.col("duration_s") / 60))
    measures = (
        F.count_distinct("conference_id").alias("conferences"),
        F.count(F.lit(1)).alias("participant_legs"),
        F.sum("minutes").alias("participant_minutes"),
        F.count_distinct("account_id").alias("distinct_accounts"),
    )
    grain = ("report_week", "local_dow", "local_hour", "region", "product", "access_type")
    _sink(local_df.groupBy(*grain).agg(*measures))
    _sink(local_df.groupBy("local_date", "region", "product").agg(*measures))
    quality_grain = ("report_week", "region", "access_type", mos_band(F.col("mos")).alias("mos_band"))
    _sink(local_df.groupBy(*quality_grain).agg(*measures[1:]))
    web_df = with_user_agent_classes(spark.read.format("delta").load(lake.bronze_usage), "user_agent")
    web_grain = (F.to_date("request_time"), F.hour("request_time"), "browser_family", "os_family", "device_class")
    _sink(web_df.groupBy(*web_grain).agg(F.count(F.lit(1)), F.count_distinct("client_ip")))


def _sink(df: DataFrame) -> None:
    df.write.format("noop").mode("overwrite").save()
