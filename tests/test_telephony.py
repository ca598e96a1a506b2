"""Telephony CDR parsers (Asterisk cdr_csv, FreeSWITCH mod_cdr_csv) and their mapping onto
native CDR legs: one fixture file per real-world quirk, and the real FreeSWITCH file."""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from jobs.lake.landing import read_numbered_lines
from tests.shared_data import SHARED_DATA
from transforms.parse_cdr import CDR_FIELDS, parse_cdr_lines
from transforms.parse_telephony import parse_asterisk_lines, parse_freeswitch_lines, telephony_to_legs
from transforms.quarantine import REASON

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
}
NY, DUBLIN = "America/New_York", "Europe/Dublin"
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def _read(spark, *names: str):
    return read_numbered_lines(spark, [FIXTURES / name for name in names], FIXTURES)


def _line_count(path: Path) -> int:
    # Counted from the bytes, independently of Spark: LF, CRLF and CR all end a line.
    return len(re.findall(rb"\r\n|\r|\n", path.read_bytes()))


def _outcome(parsed_df, lines_read: dict[str, int]) -> dict[str, dict[int, object]]:
    """{file: {line_number: row}}, after checking, file by file, that every line read is
    accepted or quarantined (exactly once) and every quarantined row has a known reason."""
    by_file: dict[str, dict[int, object]] = {name: {} for name in lines_read}
    for row in parsed_df.collect():
        assert row.line_number not in by_file[row.source_file]
        by_file[row.source_file][row.line_number] = row
    for name, rows in by_file.items():
        accepted = [row for row in rows.values() if row.reject_reason is None]
        quarantined = [row for row in rows.values() if row.reject_reason is not None]
        assert sorted(rows) == list(range(1, lines_read[name] + 1))
        assert len(accepted) + len(quarantined) == lines_read[name]
        assert {row.reject_reason for row in quarantined} <= KNOWN_REASONS
    return by_file


def _inline_outcome(parsed_df, count: int) -> dict[int, object]:
    return _outcome(parsed_df, {"f": count})["f"]


def _parse_files(spark, parser, names: list[str], tz: str = NY, **kwargs) -> dict[str, dict[int, object]]:
    """One read and one parse (one collect) for all `names` together."""
    lines_read = {name: _line_count(FIXTURES / name) for name in names}
    return _outcome(parser(_read(spark, *names), tz, **kwargs), lines_read)


def _as_df(spark, parsed_rows):
    """Parsed rows back as a small DataFrame, so a mapping test does not parse again."""
    schema = parse_freeswitch_lines(spark.createDataFrame([], LINES_SCHEMA), NY).schema
    return spark.createDataFrame(list(parsed_rows), schema)


@pytest.fixture(scope="module")
def asterisk(spark) -> dict[str, dict[int, object]]:
    """Every Asterisk fixture parsed at once (in New York time): {file: {line: row}}."""
    return _parse_files(spark, parse_asterisk_lines, sorted(p.name for p in FIXTURES.glob("asterisk_*.csv")))


@pytest.fixture(scope="module")
def freeswitch(spark) -> dict[str, dict[int, object]]:
    """Every FreeSWITCH fixture but the day-first one parsed at once (in New York time)."""
    names = sorted(p.name for p in FIXTURES.glob("freeswitch_*.csv") if "day_first" not in p.name)
    return _parse_files(spark, parse_freeswitch_lines, names)


