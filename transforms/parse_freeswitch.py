"""FreeSWITCH mod_cdr_csv lines (the default "example" template, the "sql" template, a header
or a template of your own) -> call legs with a reject reason or null."""

from __future__ import annotations

from pyspark.sql import DataFrame

from transforms.cdr_layouts import FREESWITCH_COLUMNS, PRESETS, ROLES, CdrLayout
from transforms.pbx_columns import fits_names, has_any, named, named_any, with_column_names
from transforms.telephony_common import (
    PARSED_COLUMNS,
    check_time_zones,
    finish,
    phone_number_text,
    with_csv_fields,
    with_typed_times,
)

__all__ = ["FREESWITCH_COLUMNS", "parse_freeswitch_legs", "parse_freeswitch_lines"]

_UUID = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
_ROLES = ROLES["freeswitch"]


def parse_freeswitch_lines(
    lines_df: DataFrame, source_timezone: str, day_first: bool = False, layout: CdrLayout | None = None
) -> DataFrame:
    """One row per input line (a header excepted): the call leg (`leg_id` = the channel
    uuid) and a reject reason. `parse_freeswitch_legs` adds the unclassified column names.

    >>> parse_freeswitch_lines(read_numbered_lines(spark, files, root), "Europe/Dublin")
    """
    return parse_freeswitch_legs(lines_df, source_timezone, day_first, layout).select(*PARSED_COLUMNS)


def parse_freeswitch_legs(
    lines_df: DataFrame, source_timezone: str, day_first: bool = False, layout: CdrLayout | None = None
) -> DataFrame:
    """PARSED_COLUMNS and `extra_keys`, one row per input line but a header.

    Input grain: one row per line (`source_file`, `line_number`, `value`) of one PBX's files,
    laid out as `layout` says (default: the "example" template). Times are the PBX's wall
    clock in `source_timezone` (or epoch seconds), returned in UTC; an unanswered call has a
    null `answer_time` and is accepted. A uuid logged twice keeps its first copy.
    """
    layout = layout or PRESETS["freeswitch"]["example"]
    check_time_zones(lines_df, source_timezone)
    fields_df = with_column_names(with_csv_fields(lines_df, layout.insert_statement), layout)
    raw_df = fields_df.select(
        "source_file",
        "line_number",
        "value",
        "_wrapped_ok",
        "_well_formed",
        "_header_ok",
        "_repeated_header",
        "extra_keys",
        fits_names(layout).alias("_shape_ok"),
        named("uuid").alias("leg_id"),
        named("caller_id_name").alias("caller_name"),
        phone_number_text(named("caller_id_number")).alias("caller_number"),
        named("destination_number").alias("destination_number"),
        named("accountcode").alias("account_code"),
        named_any(_ROLES["start"]).alias("_start_time"),
        named_any(_ROLES["answer"]).alias("_answer_time"),
        named_any(_ROLES["end"]).alias("_end_time"),
        named("duration").alias("_duration_s"),
        named("billsec").alias("_billsec"),
        named("hangup_cause").alias("disposition"),
        *(has_any(_ROLES[role]).alias(f"_has_{role}") for role in ("answer", "end", "duration", "billsec")),
    )
    typed_df = with_typed_times(raw_df, source_timezone, day_first)
    return finish(typed_df, _UUID, day_first)
