"""Every common PBX CDR layout ingests: Asterisk cdr_csv (18 and 21 fields), the `cdr` table
exported with its header, FreePBX's CDR report, a cdr_custom template named by `columns`,
FreeSWITCH's "example" and "sql" templates, and `header: true`. One fixture per layout
(tests/fixtures/telephony/layouts), every well-formed record accepted."""

from __future__ import annotations

import pytest

from jobs.lake.frames import local_frame
from tests.pbx_lines import NY, accepted, parse_layout, reasons, times, utc
from transforms.cdr_layouts import PRESETS, resolve_layout
from transforms.parse_telephony import parse_pbx_lines
from transforms.telephony_common import PARSED_COLUMNS

NO_HEADER = "no header row naming the call record's columns"
TABLE_EXTRAS = ["acctid", "did", "sipcallid", "tenant", "trunk"]
LINES_SCHEMA = "source_file string, line_number bigint, value string"


def _callers(rows, *numbers):
    return [(rows[n].caller_name, rows[n].caller_number, rows[n].destination_number) for n in numbers]


def test_asterisk_cdr_csv_with_18_and_21_fields(spark):
    parsed = parse_layout(spark, PRESETS["asterisk"]["cdr_csv"], ["asterisk_cdr_csv_18.csv", "asterisk_cdr_csv_21.csv"])
    csv18, csv21 = parsed["asterisk_cdr_csv_18.csv"], parsed["asterisk_cdr_csv_21.csv"]
    assert reasons(csv18) == {1: None, 2: None, 3: None} and reasons(csv21) == {1: None, 2: None}
    assert _callers(csv18, 1, 3) == [("Amy Example", "5550100101", "7000"), ("Cy Example", "5550100103", "7001")]
    assert times(csv18[1]) == (
        utc("2024-02-12 14:00:00"),
        utc("2024-02-12 14:00:03"),
        utc("2024-02-12 14:30:03"),
        1803,
        1800,
    )
    assert (csv18[2].answer_time, csv18[2].billsec, csv18[2].disposition) == (None, 0, "NO ANSWER")
    assert (csv18[3].disposition, csv18[3].account_code) == ("BUSY", "acct1")
    # One leg under its uniqueid keeps the uniqueid as its id, with sequence or without.
    assert [row.leg_id for row in accepted(csv18) + accepted(csv21)] == [
        "1707746400.101",
        "1707746700.103",
        "1707747000.104",
        "1707750000.111",
        "1707750060.113",
    ]
    assert times(csv21[1])[:3] == (utc("2024-02-12 15:00:00"), utc("2024-02-12 15:00:02"), utc("2024-02-12 15:20:02"))
    assert all(row.extra_keys == [] for row in accepted(csv18) + accepted(csv21))


def test_asterisk_cdr_table_exported_with_its_header(spark):
    names = ["asterisk_cdr_table.csv", "asterisk_cdr_table_headless.csv", "asterisk_cdr_table_concatenated.csv"]
    parsed = parse_layout(spark, PRESETS["asterisk"]["cdr_table"], names)
    table, headless, concatenated = (parsed[name] for name in names)
    assert reasons(table) == {2: None, 3: None, 4: None, 5: None}  # line 1 is the header, no record
    # calldate with duration and billsec: end = start + duration, answer = end - billsec.
    assert times(table[2]) == (
        utc("2024-02-12 16:00:00"),
        utc("2024-02-12 16:00:03"),
        utc("2024-02-12 16:10:03"),
        603,
        600,
    )
    assert _callers(table, 2) == [("Fay Example", "5550100121", "7000")] and table[2].account_code == "acct1"
    assert [table[n].leg_id for n in (2, 3, 4, 5)] == [
        "1707753600.121",
        "1707753900.123/22",  # a forked dial: two legs of one uniqueid, told apart by sequence
        "1707753900.123/23",
        "1707754800.126",
    ]
    assert times(table[3])[1:] == (None, utc("2024-02-12 16:05:25"), 25, 0)
    assert times(table[4])[1:] == (utc("2024-02-12 16:05:25"), utc("2024-02-12 16:10:25"), 325, 300)
    # Vendor columns are named (lowercased), never read: their values stay out of the legs.
    assert all(row.extra_keys == TABLE_EXTRAS for row in table.values())
    for row in table.values():
        assert "10.0.0.1" not in str({k: v for k, v in row.asDict().items() if k != "value"})
    assert reasons(headless) == {1: NO_HEADER, 2: NO_HEADER}
    assert all(row.extra_keys == [] for row in headless.values())
    assert reasons(concatenated) == {2: None, 3: "repeated header row", 4: None}
    assert concatenated[4].start_time == utc("2024-02-12 16:41:00")


