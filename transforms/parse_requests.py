"""Privacy request JSON lines -> typed requests, each with a reject reason or null."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from transforms.quarantine import REASON, blank_to_null, first_reason, flag_duplicates

REQUEST_FIELDS = ("request_id", "kind", "account_id", "received_at")
REQUEST_KINDS = ("erasure", "access", "opt_out_of_sale", "opt_in_to_sale", "withdraw_marketing_consent")
_CORRUPT = "_corrupt_record"
_SCHEMA = StructType([StructField(name, StringType()) for name in (*REQUEST_FIELDS, _CORRUPT)])


def parse_request_lines(lines_df: DataFrame) -> DataFrame:
    """One row per input line: `request_id`, `kind`, `account_id`, `received_at` (timestamp)
    and a reject reason. Input grain: one row per line (`source_file`, `line_number`, `value`).

    A request id seen twice keeps its first copy; the later ones are duplicates.
    """
    is_object = F.trim(F.col("value")).startswith("{")
    parsed = F.from_json("value", _SCHEMA, {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": _CORRUPT})
    raw_df = lines_df.select(
        "source_file",
        "line_number",
        "value",
        F.when(is_object, parsed).alias("j"),
    ).select(
        "source_file",
        "line_number",
        "value",
        F.col("j").isNull().alias("_not_object"),
        F.col("j")[_CORRUPT].isNotNull().alias("_malformed"),
        *(blank_to_null(F.col("j")[name]).alias(name) for name in REQUEST_FIELDS),
    )
    received_at = F.try_to_timestamp("received_at")
    typed_df = raw_df.select(
        "source_file",
        "line_number",
        "value",
        "request_id",
        "kind",
        "account_id",
        received_at.alias("received_at"),
        first_reason(
            (F.coalesce(F.trim("value"), F.lit("")) == "", "blank line"),
            (F.col("_not_object"), "not a JSON object"),
            (F.col("_malformed"), "malformed JSON"),
            *((F.col(name).isNull(), f"missing {name}") for name in REQUEST_FIELDS),
            (~F.col("kind").isin(*REQUEST_KINDS), "unknown kind"),
            (received_at.isNull(), "invalid received_at"),
        ).alias(REASON),
    )
    return typed_df.transform(flag_duplicates, "request_id", ["source_file", "line_number"])
