"""What the Asterisk and FreeSWITCH CDR parsers share: CSV tokens, typed times, caller ids,
the checks every call record passes, leg ids, and the output contract.

Both PBXs write one call record per line; text fields are quoted, but neither escapes
reliably (FreeSWITCH never doubles an inner quote, old Asterisk did not either), so a line
that is not valid CSV is re-read with a looser rule before it is rejected.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from transforms.pbx_times import DATE_ORDER_REASON, contradicts_day_first, local_to_utc, unset_to_null
from transforms.quarantine import REASON, blank_to_null, first_reason, flag_duplicates

TELEPHONY_FIELDS = (
    "leg_id",
    "caller_name",
    "caller_number",
    "destination_number",
    "account_code",
    "start_time",
    "answer_time",
    "end_time",
    "duration_s",
    "billsec",
    "disposition",
)
PARSED_COLUMNS = ("source_file", "line_number", "value", *TELEPHONY_FIELDS, REASON)
# RFC 4180: a quoted field doubles its inner quotes. Possessive quantifiers keep Java's
# regex engine from backtracking (or overflowing its stack) on long fields.
_STRICT_TOKEN = r'(?<=^|,)(?:"(?:[^"]++|"")*+"|[^,"]*+)(?=,|$)'
# Unescaped inner quotes ("Name" <1115> written inside quotes): a quoted field runs to the
# first quote that is followed by a comma or the end of the line. First, though, a field
# that only starts with a quoted name, then a space ("Name" <1115> unquoted, as FreePBX's
# old CDR export wrote a clid without a comma) is that field alone.
_LOOSE_TOKEN = r'(?s)(?<=^|,)(?:"[^",]++"\s[^,"]*+(?=,|$)|".*?"(?=,|$)|[^,"]*+(?=,|$))'
# FreeSWITCH's "sql" template: the record between `VALUES (` and `);`.
_INSERT = r"(?is)^\s*INSERT\s+INTO\s+\S+\s+VALUES\s*\((.*)\)\s*;?\s*$"
_UTC_SESSION = {"UTC", "Etc/UTC", "GMT", "Z", "+00:00"}
_MAX_SECONDS = 7 * 24 * 3600
_TIMES = ("start_time", "answer_time", "end_time")
_SECONDS = ("duration_s", "billsec")


def check_time_zones(lines_df: DataFrame, source_timezone: str) -> None:
    """Fail fast on a zone name nobody knows, and on a session that is not in UTC.

    `to_utc_timestamp` reads the parsed wall time as rendered in the session time zone, so
    the conversion is only right when that zone is UTC (spark-defaults.conf sets it).
    """
    try:
        ZoneInfo(source_timezone)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"unknown source time zone {source_timezone!r}") from err
    session_zone = lines_df.sparkSession.conf.get("spark.sql.session.timeZone")
    if session_zone not in _UTC_SESSION:
        raise ValueError(f"telephony parsers need a UTC session time zone, not {session_zone!r}")


def with_csv_fields(lines_df: DataFrame, insert_statement: bool = False) -> DataFrame:
    """Add `_fields` (unquoted, trimmed, literal NULL -> null), `_well_formed` and
    `_wrapped_ok`; clean `value`. With `insert_statement`, the fields are those inside a
    line's `INSERT INTO ... VALUES (...);` and `_wrapped_ok` says whether it is one.

    Invalid UTF-8 bytes become U+FFFD, so a damaged name survives and nothing downstream
    (regexes, Parquet, Python) meets an undecodable string; a spreadsheet's byte-order mark
    goes too. The value is otherwise the line as read.
    """
    line = F.regexp_replace(F.make_valid_utf8("value"), "^\ufeff", "")
    record, wrapped_ok = line, F.lit(True)
    if insert_statement:
        # The template writes `", "` before accountcode; a comma inside a quoted field is kept.
        record = F.regexp_replace(F.regexp_extract(line, _INSERT, 1), r'"\s*,\s+"', '","')
        wrapped_ok = F.coalesce(line.rlike(_INSERT), F.lit(False))
    strict_df = lines_df.select(
        "source_file",
        "line_number",
        line.alias("value"),
        record.alias("_record"),
        wrapped_ok.alias("_wrapped_ok"),
    ).select("*", F.regexp_extract_all("_record", F.lit(_STRICT_TOKEN), 0).alias("_strict"))
    is_strict = F.array_join("_strict", ",") == F.col("_record")
    tokens_df = strict_df.select(
        "source_file",
        "line_number",
        "value",
        "_record",
        "_wrapped_ok",
        is_strict.alias("_is_strict"),
        F.when(is_strict, F.col("_strict"))
        .otherwise(F.regexp_extract_all("_record", F.lit(_LOOSE_TOKEN), 0))
        .alias("_tokens"),
    )
    unquote = lambda token: blank_to_null(_unquote(token, F.col("_is_strict")))  # noqa: E731
    return tokens_df.select(
        "source_file",
        "line_number",
        "value",
        "_wrapped_ok",
        # Joining the tokens back gives the line only when they covered all of it.
        (F.array_join("_tokens", ",") == F.col("_record")).alias("_well_formed"),
        F.transform("_tokens", unquote).alias("_fields"),
    )


def _unquote(token: Column, is_strict: Column) -> Column:
    # Only a strict (RFC 4180) line doubles inner quotes; a loose one wrote them as they are.
    inner = F.regexp_replace(token, r'(?s)^"(.*)"$', "$1")
    is_quoted = token.rlike(r'(?s)^".*"$')
    return F.when(is_quoted & is_strict, F.replace(inner, F.lit('""'), F.lit('"'))).otherwise(inner)


def field(index: int) -> Column:
    """The field at 0-based `index` of `_fields`, null when the line is shorter."""
    return F.get(F.col("_fields"), index)


def seconds(col: Column) -> Column:
    """A whole number of seconds as bigint, null unless the text is only digits."""
    return F.when(col.rlike(r"^[0-9]{1,9}$"), col.cast("bigint"))


def phone_number_text(col: Column) -> Column:
    """The digits of a caller id (a leading + kept), or null when it is not a phone number.

    A SIP or tel URI keeps its user part when that is a number (sip:+15550101234@host);
    names, emails and SIP URIs with a name stay out. All zeros is a placeholder, not a number.
    """
    user = F.regexp_extract(col, r"^(?i:sips?:|tel:)?([^@;]*)", 1)
    digits = F.regexp_replace(user, r"[^0-9+]", "")
    is_number = user.rlike(r"^\s*\+?[0-9( ][0-9 ()./-]*$") & digits.rlike(r"^\+?[0-9]{2,}$")
    return F.when(is_number & ~digits.rlike(r"^\+?0+$"), digits)


def with_typed_times(raw_df: DataFrame, source_timezone: str, day_first: bool) -> DataFrame:
    """Add typed `start_time`, `answer_time`, `end_time` (UTC), `duration_s` and `billsec`
    from their raw texts `_start_time` ... `_billsec`, and `_date_order_conflict`.

    `_has_end`, `_has_answer`, `_has_duration`, `_has_billsec` say whether the layout has
    that column; a layout without one (the Asterisk `cdr` table has no answer or end) gets
    it from the others: end = start + duration, answer = end - billsec when billsec > 0.
    The texts PBXs write for "never" (`0`, `0000-00-00 00:00:00`) are nulls.
    """
    texts_df = raw_df.withColumns({f"_{name}": unset_to_null(F.col(f"_{name}")) for name in _TIMES})
    read = {name: local_to_utc(F.col(f"_{name}"), source_timezone, day_first) for name in _TIMES}
    read |= {name: seconds(F.col(f"_{name}")) for name in _SECONDS}
    # One contradicting date condemns its whole file: half of it would be read the wrong way.
    is_record = F.col("_well_formed") & F.col("_shape_ok")
    conflicts = F.lit(False)
    for name in _TIMES:
        conflicts = conflicts | contradicts_day_first(F.col(f"_{name}"), day_first)
    in_file = Window.partitionBy("source_file")
    read_df = texts_df.select(
        "*",
        *(col.alias(f"_read_{name}") for name, col in read.items()),
        F.coalesce(F.bool_or(is_record & conflicts).over(in_file), F.lit(False)).alias("_date_order_conflict"),
    )
    start, has = F.col("_read_start_time"), lambda name: F.col(f"_has_{name}")
    ends_df = read_df.select(
        "*",
        start.alias("start_time"),
        F.when(has("end"), F.col("_read_end_time"))
        .otherwise(_plus_seconds(start, F.col("_read_duration_s")))
        .alias("end_time"),
    )
    billsec = F.col("_read_billsec")
    answered_df = ends_df.select(
        "*",
        F.when(has("duration"), F.col("_read_duration_s"))
        .otherwise(F.unix_seconds("end_time") - F.unix_seconds("start_time"))
        .alias("duration_s"),
        F.when(has("answer"), F.col("_read_answer_time"))
        .when(billsec > 0, _plus_seconds(F.col("end_time"), -billsec))
        .alias("answer_time"),
    )
    return answered_df.select(
        "*",
        F.when(has("billsec"), billsec)
        .otherwise(F.coalesce(F.unix_seconds("end_time") - F.unix_seconds("answer_time"), F.lit(0).cast("bigint")))
        .alias("billsec"),
    )


def _plus_seconds(time: Column, seconds_col: Column) -> Column:
    return F.timestamp_seconds(F.unix_seconds(time) + seconds_col)


def _reason(leg_id_pattern: str, day_first: bool) -> Column:
    raw, read, typed = (lambda name: F.col(f"_{name}")), (lambda name: F.col(f"_read_{name}")), F.col
    # A missing value is a reason only where the layout has its column (start: always).
    has = {"start_time": F.lit(True), "end_time": raw("has_end"), "duration_s": raw("has_duration")}
    has["billsec"] = raw("has_billsec")
    leg_id = typed("leg_id")
    return first_reason(
        (F.coalesce(F.trim("value"), F.lit("")) == "", "blank line"),
        # The file-level reasons first, so every line of such a file carries the same one.
        (~raw("header_ok"), "no header row naming the call record's columns"),
        (raw("date_order_conflict"), DATE_ORDER_REASON[day_first]),
        (raw("repeated_header"), "repeated header row"),
        (~raw("wrapped_ok"), "not an INSERT statement"),
        (~raw("well_formed"), "malformed quoting"),
        (~raw("shape_ok"), "wrong number of fields"),
        (leg_id.isNull(), "missing leg_id"),
        (~leg_id.rlike(leg_id_pattern), "invalid leg_id"),  # also catches U+FFFD from bad bytes
        *((has_column & raw(name).isNull(), f"missing {name}") for name, has_column in has.items()),
        *((raw(name).isNotNull() & read(name).isNull(), f"invalid {name}") for name in _TIMES + _SECONDS),
        (typed("end_time") < typed("start_time"), "end_time before start_time"),
        (typed("duration_s") > _MAX_SECONDS, "duration_s out of range"),
        (typed("destination_number").isNull(), "missing destination_number"),
    )


def finish(typed_df: DataFrame, leg_id_pattern: str, day_first: bool, *, shared_uniqueids: bool = False) -> DataFrame:
    """Give every row its reject reason, select the output contract and `extra_keys`, name
    the legs that share a uniqueid apart, then reject later copies of an accepted leg_id.

    `typed_df` is `with_typed_times` output holding the `with_column_names` flags,
    `_shape_ok`, `extra_keys` and every TELEPHONY_FIELDS column; `leg_id_pattern` is what a
    good leg_id of this PBX looks like. With `shared_uniqueids` (Asterisk), it also holds
    `_uniqueid` and `_leg_suffix`: a uniqueid names a channel, and when the accepted records
    under one uniqueid are several legs (a forked dial, a transfer), each leg_id becomes
    `<uniqueid>/<suffix>`; a uniqueid of one leg stays its leg_id. Output grain: one row per
    input line but a header, `reject_reason` null when accepted.
    """
    legs = ("_uniqueid", "_leg_suffix") if shared_uniqueids else ()
    reasoned_df = typed_df.select(
        *PARSED_COLUMNS[:-1], "extra_keys", *legs, _reason(leg_id_pattern, day_first).alias(REASON)
    )
    if shared_uniqueids:
        reasoned_df = _name_shared_legs(reasoned_df)
    return reasoned_df.transform(flag_duplicates, "leg_id", ["source_file", "line_number"]).select(
        *PARSED_COLUMNS, "extra_keys"
    )


def _name_shared_legs(df: DataFrame) -> DataFrame:
    # Records without a uniqueid (a hash leg_id) are each their own partition, not one big one.
    key = F.when(F.col(REASON).isNull() & F.col("_uniqueid").isNotNull(), F.col("_leg_suffix"))
    of_uniqueid = Window.partitionBy(F.coalesce("_uniqueid", "leg_id"))
    is_shared = F.coalesce(F.min(key).over(of_uniqueid) != F.max(key).over(of_uniqueid), F.lit(False))
    leg_id = F.when(is_shared, F.concat_ws("/", "_uniqueid", "_leg_suffix")).otherwise(F.col("leg_id"))
    return df.withColumn("leg_id", leg_id)