def test_freepbx_report_from_a_day_first_spreadsheet(spark):
    names = ["freepbx_report.csv", "freepbx_month_first.csv"]
    parsed = parse_layout(spark, PRESETS["asterisk"]["freepbx_report"], names, day_first=True)
    report, month_first = parsed["freepbx_report.csv"], parsed["freepbx_month_first.csv"]
    # Byte-order mark, CRLF, minutes only, two empty columns of padding: all accepted.
    assert reasons(report) == {2: None, 3: None, 4: None}
    assert times(report[2]) == (
        utc("2024-02-12 14:00:00"),
        utc("2024-02-12 14:00:03"),
        utc("2024-02-12 14:10:03"),
        603,
        600,
    )
    assert report[3].start_time == utc("2024-02-13 14:00:00")  # 13/02: unambiguous, and day first
    assert times(report[4])[:3] == (utc("2024-03-01 22:45:00"), utc("2024-03-01 22:45:05"), utc("2024-03-01 22:46:05"))
    assert _callers(report, 4) == [("Kim Example", "5550100133", "7000")] and report[4].account_code is None
    assert [row.leg_id for row in report.values()] == ["1707746400.131", "1707832800.133", "1709315100.134"]
    assert all(row.extra_keys == [] for row in report.values())
    # 2/13/2024 can only be month first: that file is quarantined whole, the other is not.
    assert set(reasons(month_first).values()) == {"month-first dates but day_first is true"}
    assert sorted(reasons(month_first)) == [2, 3, 4]


def test_freepbx_report_month_first_and_its_2011_export(spark):
    names = ["freepbx_month_first.csv", "freepbx_report_2011.csv"]
    parsed = parse_layout(spark, PRESETS["asterisk"]["freepbx_report"], names)
    rows, old = parsed["freepbx_month_first.csv"], parsed["freepbx_report_2011.csv"]
    assert reasons(rows) == {2: None, 3: None, 4: None}
    assert [rows[n].start_time for n in (2, 3, 4)] == [
        utc("2024-02-12 14:00:00"),  # 9:00 AM
        utc("2024-02-13 14:00:00"),
        utc("2024-03-01 22:45:00"),  # 5:45 PM
    ]
    # The 2011 export quoted a field only when it held a comma, and never doubled a quote.
    assert reasons(old) == {2: None, 3: None}
    assert _callers(old, 2, 3) == [("Nia Example", "5550100141", "7000"), ("Example, Olu", "5550100142", "7000")]
    assert times(old[2]) == (
        utc("2024-02-12 14:00:00"),
        utc("2024-02-12 14:00:02"),
        utc("2024-02-12 14:00:30"),
        30,
        28,
    )


def test_cdr_custom_template_named_by_columns_with_epoch_times(spark):
    columns = ["clid", "src", "dst", "start", "answer", "end", "duration", "billsec", "disposition", "uniqueid"]
    layout = resolve_layout("asterisk", columns=[*columns, "sequence", "dstchannel", "tenant"])
    rows = parse_layout(spark, layout, ["asterisk_custom_columns.csv"])["asterisk_custom_columns.csv"]
    assert reasons(rows) == {1: None, 2: None}
    # Epoch seconds are instants (no zone applies); "0.000000" is never answered.
    assert times(rows[1]) == (
        utc("2024-02-12 18:00:00"),
        utc("2024-02-12 18:00:02"),
        utc("2024-02-12 18:10:02"),
        602,
        600,
    )
    assert times(rows[2])[1:] == (None, utc("2024-02-12 18:01:15"), 15, 0)
    assert [row.leg_id for row in rows.values()] == ["1707760800.171", "1707760860.172"]
    assert _callers(rows, 1) == [("Sol Example", "5550100171", "7000")]
    assert all(row.extra_keys == ["tenant"] for row in rows.values())


