"""FreeSWITCH mod_cdr_csv lines (the "example" template) -> call legs with a reject reason or null."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from transforms.telephony_common import (
    check_time_zones,
    field,
    finish,
    phone_number_text,
    with_csv_fields,
    with_typed_times,
)

# The order of cdr_csv.conf.xml's "example" template; every field is quoted, none escaped.
FREESWITCH_COLUMNS = (
    "caller_id_name",
    "caller_id_number",
    "destination_number",
    "context",
    "start_stamp",
    "answer_stamp",
    "end_stamp",
    "duration",
    "billsec",
    "hangup_cause",
    "uuid",
    "bleg_uuid",
    "accountcode",
    "read_codec",
    "write_codec",
)
_UUID = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"


def parse_freeswitch_lines(lines_df: DataFrame, source_timezone: str, day_first: bool = False) -> DataFrame:
    """One row per input line: the call leg (`leg_id` = the channel uuid) and a reject reason.

    Input grain: one row per line (`source_file`, `line_number`, `value`) of a Master.csv.
    Times are the PBX's wall clock in `source_timezone`, returned in UTC; an unanswered call
    has a null `answer_time` and is accepted. A uuid logged twice keeps its first copy.

    >>> parse_freeswitch_lines(read_numbered_lines(spark, files, root), "Europe/Dublin")
    """
    check_time_zones(lines_df, source_timezone)
    raw = {name: field(index) for index, name in enumerate(FREESWITCH_COLUMNS)}
    raw_df = with_csv_fields(lines_df).select(
        "source_file",
        "line_number",
        "value",
        "_well_formed",
        (F.size("_fields") == len(FREESWITCH_COLUMNS)).alias("_shape_ok"),
        raw["uuid"].alias("leg_id"),
        raw["caller_id_name"].alias("caller_name"),
        phone_number_text(raw["caller_id_number"]).alias("caller_number"),
        raw["destination_number"].alias("destination_number"),
        raw["accountcode"].alias("account_code"),
        raw["start_stamp"].alias("_start_time"),
        raw["answer_stamp"].alias("_answer_time"),
        raw["end_stamp"].alias("_end_time"),
        raw["duration"].alias("_duration_s"),
        raw["billsec"].alias("_billsec"),
        raw["hangup_cause"].alias("disposition"),
    )
    typed_df = with_typed_times(raw_df, source_timezone, day_first)
    return finish(typed_df, _UUID)
