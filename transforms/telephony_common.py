"""What the Asterisk and FreeSWITCH CDR parsers share: CSV tokens, local times, caller ids,
the checks every call record passes, and the output contract.

Both PBXs write one call record per line, without a header; text fields are quoted, but
neither escapes reliably (FreeSWITCH never doubles an inner quote, old Asterisk did not
either), so a line that is not valid CSV is re-read with a looser rule before it is rejected.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

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
# RFC 4180: a quoted field doubles its inner quotes. Possessive quantifiers keep Java's
# regex engine from backtracking (or overflowing its stack) on long fields.
_STRICT_TOKEN = r'(?<=^|,)(?:"(?:[^"]++|"")*+"|[^,"]*+)(?=,|$)'
# Unescaped inner quotes ("Name" <1115> written inside quotes): a quoted field runs to the
# first quote that is followed by a comma or the end of the line.
_LOOSE_TOKEN = r'(?s)(?<=^|,)(?:".*?"(?=,|$)|[^,"]*+(?=,|$))'
_SLASH_DATE = {True: "d/M/yyyy H:mm[:ss]", False: "M/d/yyyy H:mm[:ss]"}
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


def with_csv_fields(lines_df: DataFrame) -> DataFrame:
    """Add `_fields` (unquoted, trimmed, literal NULL -> null) and `_well_formed`; clean `value`.

    Invalid UTF-8 bytes become U+FFFD, so a damaged name survives and nothing downstream
    (regexes, Parquet, Python) meets an undecodable string; a spreadsheet's byte-order mark
    goes too. The value is otherwise the line as read.
    """
    line = F.regexp_replace(F.make_valid_utf8("value"), "^\ufeff", "")
    strict_df = lines_df.select(
        "source_file",
        "line_number",
        line.alias("value"),
        F.regexp_extract_all(line, F.lit(_STRICT_TOKEN), 0).alias("_strict"),
    )
    is_strict = F.array_join("_strict", ",") == F.col("value")
    tokens_df = strict_df.select(
        "source_file",
        "line_number",
        "value",
        is_strict.alias("_is_strict"),
        F.when(is_strict, F.col("_strict"))
        .otherwise(F.regexp_extract_all("value", F.lit(_LOOSE_TOKEN), 0))
        .alias("_tokens"),
    )
    unquote = lambda token: blank_to_null(_unquote(token, F.col("_is_strict")))  # noqa: E731
    return tokens_df.select(
        "source_file",
        "line_number",
        "value",
        # Joining the tokens back gives the line only when they covered all of it.
        (F.array_join("_tokens", ",") == F.col("value")).alias("_well_formed"),
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


def local_to_utc(col: Column, source_timezone: str, day_first: bool) -> Column:
    """A PBX wall-clock time (no offset) -> UTC timestamp; null when it does not parse.

    `YYYY-MM-DD HH:MM:SS` as the PBX writes it; `D/M/YYYY H:MM[:SS]` (or M/D with
    `day_first=False`) as a spreadsheet re-saves it. A wall time repeated when DST ends reads
    as the first (summer) instant; one skipped when DST starts moves forward by the gap.
    """
    wall = F.coalesce(
        F.try_to_timestamp(col, F.lit("yyyy-M-d H:mm[:ss]")),
        F.try_to_timestamp(col, F.lit(_SLASH_DATE[day_first])),
    )
    return F.to_utc_timestamp(wall, source_timezone)


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
    from their raw texts `_start_time` ... `_billsec`."""
    return raw_df.select(
        "*",
        *(local_to_utc(F.col(f"_{name}"), source_timezone, day_first).alias(name) for name in _TIMES),
        *(seconds(F.col(f"_{name}")).alias(name) for name in _SECONDS),
    )


def _reason(leg_id_pattern: str) -> Column:
    raw, typed = (lambda name: F.col(f"_{name}")), F.col
    leg_id = typed("leg_id")
    return first_reason(
        (F.coalesce(F.trim("value"), F.lit("")) == "", "blank line"),
        (~raw("well_formed"), "malformed quoting"),
        (~raw("shape_ok"), "wrong number of fields"),
        (leg_id.isNull(), "missing leg_id"),
        (~leg_id.rlike(leg_id_pattern), "invalid leg_id"),  # also catches U+FFFD from bad bytes
        *((raw(name).isNull(), f"missing {name}") for name in _TIMES + _SECONDS if name != "answer_time"),
        *((raw(name).isNotNull() & typed(name).isNull(), f"invalid {name}") for name in _TIMES + _SECONDS),
        (typed("end_time") < typed("start_time"), "end_time before start_time"),
        (typed("duration_s") > _MAX_SECONDS, "duration_s out of range"),
        (typed("destination_number").isNull(), "missing destination_number"),
    )


def finish(typed_df: DataFrame, leg_id_pattern: str) -> DataFrame:
    """Give every row its reject reason, select the output contract, then reject later
    copies of an accepted leg_id.

    `typed_df` holds `_well_formed`, `_shape_ok`, the raw texts `_start_time` ... `_billsec`
    and every TELEPHONY_FIELDS column; `leg_id_pattern` is what a good leg_id of this PBX
    looks like. Output grain: one row per input line, `reject_reason` null when accepted.
    """
    return typed_df.select(
        "source_file", "line_number", "value", *TELEPHONY_FIELDS, _reason(leg_id_pattern).alias(REASON)
    ).transform(flag_duplicates, "leg_id", ["source_file", "line_number"])
