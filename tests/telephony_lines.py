"""Telephony fixture files read and parsed for the parser tests: one fixture file per real-world
quirk (tests/fixtures/telephony), the real FreeSWITCH file, and the checks every parse must pass."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from jobs.lake.frames import local_frame
from jobs.lake.landing import read_numbered_lines
from tests.shared_data import SHARED_DATA
from transforms.parse_telephony import parse_asterisk_lines, parse_freeswitch_lines

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "telephony"
REAL_FREESWITCH = SHARED_DATA / "cdr" / "freeswitch-powermedia" / "Master.csv.2012-04-13-17-01-48"
LINES_SCHEMA = "source_file string, line_number bigint, value string"
OUTPUT_COLUMNS = [
    "source_file",
    "line_number",
    "value",
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
    "reject_reason",
]
KNOWN_REASONS = {
    "blank line",
    "malformed quoting",
    "wrong number of fields",
    "missing leg_id",
    "invalid leg_id",
    "missing start_time",
    "missing end_time",
    "missing duration_s",
    "missing billsec",
    "invalid start_time",
    "invalid answer_time",
    "invalid end_time",
    "invalid duration_s",
    "invalid billsec",
    "end_time before start_time",
    "duration_s out of range",
    "missing destination_number",
    "duplicate leg_id",
    "day-first dates but day_first is false",
}
NY, DUBLIN = "America/New_York", "Europe/Dublin"
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def read_fixtures(spark, *names: str):
    return read_numbered_lines(spark, [FIXTURES / name for name in names], FIXTURES)


def line_count(path: Path) -> int:
    # Counted from the bytes, independently of Spark: LF, CRLF and CR all end a line.
    return len(re.findall(rb"\r\n|\r|\n", path.read_bytes()))


def rows_by_file(parsed_df, names) -> dict[str, dict[int, object]]:
    """{file: {line_number: row}} of one collect, each file's rows in line order (Spark's
    collect order is the plan's), after checking that no line comes out twice."""
    by_file: dict[str, dict[int, object]] = {name: {} for name in names}
    for row in sorted(parsed_df.collect(), key=lambda row: row.line_number):
        assert row.line_number not in by_file[row.source_file]
        by_file[row.source_file][row.line_number] = row
    return by_file


def outcome(parsed_df, lines_read: dict[str, int]) -> dict[str, dict[int, object]]:
    """{file: {line_number: row}}, after checking, file by file, that every line read is
    accepted or quarantined (exactly once) and every quarantined row has a known reason."""
    by_file = rows_by_file(parsed_df, lines_read)
    for name, rows in by_file.items():
        accepted = [row for row in rows.values() if row.reject_reason is None]
        quarantined = [row for row in rows.values() if row.reject_reason is not None]
        assert sorted(rows) == list(range(1, lines_read[name] + 1))
        assert len(accepted) + len(quarantined) == lines_read[name]
        assert {row.reject_reason for row in quarantined} <= KNOWN_REASONS
    return by_file


def inline_outcome(parsed_df, count: int) -> dict[int, object]:
    return outcome(parsed_df, {"f": count})["f"]


def parse_files(spark, parser, names: list[str], tz: str = NY, **kwargs) -> dict[str, dict[int, object]]:
    """One read and one parse (one collect) for all `names` together."""
    lines_read = {name: line_count(FIXTURES / name) for name in names}
    return outcome(parser(read_fixtures(spark, *names), tz, **kwargs), lines_read)


def parse_asterisk_fixtures(spark) -> dict[str, dict[int, object]]:
    """Every Asterisk fixture parsed at once (in New York time): {file: {line: row}}."""
    return parse_files(spark, parse_asterisk_lines, sorted(p.name for p in FIXTURES.glob("asterisk_*.csv")))


def parse_freeswitch_fixtures(spark) -> dict[str, dict[int, object]]:
    """Every FreeSWITCH fixture but the day-first one parsed at once (in New York time)."""
    names = sorted(p.name for p in FIXTURES.glob("freeswitch_*.csv") if "day_first" not in p.name)
    return parse_files(spark, parse_freeswitch_lines, names)


def as_df(spark, parsed_rows):
    """Parsed rows back as a small DataFrame, so a mapping test does not parse again."""
    schema = parse_freeswitch_lines(local_frame(spark, [], LINES_SCHEMA), NY).schema
    return local_frame(spark, list(parsed_rows), schema)


def reasons(rows: dict[int, object]) -> dict[int, str | None]:
    return {number: row.reject_reason for number, row in sorted(rows.items())}


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)
