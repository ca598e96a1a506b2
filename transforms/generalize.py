"""Generalizers for quasi-identifiers that have no Spark built-in: phone -> calling code."""

from __future__ import annotations

from pyspark.sql import DataFrame

from transforms.per_value import map_distinct


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


def with_calling_code(df: DataFrame, number_col: str, target_col: str) -> DataFrame:
    """Replace `number_col` by `target_col`, its country calling code (int, null if none)."""
    return map_distinct(df, number_col, calling_code, {target_col: "int"})