def _reasons(rows: dict[int, object]) -> dict[int, str | None]:
    return {number: row.reject_reason for number, row in sorted(rows.items())}


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_asterisk_layouts_of_16_to_21_fields_and_leg_ids(asterisk):
    rows = asterisk["asterisk_layouts.csv"]
    assert _reasons(rows) == {
        1: None,
        2: None,
        3: None,
        4: None,
        5: None,
        6: None,
        7: None,
        8: "wrong number of fields",
        9: "missing start_time",
        10: "end_time before start_time",
    }
    first = rows[1]
    assert (first.caller_name, first.caller_number, first.destination_number) == (
        "Ann Example",
        "5550100001",
        "7000",
    )
    assert (first.start_time, first.answer_time, first.end_time) == (
        _utc("2024-03-05 14:00:00"),
        _utc("2024-03-05 14:00:02"),
        _utc("2024-03-05 14:30:02"),
    )
    assert (first.duration_s, first.billsec, first.disposition) == (1802, 1800, "ANSWERED")
    assert first.account_code == "acct1"
    # The uniqueid when logged (17 fields with it, 18, 21); else a sha256 (16, 17 with userfield, 19).
    assert [rows[n].leg_id for n in (2, 4, 6)] == ["1709629200.17", "pbx1-1709629300.18", "1709629500.20"]
    assert all(SHA256_HEX.match(rows[n].leg_id) for n in (1, 3, 5, 7))
    assert len({rows[n].leg_id for n in range(1, 8)}) == 7
    unanswered = rows[4]
    assert (unanswered.answer_time, unanswered.billsec, unanswered.disposition) == (None, 0, "NO ANSWER")
    assert rows[5].account_code is None  # "" is null
    assert (rows[7].account_code, rows[7].answer_time) == (None, None)  # literal NULL is null


def test_asterisk_caller_id_with_broken_and_escaped_quoting(asterisk):
    rows = asterisk["asterisk_old_quoting.csv"]
    assert _reasons(rows) == {
        1: None,
        2: None,
        3: None,
        4: None,
        5: None,
        6: "malformed quoting",
        7: None,
    }
    callers = {n: (rows[n].caller_name, rows[n].caller_number) for n in (1, 2, 3, 4, 5, 7)}
    assert callers == {
        1: ("Kim Example", "5550100011"),  # ""Kim Example" <5550100011>": quotes not doubled
        2: ('Lee "LJ" Example', "5550100012"),
        3: ("Max Example", "5550100013"),  # """Max Example"" <...>": RFC 4180 escaping
        4: ("Ned Example", "5550100014"),  # number from the clid when src is empty
        5: (None, "5550100015"),  # a bare number is not a name
        7: ("Pat, Example", "5550100017"),  # a comma inside the broken quotes
    }
    assert rows[1].disposition == "ANSWERED" and rows[1].duration_s == 1802


def test_invalid_utf8_bytes_survive_in_names_and_reject_ids(asterisk, freeswitch):
    ast, fs = asterisk["asterisk_invalid_utf8.csv"], freeswitch["freeswitch_invalid_utf8.csv"]
    assert _reasons(ast) == {1: None, 2: None, 3: "invalid leg_id"}
    assert _reasons(fs) == {1: None, 2: "invalid leg_id"}
    assert ast[1].caller_name == "Quinn \ufffd\ufffd Example"
    assert ast[2].caller_name == "Jos\ufffd Example"  # Latin-1 é
    assert fs[1].caller_name == "Sam \ufffd\ufffd Example"
    assert (ast[1].caller_number, ast[1].leg_id) == ("5550100021", "1709629700.22")
    assert all("\ufffd" in row.value for row in (ast[1], ast[3], fs[2]))  # value is valid UTF-8 now


def test_cr_only_line_ends(asterisk, freeswitch):
    ast, fs = asterisk["asterisk_cr_only.csv"], freeswitch["freeswitch_cr_only.csv"]
    assert [ast[n].leg_id for n in (1, 2, 3)] == ["1709629800.31", "1709629800.32", "1709629800.33"]
    assert _reasons(ast) == {1: None, 2: None, 3: None} and _reasons(fs) == {1: None, 2: None}
    assert (ast[2].answer_time, fs[2].answer_time, fs[2].disposition) == (None, None, "NO_ANSWER")
    assert fs[1].caller_name == "Xia Example" and not fs[1].value.endswith("\r")


