"""Telephony CDR parsers (Asterisk cdr_csv, FreeSWITCH mod_cdr_csv): one fixture file per
real-world quirk, each parsed once for the session (tests/conftest.py)."""

from __future__ import annotations

from tests.telephony_lines import SHA256_HEX, reasons, utc


def test_asterisk_layouts_of_16_to_21_fields_and_leg_ids(asterisk):
    rows = asterisk["asterisk_layouts.csv"]
    assert reasons(rows) == {
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
        utc("2024-03-05 14:00:00"),
        utc("2024-03-05 14:00:02"),
        utc("2024-03-05 14:30:02"),
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
    assert reasons(rows) == {
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
    assert reasons(ast) == {1: None, 2: None, 3: "invalid leg_id"}
    assert reasons(fs) == {1: None, 2: "invalid leg_id"}
    assert ast[1].caller_name == "Quinn \ufffd\ufffd Example"
    assert ast[2].caller_name == "Jos\ufffd Example"  # Latin-1 é
    assert fs[1].caller_name == "Sam \ufffd\ufffd Example"
    assert (ast[1].caller_number, ast[1].leg_id) == ("5550100021", "1709629700.22")
    assert all("\ufffd" in row.value for row in (ast[1], ast[3], fs[2]))  # value is valid UTF-8 now


def test_cr_only_line_ends(asterisk, freeswitch):
    ast, fs = asterisk["asterisk_cr_only.csv"], freeswitch["freeswitch_cr_only.csv"]
    assert [ast[n].leg_id for n in (1, 2, 3)] == ["1709629800.31", "1709629800.32", "1709629800.33"]
    assert reasons(ast) == {1: None, 2: None, 3: None} and reasons(fs) == {1: None, 2: None}
    assert (ast[2].answer_time, fs[2].answer_time, fs[2].disposition) == (None, None, "NO_ANSWER")
    assert fs[1].caller_name == "Xia Example" and not fs[1].value.endswith("\r")


def test_spreadsheet_resave_without_quotes_and_with_split_fields(asterisk, freeswitch):
    ast, fs = asterisk["asterisk_spreadsheet.csv"], freeswitch["freeswitch_spreadsheet.csv"]
    # Line 2 has 17 fields (a legal count), line 3 has 19: the misplaced fields give them away.
    assert reasons(ast) == {1: None, 2: "wrong number of fields", 3: "wrong number of fields"}
    assert reasons(fs) == {1: None, 2: "wrong number of fields"}
    # The byte-order mark is not part of the first field.
    assert (ast[1].account_code, ast[1].caller_name, ast[1].caller_number) == (
        "acct1",
        "Zed Example",
        "5550100041",
    )
    assert (fs[1].caller_name, fs[1].leg_id) == ("Cy Example", "6a3e0c55-31d2-4f0e-9c1b-0000000000c1")


def test_same_cdr_logged_twice_keeps_the_first_accepted_copy(asterisk):
    rows = asterisk["asterisk_duplicates.csv"]
    assert reasons(rows) == {
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
    assert reasons(rows) == {
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
        utc("2024-03-05 14:00:00"),
        utc("2024-03-05 14:00:02"),
    )
    assert (unanswered.answer_time, unanswered.account_code, unanswered.billsec) == (None, None, 0)
    assert unanswered.end_time == utc("2024-03-05 14:00:25")
