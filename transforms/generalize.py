"""Generalizers for quasi-identifiers that have no Spark built-in: phone -> calling code."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def calling_code(number: str | None) -> int | None:
    """The country calling code of a phone number (+44 20 7946 0958 -> 44), else None."""
    import phonenumbers  # imported on the executor

    if not number:
        return None
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    return parsed.country_code if phonenumbers.is_possible_number(parsed) else None


def _calling_code_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for batch in batches:
        codes = [calling_code(number) for number in batch["_number"]]
        yield pd.DataFrame({"_number": batch["_number"], "_code": pd.array(codes, dtype="Int32")})


def with_calling_code(df: DataFrame, number_col: str, target_col: str) -> DataFrame:
    """Replace `number_col` by `target_col`, its country calling code (int, null if none).

    phonenumbers runs once per distinct number, and the result is joined back.
    """
    codes_df = (
        df.select(F.col(number_col).alias("_number"))
        .where(F.col("_number").isNotNull())
        .distinct()
        .mapInPandas(_calling_code_batches, "_number string, _code int")
    )
    joined_df = df.join(codes_df, on=df[number_col].eqNullSafe(codes_df["_number"]), how="left")
    return joined_df.select(
        *(F.col(c) for c in df.columns if c != number_col), F.col("_code").alias(target_col)
    )
