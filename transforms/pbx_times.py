"""Times as PBXs, databases and spreadsheets write them -> UTC timestamps, with built-ins only.

Shapes read (any other text does not parse):
- year first: `2020-02-10 22:41:05`, `2020-02-10T22:41`, `2020/2/10 22:41` (a spreadsheet's
  re-save), fractions of a second ignored, an optional offset (`+01`, `+01:00`, `Z`);
- day or month first: `10/02/2020 22:41[:05]`, `10.02.20 22:41`, `2/10/2020 10:41 PM`, two-digit
  years read as 20yy; which field is the day is the source's `day_first`;
- epoch seconds: `1581374465` or `1581374465.123456` (FreeSWITCH `*_epoch`, Asterisk `CDR(start,u)`).
A time without offset is the PBX's wall clock in its zone. `0`, `0000-00-00 00:00:00` and the
like are how PBXs and databases write "never" (an unanswered call): they read as null.

The patterns are Java regexes that Python's `re` reads the same way, so they can be checked
without Spark (tests/test_pbx_config.py).
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

_CLOCK = r"(?:T|\s+|,\s*)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:\s*([AaPp])\.?[Mm]\.?)?"
# Groups: 1 year, 2 separator, 3 month, 4 day, 5-8 clock (hour, minute, second, a/p), 9 offset.
# Offsets only from -14:00 to +14:00, the ones in use: a zone id Java refuses would fail the job.
YEAR_FIRST = r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})" + _CLOCK + r"\s*(Z|[+-](?:0\d|1[0-4])(?::?[0-5]\d)?)?$"
# Groups: 1 first field, 2 separator, 3 second field, 4 year, 5-8 clock.
DAY_MONTH = r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})" + _CLOCK + r"$"
EPOCH = r"^(\d{9,10})(?:\.\d{1,6})?$"
UNSET = r"^(?:0+(?:\.0+)?|0000-00-00(?:[ T]00:00(?::00)?)?)$"
DATE_ORDER_REASON = {
    False: "day-first dates but day_first is false",
    True: "month-first dates but day_first is true",
}


def unset_to_null(col: Column) -> Column:
    """A time field's text, null when it says "never" (`0`, `0000-00-00 00:00:00`)."""
    return F.when(~col.rlike(UNSET), col)


def _group(col: Column, pattern: str, index: int) -> Column:
    # regexp_extract gives "" for a group that did not take part; try_cast makes that null.
    return F.regexp_extract(col, pattern, index).try_cast("int")


def _hour(hour: Column, am_pm: Column) -> Column:
    """A 24-hour clock hour; with a/p, 1-12 only (12 AM is 0), else null."""
    is_twelve_hour = am_pm != ""
    half_day = F.when(F.lower(am_pm) == "p", 12).otherwise(0)
    return F.when(~is_twelve_hour, hour).when(hour.between(1, 12), hour % 12 + half_day)


def _clock(col: Column, pattern: str, first: int) -> tuple[Column, Column, Column]:
    am_pm = F.regexp_extract(col, pattern, first + 3)
    return (
        _hour(_group(col, pattern, first), am_pm),
        _group(col, pattern, first + 1),
        F.coalesce(_group(col, pattern, first + 2), F.lit(0)),
    )


def _offset_zone(offset: Column) -> Column:
    """`+01`, `+0100`, `+01:00` or `Z` -> a zone id Spark reads (`+01:00`)."""
    digits = F.regexp_replace(offset, ":", "")
    hours_minutes = F.concat(F.substring(digits, 1, 3), F.lit(":"), F.rpad(F.substring(digits, 4, 2), 2, "0"))
    # Null, never an invalid id, when there is no offset: to_utc_timestamp would fail on one.
    return F.when(offset == "Z", F.lit("+00:00")).when(offset != "", hours_minutes)


def _year_first(col: Column) -> tuple[Column, Column]:
    """(wall-clock timestamp, offset zone or "") of a year-first text; nulls when it is not one."""
    hour, minute, second = _clock(col, YEAR_FIRST, 5)
    parts = [_group(col, YEAR_FIRST, index) for index in (1, 3, 4)]
    wall = F.try_make_timestamp(*parts, hour, minute, second)
    return wall, F.regexp_extract(col, YEAR_FIRST, 9)


def _day_month(col: Column, day_first: bool) -> Column:
    """Wall-clock timestamp of a day/month-first text, the day where `day_first` says."""
    first, second = _group(col, DAY_MONTH, 1), _group(col, DAY_MONTH, 3)
    day, month = (first, second) if day_first else (second, first)
    year = _group(col, DAY_MONTH, 4)
    year = F.when(year < 100, year + 2000).otherwise(year)
    return F.try_make_timestamp(year, month, day, *_clock(col, DAY_MONTH, 5))


def looks_like_time(col: Column) -> Column:
    """Whether a text has one of the shapes above (a header's "calldate" has none)."""
    text = F.trim(col)
    return text.rlike(EPOCH) | text.rlike(YEAR_FIRST) | text.rlike(DAY_MONTH)


def local_to_utc(col: Column, source_timezone: str, day_first: bool) -> Column:
    """A PBX time text -> UTC timestamp; null when it does not parse (or says "never").

    Without offset the text is the wall clock in `source_timezone`: a wall time repeated when
    DST ends reads as the first (summer) instant; one skipped when DST starts moves forward by
    the gap. Needs a UTC session time zone (`telephony_common.check_time_zones`).
    """
    text = unset_to_null(F.trim(col))
    year_first_wall, offset = _year_first(text)
    return (
        F.when(text.rlike(EPOCH), F.timestamp_seconds(F.regexp_extract(text, EPOCH, 1).try_cast("bigint")))
        .when(text.rlike(YEAR_FIRST) & (offset != ""), F.to_utc_timestamp(year_first_wall, _offset_zone(offset)))
        .when(text.rlike(YEAR_FIRST), F.to_utc_timestamp(year_first_wall, source_timezone))
        .when(text.rlike(DAY_MONTH), F.to_utc_timestamp(_day_month(text, day_first), source_timezone))
    )


def contradicts_day_first(col: Column, day_first: bool) -> Column:
    """True when a day/month-first text can only be read the other way round: the field
    `day_first` calls the month is 13-31 and the other one a month (a 13 in the wrong field)."""
    text = F.trim(col)
    first, second = _group(text, DAY_MONTH, 1), _group(text, DAY_MONTH, 3)
    month, day = (second, first) if day_first else (first, second)
    return F.coalesce(text.rlike(DAY_MONTH) & month.between(13, 31) & day.between(1, 12), F.lit(False))
