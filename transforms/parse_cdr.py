"""Native CDR JSON lines -> typed legs, each record with a reject reason or null."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from transforms.quarantine import REASON, blank_to_null, first_reason, flag_duplicates, has_utc_offset
from transforms.vocabulary import ACCESS_TYPES, PRODUCTS, REGIONS

CDR_FIELDS = (
    "leg_id",
    "conference_id",
    "account_id",
    "participant_name",
    "participant_email",
    "caller_number",
    "access_number",
    "access_type",
    "ip_address",
    "user_agent",
    "country",
    "region",
    "product",
    "start_time",
    "end_time",
    "duration_s",
    "recorded",
    "transcribed",
    "mos",
    "rating",
    "notes",
)
CORRUPT = "_corrupt_record"
# Every field is read as a string, then typed with try_* casts, so a bad value becomes a
# precise reason instead of a silently null column or an error that quotes the value.
CDR_JSON_SCHEMA = StructType(
    [StructField(name, StringType()) for name in CDR_FIELDS] + [StructField(CORRUPT, StringType())]
)
REQUIRED = (
    "leg_id",
    "conference_id",
    "account_id",
    "start_time",
    "end_time",
    "region",
    "product",
    "access_type",
)


def parse_cdr_lines(lines_df: DataFrame) -> DataFrame:
    """One row per input line: the typed leg, `extra_keys` (names only) and a reject reason,
    later copies of an accepted leg_id rejected as duplicates.

    Input grain: one row per line (`source_file`, `line_number`, `value`).
    """
    return parse_cdr_records(lines_df).transform(flag_duplicates, "leg_id", ["source_file", "line_number"])


def parse_cdr_records(lines_df: DataFrame) -> DataFrame:
    """parse_cdr_lines without the duplicate check: each line judged on its own. Ingest finds
    the later copies of a leg on its cached rows instead (jobs/stages/ingest_copies.py): the
    check's window would shuffle every parsed row with its raw line."""
    parsed = F.from_json(
        F.col("value"),
        CDR_JSON_SCHEMA,
        {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT},
    )
    is_object = F.trim(F.col("value")).startswith("{")
    # The keys read the parsed column, not `parsed` again: Spark shares a repeated expression
    # only where every row evaluates it, and both uses were conditional (a CASE branch, the
    # right of an AND): two from_json per line, three Jackson passes where two do (the parse
    # of 1M legs: 14.2 -> 10.7 s, bench/RESULTS.md).
    staged_df = lines_df.select("source_file", "line_number", "value", F.when(is_object, parsed).alias("j")).select(
        "*", F.when(F.col("j").isNotNull() & F.col("j")[CORRUPT].isNull(), F.json_object_keys("value")).alias("keys")
    )
    raw_df = staged_df.select(
        "source_file",
        "line_number",
        "value",
        F.col("j").isNull().alias("_not_object"),
        F.col("j")[CORRUPT].isNotNull().alias("_malformed"),
        *(blank_to_null(F.col("j")[name]).alias(_raw(name)) for name in CDR_FIELDS),
        F.array_sort(F.array_except("keys", F.array(*map(F.lit, CDR_FIELDS)))).alias("extra_keys"),
    )
    # Type first, then judge: each cast runs once, and the reasons read the typed columns.
    typed_df = raw_df.select(
        "*",
        *(F.col(_raw(name)).alias(name) for name in CDR_FIELDS if name not in _TYPED),
        *(cast(F.col(_raw(name))).alias(name) for name, cast in _TYPED.items()),
    )
    return typed_df.select(
        "source_file",
        "line_number",
        "value",
        *CDR_FIELDS,
        F.coalesce("extra_keys", F.array().cast("array<string>")).alias("extra_keys"),
        _reject_reason().alias(REASON),
    )


def _raw(name: str) -> str:
    return f"_raw_{name}"


def _timestamp_with_offset(col):
    return F.when(has_utc_offset(col), F.try_to_timestamp(col))


def _boolean(col):
    lowered = F.lower(col)
    return F.when(lowered.isin("true", "1"), True).when(lowered.isin("false", "0"), False)


_TYPED = {
    "start_time": _timestamp_with_offset,
    "end_time": _timestamp_with_offset,
    "duration_s": lambda col: col.try_cast("bigint"),
    "recorded": _boolean,
    "transcribed": _boolean,
    "mos": lambda col: col.try_cast("double"),
    "rating": lambda col: col.try_cast("int"),
}


def _reject_reason():
    col = F.col
    start, end = col("start_time"), col("end_time")
    return first_reason(
        (F.coalesce(F.trim(col("value")), F.lit("")) == "", "blank line"),
        (col("_not_object"), "not a JSON object"),
        (col("_malformed"), "malformed JSON"),
        *((col(_raw(name)).isNull(), f"missing {name}") for name in REQUIRED),
        *((col(_raw(name)).isNotNull() & col(name).isNull(), f"invalid {name}") for name in _TYPED),
        (end < start, "end_time before start_time"),
        (~col("access_type").isin(*ACCESS_TYPES), "unknown access_type"),
        (~col("product").isin(*PRODUCTS), "unknown product"),
        (~col("region").isin(*REGIONS), "unknown region"),
        (~col("country").rlike("^[A-Z]{2}$"), "invalid country"),
        ((col("duration_s") < 0) | (col("duration_s") > 7 * 24 * 3600), "duration_s out of range"),
        ((col("mos") < 1.0) | (col("mos") > 5.0), "mos out of range"),
        ((col("rating") < 1) | (col("rating") > 5), "rating out of range"),
    )
