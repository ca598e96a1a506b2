"""Reasons for rejecting a record, shared by every parser. A rejected record is kept, never dropped."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

REASON = "reject_reason"
NULL_TOKENS = ("", "NULL", "null", "Null", "\\N")
# A timestamp's UTC offset at its end: Z, +hh:mm or -hhmm.
OFFSET_SUFFIX = r"(Z|[+-][0-9]{2}:?[0-9]{2})$"


def blank_to_null(col: Column) -> Column:
    """Trim a string and turn empty strings and literal NULL tokens into real nulls."""
    trimmed = F.trim(col)
    return F.when(trimmed.isin(*NULL_TOKENS), F.lit(None)).otherwise(trimmed)


def has_utc_offset(col: Column) -> Column:
    """Whether a timestamp string ends with a UTC offset (OFFSET_SUFFIX).

    Every match lies in the last 8 characters (6, and `$` also matches before a final line
    terminator such as CRLF): the regex reads those, not the whole value from each position.
    """
    return F.right(col, F.lit(8)).rlike(OFFSET_SUFFIX)


def first_reason(*checks: tuple[Column, str]) -> Column:
    """The first failing check's reason, or null when the record passes them all."""
    return F.coalesce(*(F.when(failed, F.lit(reason)) for failed, reason in checks), F.lit(None))


def flag_duplicates(df: DataFrame, key_col: str, order_cols: list[str]) -> DataFrame:
    """Reject every accepted row whose key was already accepted earlier in `order_cols` order.

    The earliest accepted row wins, so a re-run keeps the same row; a rejected earlier copy
    (say, a truncated first write) does not make the good copy a duplicate.
    """
    window = Window.partitionBy(key_col).orderBy(F.col(REASON).isNotNull(), *order_cols)
    is_later_copy = F.col(REASON).isNull() & (F.row_number().over(window) > 1)
    return df.withColumn(REASON, F.when(is_later_copy, F.lit(f"duplicate {key_col}")).otherwise(F.col(REASON)))


def later_copies(df: DataFrame, key_col: str, order_cols: list[str]) -> DataFrame:
    """flag_duplicates' rule on the key and order columns alone: the `order_cols` of every
    accepted row that is not the first accepted row of its key. The window shuffles and sorts
    these few columns, not whole rows. Grain: one row per later copy."""
    window = Window.partitionBy(key_col).orderBy(*order_cols)
    accepted_df = df.where(F.col(REASON).isNull()).select(key_col, *order_cols)
    numbered_df = accepted_df.select(*order_cols, F.row_number().over(window).alias("_copy_number"))
    return numbered_df.where(F.col("_copy_number") > 1).drop("_copy_number")
