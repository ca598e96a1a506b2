"""Re-identification risk of a row-level dataset, from its quasi-identifiers (as ARX reports it)."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def reidentification_risk(df: DataFrame, quasi_identifiers: Sequence[str], k: int) -> DataFrame:
    """One row: rows, equivalence classes, the smallest class, the highest and average
    prosecutor risk (1 / class size, averaged over rows) and the share of rows in classes
    smaller than k. An empty input gives zero rows and null risks.

    Nulls form a class of their own, as a value an attacker can match on.
    """
    classes_df = df.groupBy(*quasi_identifiers).agg(F.count(F.lit(1)).alias("class_size"))
    summary_df = classes_df.agg(
        F.sum("class_size").alias("rows"),
        F.count(F.lit(1)).alias("classes"),
        F.min("class_size").alias("min_class_size"),
        F.sum(F.when(F.col("class_size") < k, F.col("class_size")).otherwise(0)).alias("rows_below_k"),
    )
    rows = F.coalesce(F.col("rows"), F.lit(0)).cast("bigint")
    return summary_df.select(
        rows.alias("rows"),
        F.col("classes").cast("bigint").alias("classes"),
        F.col("min_class_size").cast("bigint").alias("min_class_size"),
        (F.lit(1.0) / F.col("min_class_size")).alias("max_prosecutor_risk"),
        # Each row's risk is 1/size of its class; summed over a class that is 1, so the
        # average over rows is classes / rows.
        (F.col("classes") / F.col("rows")).alias("avg_prosecutor_risk"),
        (F.col("rows_below_k") / F.col("rows")).alias("share_rows_below_k"),
        F.lit(k).alias("k"),
    )
