"""PBX times as PBXs, databases and spreadsheets write them, read in the source's zone (New
York, EST in February: UTC-5); an ambiguous date follows `day_first`, and a file whose dates
contradict it is quarantined whole. The shapes themselves: test_pbx_config (no Spark)."""

from __future__ import annotations

from tests.pbx_lines import parse_layout, reasons, utc
from transforms.cdr_layouts import PRESETS

CDR_CSV = PRESETS["asterisk"]["cdr_csv"]
FORMS, DAY_FIRST_FORMS = "asterisk_time_forms.csv", "asterisk_time_forms_day_first.csv"


def test_time_forms_month_first_and_a_day_first_file_beside_them(spark):
    parsed = parse_layout(spark, CDR_CSV, [FORMS, DAY_FIRST_FORMS])
    rows = parsed[FORMS]
    assert reasons(rows) == {**dict.fromkeys(range(1, 11)), 11: "invalid start_time", 12: "invalid start_time"}
    assert {n: rows[n].start_time for n in range(1, 11)} == {
        1: utc("2020-02-11 03:41:05"),  # 2020-02-10 22:41:05, ISO
        2: utc("2020-02-11 03:41:00"),  # without seconds
        3: utc("2020-02-11 03:41:05"),  # with a T
        4: utc("2020-02-11 03:41:00"),  # 2020/2/10 22:41, a spreadsheet's re-save
        5: utc("2020-02-11 03:41:00"),  # 2/10/2020: month first, as the source says
        6: utc("2020-02-11 03:41:05"),  # 2/10/20: a two-digit year
        7: utc("2020-02-11 03:41:00"),  # 10:41 PM
        8: utc("2020-02-11 03:41:05"),  # epoch seconds: an instant, no zone applies
        9: utc("2020-02-11 03:41:05"),
        10: utc("2020-02-10 21:41:05"),  # +01:00: the offset written, not New York's
    }
    assert rows[8].end_time == utc("2020-02-11 03:42:05")
    assert (rows[9].answer_time, rows[9].reject_reason) == (None, None)  # 0000-00-00 00:00:00 is never
    assert all(rows[n].duration_s == 60 for n in range(1, 11))
    # 13/02/2020 can only be day first: the whole file is quarantined, not half of it read.
    assert reasons(parsed[DAY_FIRST_FORMS]) == dict.fromkeys(range(1, 5), "day-first dates but day_first is false")


def test_day_first_source(spark):
    rows = parse_layout(spark, CDR_CSV, [DAY_FIRST_FORMS], day_first=True)[DAY_FIRST_FORMS]
    assert reasons(rows) == dict.fromkeys(range(1, 5))
    assert [rows[n].start_time for n in range(1, 5)] == [
        utc("2020-02-11 03:41:00"),  # 10/2/2020 22:41: 10 February
        utc("2020-02-11 03:41:05"),  # 10.02.20 22:41:05
        utc("2020-02-14 03:41:00"),  # 13/02/2020 22:41
        utc("2020-02-11 03:41:05"),  # ISO dates are never ambiguous
    ]