def test_spreadsheet_resave_without_quotes_and_with_split_fields(asterisk, freeswitch):
    ast, fs = asterisk["asterisk_spreadsheet.csv"], freeswitch["freeswitch_spreadsheet.csv"]
    # Line 2 has 17 fields (a legal count), line 3 has 19: the misplaced fields give them away.
    assert _reasons(ast) == {1: None, 2: "wrong number of fields", 3: "wrong number of fields"}
    assert _reasons(fs) == {1: None, 2: "wrong number of fields"}
    # The byte-order mark is not part of the first field.
    assert (ast[1].account_code, ast[1].caller_name, ast[1].caller_number) == (
        "acct1",
        "Zed Example",
        "5550100041",
    )
    assert (fs[1].caller_name, fs[1].leg_id) == ("Cy Example", "6a3e0c55-31d2-4f0e-9c1b-0000000000c1")


def test_same_cdr_logged_twice_keeps_the_first_accepted_copy(asterisk):
    rows = asterisk["asterisk_duplicates.csv"]
    assert _reasons(rows) == {
        1: None,
        2: "duplicate leg_id",  # no uniqueid; line 2 is line 1 re-saved without quotes
        3: None,
        4: "duplicate leg_id",
        5: "invalid start_time",
        6: None,  # a damaged first copy does not reject the good one
    }
    assert rows[1].leg_id == rows[2].leg_id and SHA256_HEX.match(rows[1].leg_id)
    assert rows[6].leg_id == "1709630100.53"


def test_freeswitch_unanswered_null_duplicates_and_malformed_rows(freeswitch):
    rows = freeswitch["freeswitch_basic.csv"]
    assert _reasons(rows) == {
        1: None,
        2: None,
        3: "duplicate leg_id",
        4: "wrong number of fields",
        5: "invalid leg_id",
        6: "missing leg_id",
        7: "end_time before start_time",
        8: "missing destination_number",
        9: "invalid duration_s",
    }
    answered, unanswered = rows[1], rows[2]
    assert (answered.leg_id, answered.account_code, answered.disposition) == (
        "9a3b4c5d-6e7f-4a8b-9c0d-0000000000f1",
        "acct1",
        "NORMAL_CLEARING",
    )
    assert (answered.start_time, answered.answer_time) == (
        _utc("2024-03-05 14:00:00"),
        _utc("2024-03-05 14:00:02"),
    )
    assert (unanswered.answer_time, unanswered.account_code, unanswered.billsec) == (None, None, 0)
    assert unanswered.end_time == _utc("2024-03-05 14:00:25")


def test_local_times_convert_across_dst_changes(spark, freeswitch):
    new_york = freeswitch["freeswitch_dst.csv"]
    dublin = _parse_files(spark, parse_freeswitch_lines, ["freeswitch_dst.csv"], DUBLIN)["freeswitch_dst.csv"]
    assert [new_york[n].start_time for n in range(1, 7)] == [
        _utc("2012-03-11 06:59:59"),  # EST, one second before the change
        _utc("2012-03-11 07:30:00"),  # 02:30 never happened: read as 03:30 EDT
        _utc("2012-03-11 07:00:00"),  # EDT
        _utc("2012-11-04 05:30:00"),  # 01:30 happened twice: the first (EDT) is taken
        _utc("2012-11-04 07:30:00"),  # EST
        _utc("2012-07-01 16:00:00"),
    ]
    assert [dublin[n].start_time for n in (3, 4, 6)] == [
        _utc("2012-03-11 03:00:00"),
        _utc("2012-11-04 01:30:00"),
        _utc("2012-07-01 11:00:00"),
    ]
    assert set(_reasons(new_york).values()) == {None}


def test_day_first_dates(spark):
    name = "freeswitch_day_first.csv"
    day_first = _parse_files(spark, parse_freeswitch_lines, [name], DUBLIN, day_first=True)[name]
    month_first = _parse_files(spark, parse_freeswitch_lines, [name], DUBLIN)[name]
    assert _reasons(day_first) == {1: None, 2: None, 3: None}
    assert (day_first[1].start_time, day_first[1].answer_time, day_first[1].end_time) == (
        _utc("2012-04-13 16:01:48"),
        _utc("2012-04-13 16:01:50"),
        _utc("2012-04-13 16:11:48"),
    )
    assert day_first[2].start_time == _utc("2012-04-05 08:00:00")  # no seconds, as spreadsheets write
    assert day_first[3].start_time == _utc("2012-04-13 16:01:48")  # ISO dates are never ambiguous
    assert _reasons(month_first) == {1: "invalid start_time", 2: None, 3: None}
    assert month_first[2].start_time == _utc("2012-05-04 08:00:00")


