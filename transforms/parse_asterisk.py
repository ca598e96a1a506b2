"""Asterisk CDR lines (cdr_csv Master.csv, the `cdr` table exported with its header, FreePBX's
CDR report, a cdr_custom template) -> call legs with a reject reason or null."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.cdr_layouts import ASTERISK_COLUMNS, PRESETS, ROLES, CdrLayout
from transforms.pbx_columns import fits_names, has_any, named, named_any, with_column_names
from transforms.quarantine import blank_to_null
from transforms.telephony_common import (
    PARSED_COLUMNS,
    check_time_zones,
    field,
    finish,
    phone_number_text,
    with_csv_fields,
    with_typed_times,
)

_COL = {name: index for index, name in enumerate(ASTERISK_COLUMNS)}
# ast_channel_amaflags2string() (and the older ast_cdr_flags2str()) write one of these.
_AMA_FLAGS = ("OMIT", "BILLING", "BILL", "DOCUMENTATION", "DEFAULT", "IGNORE", "UNKNOWN")
# A uniqueid, or the sha256 hex that stands in for a missing one.
_LEG_ID = r"^[\w.-]+$"
_PARSED_IN_HASH = ("src", "clid", "start", "answer", "end")
_ROLES = ROLES["asterisk"]


def parse_asterisk_lines(
    lines_df: DataFrame, source_timezone: str, day_first: bool = False, layout: CdrLayout | None = None
) -> DataFrame:
    """One row per input line (a header excepted): the call leg and a reject reason (null
    when accepted). `parse_asterisk_legs` is the same with the unclassified column names.

    >>> parse_asterisk_lines(read_numbered_lines(spark, files, root), "America/New_York")
    """
    return parse_asterisk_legs(lines_df, source_timezone, day_first, layout).select(*PARSED_COLUMNS)


def parse_asterisk_legs(
    lines_df: DataFrame, source_timezone: str, day_first: bool = False, layout: CdrLayout | None = None
) -> DataFrame:
    """PARSED_COLUMNS and `extra_keys`, one row per input line but a header.

    Input grain: one row per line (`source_file`, `line_number`, `value`) of one PBX's files,
    laid out as `layout` says (default: cdr_csv). `leg_id` is the uniqueid when logged,
    `<uniqueid>/<sequence>` (or `/<hash of dstchannel, start, end>` without sequence) when
    several legs share it, else a sha256 of the normalized record, so the same record logged
    twice (even once re-saved by a spreadsheet) gets the same id and keeps its first copy.
    Times are the PBX's wall clock in `source_timezone`, returned in UTC.
    """
    layout = layout or PRESETS["asterisk"]["cdr_csv"]
    check_time_zones(lines_df, source_timezone)
    fields_df = with_column_names(with_csv_fields(lines_df, layout.insert_statement), layout)
    clid_name, clid_number = _split_clid(named("clid"))
    raw_df = fields_df.select(
        "source_file",
        "line_number",
        "value",
        "_wrapped_ok",
        "_well_formed",
        "_header_ok",
        "_repeated_header",
        "extra_keys",
        (_fits_layout() if layout.by_field_count else fits_names(layout)).alias("_shape_ok"),
        named("uniqueid").alias("_uniqueid"),
        *(named(name).alias(f"_ast_{name}") for name in ASTERISK_COLUMNS if name not in ("start", "answer", "end")),
        named("sequence").alias("_sequence"),
        clid_name.alias("caller_name"),
        F.coalesce(phone_number_text(named("src")), phone_number_text(clid_number)).alias("caller_number"),
        named("dst").alias("destination_number"),
        named("accountcode").alias("account_code"),
        named_any(_ROLES["start"]).alias("_start_time"),
        named("answer").alias("_answer_time"),
        named("end").alias("_end_time"),
        named("duration").alias("_duration_s"),
        named("billsec").alias("_billsec"),
        named("disposition").alias("disposition"),
        *(has_any(_ROLES[role]).alias(f"_has_{role}") for role in ("answer", "end", "duration", "billsec")),
    )
    typed_df = with_typed_times(raw_df, source_timezone, day_first)
    leg_id = F.coalesce("_uniqueid", F.when(F.col("_shape_ok"), _record_hash()))
    legs_df = typed_df.select("*", leg_id.alias("leg_id"), _leg_suffix().alias("_leg_suffix"))
    return finish(legs_df, _LEG_ID, day_first, shared_uniqueids=True)


def _fits_layout() -> Column:
    # cdr_csv: a comma inside an unquoted field (a spreadsheet's re-save) shifts every later
    # field: the count may still be legal, but duration, billsec and amaflags land out of
    # place. A null (empty or NULL) field is not evidence either way.
    count_ok = F.coalesce(F.size("_fields").between(16, 21), F.lit(False))
    duration_ok = F.coalesce(field(_COL["duration"]).rlike("^[0-9]+$"), F.lit(True))
    billsec_ok = F.coalesce(field(_COL["billsec"]).rlike("^[0-9]+$"), F.lit(True))
    amaflags_ok = F.coalesce(F.upper(field(_COL["amaflags"])).isin(*_AMA_FLAGS), F.lit(True))
    return count_ok & duration_ok & billsec_ok & amaflags_ok


def _split_clid(clid: Column) -> tuple[Column, Column]:
    """`"Name" <1115>` -> (Name, 1115); also `Name <1115>`, `<1115>` and a bare number."""
    number = F.regexp_extract(clid, r"<([^<>]*)>\s*$", 1)
    name = F.trim(F.regexp_replace(clid, r"<[^<>]*>\s*$", ""))
    name = F.regexp_replace(name, r'^"|"$', "")  # one layer of quotes; inner ones are the name's
    is_bare_number = (number == "") & phone_number_text(clid).isNotNull()
    return (
        F.when(~is_bare_number, blank_to_null(name)),
        F.when(is_bare_number, clid).otherwise(blank_to_null(number)),
    )


def _leg_suffix() -> Column:
    """What tells the legs of one uniqueid apart: `sequence` where logged, else a short hash
    of the dialed channel and the leg's start and end."""
    leg = F.concat_ws("\u001f", F.coalesce("_ast_dstchannel", F.lit("")), *_as_texts("start_time", "end_time"))
    sequence = F.col("_sequence")
    return F.when(sequence.rlike("^[0-9]+$"), sequence).otherwise(F.substring(F.sha2(leg, 256), 1, 16))


def _record_hash() -> Column:
    # Parsed values where the text varies (quoting, NULL tokens, date formats), so a copy
    # re-saved by a spreadsheet hashes like the original.
    parsed = ("caller_name", "caller_number", "start_time", "answer_time", "end_time")
    parts = [
        *(F.col(f"_ast_{name}") for name in ASTERISK_COLUMNS if name not in _PARSED_IN_HASH),
        *_as_texts(*parsed),
    ]
    return F.sha2(F.concat_ws("\u001f", *(F.coalesce(part, F.lit("")) for part in parts)), 256)


def _as_texts(*names: str) -> list[Column]:
    return [F.coalesce(F.col(name).cast("string"), F.lit("")) for name in names]