def test_freeswitch_example_and_sql_templates(spark):
    example = parse_layout(spark, PRESETS["freeswitch"]["example"], ["freeswitch_example.csv"])[
        "freeswitch_example.csv"
    ]
    sql = parse_layout(spark, PRESETS["freeswitch"]["sql"], ["freeswitch_sql.csv"])["freeswitch_sql.csv"]
    assert reasons(example) == {1: None, 2: None}
    assert times(example[1]) == (
        utc("2024-02-12 17:00:00"),
        utc("2024-02-12 17:00:04"),
        utc("2024-02-12 17:10:04"),
        604,
        600,
    )
    assert (example[1].leg_id, example[1].account_code, example[1].disposition) == (
        "3f0e2a8c-1b2d-4c5e-8f90-0000000001a1",
        "acct1",
        "NORMAL_CLEARING",
    )
    assert reasons(sql) == {1: None, 2: None, 3: "not an INSERT statement"}
    assert _callers(sql, 1) == [("Ned Example", "5550100151", "7000")]
    assert times(sql[1]) == (
        utc("2024-02-12 17:30:00"),
        utc("2024-02-12 17:30:02"),
        utc("2024-02-12 17:40:02"),
        602,
        600,
    )
    assert (sql[1].account_code, sql[2].account_code, sql[2].answer_time) == ("acct1", None, None)
    assert sql[2].leg_id == "3f0e2a8c-1b2d-4c5e-8f90-0000000001c2"


def test_freeswitch_header_true_with_offsets_and_unknown_columns(spark):
    layout = resolve_layout("freeswitch", header=True)
    rows = parse_layout(spark, layout, ["freeswitch_header.csv"])["freeswitch_header.csv"]
    assert reasons(rows) == {2: None, 3: None}
    # +00 is an offset: the instant as written; no offset: New York wall clock.
    assert times(rows[2]) == (
        utc("2024-02-12 18:00:00"),
        utc("2024-02-12 18:00:05"),
        utc("2024-02-12 18:10:05"),
        605,
        600,
    )
    assert (rows[3].start_time, rows[3].caller_name) == (utc("2024-02-12 18:05:00"), "Example, Rae")
    # account_code is not FreeSWITCH's accountcode: an unclassified column, named, not read.
    assert [row.account_code for row in rows.values()] == [None, None]
    assert all(row.extra_keys == ["account_code", "hangup_cause_q850"] for row in rows.values())


@pytest.mark.parametrize(
    "layout",
    [PRESETS["asterisk"]["cdr_table"], PRESETS["freeswitch"]["sql"], resolve_layout("freeswitch", header=True)],
    ids=["cdr_table", "sql", "header"],
)
def test_null_row_empty_input_and_malformed_rows(spark, layout):
    header = (
        "calldate,dst,duration,uniqueid"
        if layout.family == "asterisk"
        else "start_stamp,destination_number,duration,uuid"
    )
    values = [header, None, "", "   ", "garbage", '"unterminated,"x']
    lines_df = local_frame(spark, [("f", i + 1, v) for i, v in enumerate(values)], LINES_SCHEMA)
    got = {row.line_number: row.reject_reason for row in parse_pbx_lines(lines_df, layout, NY, False).collect()}
    malformed = "not an INSERT statement" if layout.insert_statement else "malformed quoting"
    expected = {2: "blank line", 3: "blank line", 4: "blank line", 6: malformed}
    if layout.insert_statement:
        expected |= {1: "not an INSERT statement", 5: "not an INSERT statement"}
    else:
        expected |= {5: "wrong number of fields"}
    assert got == expected
    empty_df = parse_pbx_lines(local_frame(spark, [], LINES_SCHEMA), layout, NY, False)
    assert empty_df.columns == [*PARSED_COLUMNS, "extra_keys"] and empty_df.count() == 0