def test_emails_and_sip_uris_never_become_numbers_or_leave_the_name(spark, asterisk, freeswitch):
    ast, fs = asterisk["asterisk_sip_email.csv"], freeswitch["freeswitch_sip_email.csv"]
    assert [(ast[n].caller_name, ast[n].caller_number) for n in (1, 2, 3)] == [
        ("sip:alice@pbx.example.com", None),
        ("bob@example.com", None),
        ("Cleo Example", "+15550100063"),
    ]
    assert [(fs[n].caller_name, fs[n].caller_number) for n in (1, 2, 3)] == [
        ("sip:dana@pbx.example.com", None),
        ("erin@example.com", None),
        ('Finn "FX" Example', None),
    ]
    parsed_df = _as_df(spark, [*ast.values(), *fs.values()])
    legs = telephony_to_legs(parsed_df, account_id="acct-sip", region="us", country="US").collect()
    assert len(legs) == 6
    for row in legs:
        outside_name = {k: v for k, v in row.asDict().items() if k not in ("participant_name", "value")}
        assert not any("@" in str(value) for value in outside_name.values()), outside_name
    assert sorted(row.caller_number for row in legs if row.caller_number) == ["+15550100063"]


def test_number_forms_normalize_to_e164_in_legs(spark, freeswitch):
    parsed_df = _as_df(spark, freeswitch["freeswitch_number_forms.csv"].values())
    legs = telephony_to_legs(parsed_df, account_id="acct-9", region="us", country="US").collect()
    by_name = {row.participant_name: row for row in legs}
    assert {name: row.caller_number for name, row in by_name.items()} == {
        "Caller 1": "+15550101234",  # +1 555 010 1234
        "Caller 2": "+15550101234",  # 001 555 010 1234: 00 read as +
        "Caller 3": "+15550101234",  # (555) 010-1234
        "Caller 4": "+15550101234",  # 5550101234
        "Caller 5": None,  # extension 1901: no E.164 form
        "Caller 6": None,  # 0000000000: a placeholder
        "Caller 7": None,  # NULL
    }
    assert [by_name[f"Caller {n}"].access_number for n in (1, 2, 3, 4)] == ["+15550107000"] * 3 + [None]
    first = by_name["Caller 1"]
    constants = (first.account_id, first.access_type, first.region, first.country, first.product)
    assert constants == ("acct-9", "dial_in", "us", "US", "audio")
    assert first.conference_id == "+1 555 010 7000"  # the bridge number, as dialed
    assert (first.start_time, first.end_time, first.duration_s) == (
        _utc("2024-03-05 14:00:00"),
        _utc("2024-03-05 14:30:02"),
        1802,
    )
    unset = (first.participant_email, first.ip_address, first.recorded, first.mos, first.rating, first.notes)
    assert unset == (None,) * 6 and (first.extra_keys, first.reject_reason) == ([], None)


def test_legs_have_the_native_cdr_columns_and_types(spark, freeswitch):
    native_df = parse_cdr_lines(spark.createDataFrame([("f", 1, '{"leg_id": "x"}')], LINES_SCHEMA))
    parsed_df = _as_df(spark, freeswitch["freeswitch_basic.csv"].values())
    legs_df = telephony_to_legs(parsed_df, account_id="a", region="ie", country="IE")
    assert legs_df.columns == ["source_file", "line_number", "value", *CDR_FIELDS, "extra_keys", REASON]
    assert dict(legs_df.dtypes) == dict(native_df.dtypes)
    assert native_df.unionByName(legs_df).columns == native_df.columns
    # Accepted rows only, unless the caller wants the rejects (with their reasons) as well.
    everything = telephony_to_legs(parsed_df, account_id="a", region="ie", country="IE", keep_rejected=True)
    all_reasons = sorted(row.reject_reason or "" for row in everything.select("reject_reason").collect())
    assert all_reasons == sorted(r or "" for r in _reasons(freeswitch["freeswitch_basic.csv"]).values())
    assert all_reasons.count("") == 2
    with pytest.raises(ValueError, match="region"):
        telephony_to_legs(parsed_df, account_id="a", region="mars", country="IE")


