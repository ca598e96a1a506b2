"""Phone numbers, which have no Spark built-in: E.164 form and country calling code."""

from __future__ import annotations

from pyspark.sql import DataFrame

from transforms.per_value import map_distinct


def calling_code(number: str | None) -> int | None:
    """The country calling code of a phone number (+44 20 7946 0958 -> 44), else None."""
    import phonenumbers  # noqa: PLC0415 - imported on the executor, where the UDF runs

    if not number:
        return None
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    return parsed.country_code if phonenumbers.is_possible_number(parsed) else None


def e164(number: str | None, default_region: str | None) -> str | None:
    """`number` in E.164 (+15550101234), read as dialed in `default_region`; None if impossible.

    Possible (right length for its country), not valid: validity tables reject fictional and
    newly assigned ranges. A leading 00 is tried as + too, the international prefix of most
    of the world even where the region's own prefix differs (011 in the US).
    """
    import phonenumbers  # noqa: PLC0415 - imported on the executor, where the UDF runs

    if not number:
        return None
    candidates = [number] + (["+" + number[2:]] if number.startswith("00") else [])
    for text in candidates:
        try:
            parsed = phonenumbers.parse(text, default_region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


def with_calling_code(df: DataFrame, number_col: str, target_col: str) -> DataFrame:
    """Replace `number_col` by `target_col`, its country calling code (int, null if none)."""
    return map_distinct(df, number_col, calling_code, {target_col: "int"})
