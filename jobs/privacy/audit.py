"""The privacy audit: what was done for each request, with the account only as a keyed hash.

Grain: one row per (request, table): `request_id`, `action` (erasure | access),
`account_hash`, `processed_at`, `table_name`, `rows` (deleted, forgotten or reported). An
`access` with no open request of its own is recorded with a null request_id.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence

from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import (
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from jobs.lake.frames import local_frame
from jobs.lake.layout import Lake, is_delta

AUDIT_SCHEMA = StructType(
    [
        StructField("request_id", StringType(), nullable=True),
        StructField("action", StringType(), nullable=False),
        StructField("account_hash", StringType(), nullable=False),
        StructField("processed_at", TimestampType(), nullable=False),
        StructField("table_name", StringType(), nullable=False),
        StructField("rows", LongType(), nullable=False),
    ]
)


def append_audit(
    spark: SparkSession, lake: Lake, action: str, requests: Sequence[Row], per_table: Mapping[str, Counter]
) -> None:
    """One row per request (`request_id`, `account_hash`) and table, in one Delta append."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [
        (request.request_id, action, request.account_hash, now, table, int(counts.get(request.account_hash, 0)))
        for request in requests
        for table, counts in sorted(per_table.items())
    ]
    local_frame(spark, rows, AUDIT_SCHEMA).write.format("delta").mode("append").save(lake.privacy_audit)


def read_audit(spark: SparkSession, lake: Lake) -> DataFrame:
    if not is_delta(spark, lake.privacy_audit):
        return local_frame(spark, [], AUDIT_SCHEMA)
    return spark.read.format("delta").load(lake.privacy_audit)


def processed_requests(spark: SparkSession, lake: Lake) -> DataFrame:
    """Grain: one row per processed request: `request_id`, `action`, `processed_at`."""
    return (
        read_audit(spark, lake)
        .where(F.col("request_id").isNotNull())
        .groupBy("request_id", "action")
        .agg(F.max("processed_at").alias("processed_at"))
    )