@pytest.mark.parametrize("parser", [parse_asterisk_lines, parse_freeswitch_lines])
def test_null_row_empty_input_and_malformed_rows(spark, parser):
    values = [None, "", "   ", "garbage", '"unterminated,"x', "\ufeff"]
    lines_df = spark.createDataFrame([("f", i + 1, v) for i, v in enumerate(values)], LINES_SCHEMA)
    assert _reasons(_inline_outcome(parser(lines_df, NY), len(values))) == {
        1: "blank line",
        2: "blank line",
        3: "blank line",
        4: "wrong number of fields",
        5: "malformed quoting",
        6: "blank line",
    }
    empty_df = parser(spark.createDataFrame([], LINES_SCHEMA), NY)
    assert empty_df.columns == OUTPUT_COLUMNS and empty_df.count() == 0
    with pytest.raises(ValueError, match="time zone"):
        parser(lines_df, "Mars/Olympus_Mons")


@pytest.mark.parametrize(
    "parser, name",
    [
        (parse_asterisk_lines, "asterisk_layouts.csv"),
        (parse_freeswitch_lines, "freeswitch_basic.csv"),
    ],
)
def test_mangled_lines_are_accepted_whole_or_rejected_with_a_reason(spark, parser, name):
    # Every accepted row has what a leg needs, however a good line was cut or re-quoted.
    good = (FIXTURES / name).read_text(encoding="utf-8").splitlines()[0]
    rng = random.Random(7)
    mangled = []
    for _ in range(300):
        chars, at = list(good), rng.randrange(len(good))
        edit = rng.choice(["drop", "quote", "comma", "cut", "bad"])
        if edit == "drop":
            del chars[at]
        elif edit == "cut":
            chars = chars[:at]
        else:
            chars.insert(at, {"quote": '"', "comma": ",", "bad": "\ufffd"}[edit])
        mangled.append("".join(chars))
    lines_df = spark.createDataFrame([("f", i + 1, v) for i, v in enumerate(mangled)], LINES_SCHEMA)
    rows = _inline_outcome(parser(lines_df, NY), len(mangled)).values()
    accepted = [row for row in rows if row.reject_reason is None]
    assert accepted and len(accepted) < len(mangled)
    needed = [(r.leg_id, r.start_time, r.end_time, r.destination_number, r.duration_s) for r in accepted]
    assert all(None not in values for values in needed)
    assert len({row.leg_id for row in accepted}) == len(accepted)


def test_real_freeswitch_file_every_record_accounted_for(spark):
    root = REAL_FREESWITCH.parent
    parsed_df = parse_freeswitch_lines(read_numbered_lines(spark, [REAL_FREESWITCH], root), DUBLIN)
    by_reason = parsed_df.groupBy("reject_reason").agg(F.count(F.lit(1)).alias("rows")).collect()
    counts = {row.reject_reason: row.rows for row in by_reason}
    assert counts == {None: 1782, "duplicate leg_id": 1634, "missing destination_number": 9}
    assert sum(counts.values()) == _line_count(REAL_FREESWITCH) == 3425
    is_accepted = F.col("reject_reason").isNull()
    is_parseable = is_accepted | (F.col("reject_reason") == "duplicate leg_id")
    totals = parsed_df.select(
        F.count_if(is_accepted).alias("accepted"),
        F.count_distinct(F.when(is_parseable, F.col("leg_id"))).alias("parseable_ids"),
        F.count_distinct(F.when(is_accepted, F.col("leg_id"))).alias("accepted_ids"),
        F.count_if(is_accepted & F.col("answer_time").isNull()).alias("unanswered"),
    ).first()
    assert totals.accepted == totals.parseable_ids == totals.accepted_ids == 1782
    assert 0 < totals.unanswered < totals.accepted
