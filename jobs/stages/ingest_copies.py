"""Later copies of an accepted CDR leg (a leg delivered twice), found on ingest's cached rows.

The parsers' duplicate check (transforms/quarantine.py flag_duplicates) is a window over whole
parsed rows: every row is shuffled and sorted with its raw line (at 1M legs, 358 MiB of shuffle
data and a sort that costs a quarter of the CDR ingest). Ingest keeps no raw line of an
accepted row in its cache, so it applies the same rule (later_copies) to the key and line
columns of the cache, then reads the raw lines of the copies alone again, to quarantine them
whole. Most deliveries hold no copy: then that is one narrow job and nothing else.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.stages.ingest_report import ERASED
from transforms.privacy import Suppression
from transforms.quarantine import REASON, later_copies

ROW_KEY = ["source_file", "line_number"]


def reject_later_copies(
    cached_df: DataFrame, lines_df: DataFrame, key_col: str, kind: str, suppression: Suppression
) -> tuple[DataFrame, list[DataFrame]]:
    """`cached_df` (ingest's rows: REASON, ERASED, `value` only on rejected rows) with every
    later copy of an accepted `key_col` rejected as a duplicate, its raw line read from
    `lines_df` (source_file, line_number, value) and searched for erased identifiers like
    any rejected line's; and the DataFrames cached for it, for the caller to unpersist."""
    copies_df = later_copies(cached_df, key_col, ROW_KEY).persist()
    if not copies_df.count():
        return cached_df, [copies_df]
    # copies_df and raw_df are cached and counted: Spark knows their sizes and broadcasts the
    # small ones.
    raw_df = lines_df.join(copies_df, ROW_KEY, "left_semi").select(*ROW_KEY, F.col("value").alias("_copy")).persist()
    raw_df.count()
    marked_df = cached_df.join(raw_df, ROW_KEY, "left")
    is_copy = F.col("_copy").isNotNull()
    replaced = {
        REASON: F.when(is_copy, F.lit(f"duplicate {key_col}")).otherwise(F.col(REASON)),
        "value": F.when(is_copy, F.col("_copy")).otherwise(F.col("value")),
        ERASED: F.when(is_copy, suppression.mentions(marked_df, kind, text_columns=("_copy",))).otherwise(
            F.col(ERASED)
        ),
    }
    return marked_df.select(*(replaced.get(name, F.col(name)).alias(name) for name in cached_df.columns)), [
        copies_df,
        raw_df,
    ]
