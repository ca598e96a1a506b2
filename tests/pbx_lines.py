"""The PBX layout fixtures (tests/fixtures/telephony/layouts), parsed for the layout, time and
forked-call tests: one fixture file per layout, written from each layout's documentation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jobs.lake.landing import read_numbered_lines
from tests.telephony_lines import rows_by_file
from transforms.cdr_layouts import CdrLayout
from transforms.parse_telephony import parse_pbx_lines

LAYOUTS = Path(__file__).resolve().parent / "fixtures" / "telephony" / "layouts"
NY = "America/New_York"


def parse_layout(
    spark, layout: CdrLayout, names: list[str], day_first: bool = False, tz: str = NY
) -> dict[str, dict[int, object]]:
    """{file: {line_number: row}} of `names` read together and parsed as `layout`, each file's
    rows in line order, after checking that no line comes out twice (rows_by_file)."""
    lines_df = read_numbered_lines(spark, [LAYOUTS / name for name in names], LAYOUTS)
    return rows_by_file(parse_pbx_lines(lines_df, layout, tz, day_first), names)


def reasons(rows: dict[int, object]) -> dict[int, str | None]:
    return {number: row.reject_reason for number, row in sorted(rows.items())}


def accepted(rows: dict[int, object]) -> list[object]:
    return [row for _, row in sorted(rows.items()) if row.reject_reason is None]


def utc(text: str) -> dt.datetime:
    """A UTC time as collected rows hold it (the session and the test process are in UTC)."""
    return dt.datetime.fromisoformat(text)


def times(row) -> tuple:
    return (row.start_time, row.answer_time, row.end_time, row.duration_s, row.billsec)
