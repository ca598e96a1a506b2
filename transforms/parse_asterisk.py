"""Asterisk cdr_csv Master.csv lines -> call legs with a reject reason or null."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.quarantine import blank_to_null
from transforms.telephony_common import (
    check_time_zones,
    field,
    finish,
    phone_number_text,
    with_csv_fields,
    with_typed_times,
)

# cdr/cdr_csv.c build_csv_record(): these 16 always, then uniqueid (loguniqueid), userfield
# (loguserfield), then peeraccount, linkedid, sequence (newcdrcolumns): 16 to 21 fields.
ASTERISK_COLUMNS = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
)
_COL = {name: index for index, name in enumerate(ASTERISK_COLUMNS)}
# ast_channel_amaflags2string() (and the older ast_cdr_flags2str()) write one of these.
_AMA_FLAGS = ("OMIT", "BILLING", "BILL", "DOCUMENTATION", "DEFAULT", "IGNORE", "UNKNOWN")
# uniqueid is "<epoch>.<sequence>", prefixed by "<systemname>-" when systemname is set.
_UNIQUEID = r"^([\w.-]+-)?[0-9]+\.[0-9]+$"
# A uniqueid, or the sha256 hex that stands in for a missing one.
_LEG_ID = r"^[\w.-]+$"
_PARSED_IN_HASH = ("src", "clid", "start", "answer", "end")


def parse_asterisk_lines(lines_df: DataFrame, source_timezone: str, day_first: bool = False) -> DataFrame:
    """One row per input line: the call leg and a reject reason (null when accepted).

    Input grain: one row per line (`source_file`, `line_number`, `value`) of a Master.csv.
    `leg_id` is the uniqueid when logged, else a sha256 of the normalized record, so the same
    record logged twice (even once re-saved by a spreadsheet) gets the same id and keeps its
    first copy. Times are the PBX's wall clock in `source_timezone`, returned in UTC.

    >>> parse_asterisk_lines(read_numbered_lines(spark, files, root), "America/New_York")
    """
    check_time_zones(lines_df, source_timezone)
    raw = {name: field(index) for name, index in _COL.items()}
    clid_name, clid_number = _split_clid(raw["clid"])
    raw_df = with_csv_fields(lines_df).select(
        "source_file",
        "line_number",
        "value",
        "_well_formed",
        _fits_layout().alias("_shape_ok"),
        _uniqueid().alias("_uniqueid"),
        *(raw[name].alias(f"_ast_{name}") for name in ASTERISK_COLUMNS),
        clid_name.alias("caller_name"),
        F.coalesce(phone_number_text(raw["src"]), phone_number_text(clid_number)).alias("caller_number"),
        raw["dst"].alias("destination_number"),
        raw["accountcode"].alias("account_code"),
        raw["start"].alias("_start_time"),
        raw["answer"].alias("_answer_time"),
        raw["end"].alias("_end_time"),
        raw["duration"].alias("_duration_s"),
        raw["billsec"].alias("_billsec"),
        raw["disposition"].alias("disposition"),
    )
    typed_df = with_typed_times(raw_df, source_timezone, day_first)
    leg_id = F.coalesce("_uniqueid", F.when(F.col("_shape_ok"), _record_hash()))
    return finish(typed_df.withColumn("leg_id", leg_id), _LEG_ID)


def _fits_layout() -> Column:
    # A comma inside an unquoted field (a spreadsheet's re-save) shifts every later field:
    # the count may still be legal, but duration, billsec and amaflags land out of place.
    # A null (empty or NULL) field is not evidence either way.
    count_ok = F.coalesce(F.size("_fields").between(16, 21), F.lit(False))
    duration_ok = F.coalesce(field(_COL["duration"]).rlike("^[0-9]+$"), F.lit(True))
    billsec_ok = F.coalesce(field(_COL["billsec"]).rlike("^[0-9]+$"), F.lit(True))
    amaflags_ok = F.coalesce(F.upper(field(_COL["amaflags"])).isin(*_AMA_FLAGS), F.lit(True))
    return count_ok & duration_ok & billsec_ok & amaflags_ok


def _uniqueid() -> Column:
    # 18 and 21 fields carry uniqueid and userfield; 17 and 20 carry one of the two, and a
    # uniqueid is recognizable by its shape. 16 and 19 carry neither.
    size, extra = F.size("_fields"), field(len(ASTERISK_COLUMNS))
    has_uniqueid = size.isin(18, 21) | (size.isin(17, 20) & extra.rlike(_UNIQUEID))
    return F.when(has_uniqueid, extra)


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


def _record_hash() -> Column:
    # Parsed values where the text varies (quoting, NULL tokens, date formats), so a copy
    # re-saved by a spreadsheet hashes like the original.
    parsed = ("caller_name", "caller_number", "start_time", "answer_time", "end_time")
    parts = [
        *(F.col(f"_ast_{name}") for name in ASTERISK_COLUMNS if name not in _PARSED_IN_HASH),
        *(F.col(name).cast("string") for name in parsed),
    ]
    return F.sha2(F.concat_ws("\u001f", *(F.coalesce(part, F.lit("")) for part in parts)), 256)
