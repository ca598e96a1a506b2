"""Telephony CDR times: local times without offset, read in the PBX's zone across DST changes,
and day-first dates when the source folder says so."""

from __future__ import annotations

from tests.telephony_lines import DUBLIN, parse_files, reasons, utc
from transforms.parse_telephony import parse_freeswitch_lines


def test_local_times_convert_across_dst_changes(spark, freeswitch):
    new_york = freeswitch["freeswitch_dst.csv"]
    dublin = parse_files(spark, parse_freeswitch_lines, ["freeswitch_dst.csv"], DUBLIN)["freeswitch_dst.csv"]
    assert [new_york[n].start_time for n in range(1, 7)] == [
        utc("2012-03-11 06:59:59"),  # EST, one second before the change
        utc("2012-03-11 07:30:00"),  # 02:30 never happened: read as 03:30 EDT
        utc("2012-03-11 07:00:00"),  # EDT
        utc("2012-11-04 05:30:00"),  # 01:30 happened twice: the first (EDT) is taken
        utc("2012-11-04 07:30:00"),  # EST
        utc("2012-07-01 16:00:00"),
    ]
    assert [dublin[n].start_time for n in (3, 4, 6)] == [
        utc("2012-03-11 03:00:00"),
        utc("2012-11-04 01:30:00"),
        utc("2012-07-01 11:00:00"),
    ]
    assert set(reasons(new_york).values()) == {None}


def test_day_first_dates(spark):
    name = "freeswitch_day_first.csv"
    day_first = parse_files(spark, parse_freeswitch_lines, [name], DUBLIN, day_first=True)[name]
    month_first = parse_files(spark, parse_freeswitch_lines, [name], DUBLIN)[name]
    assert reasons(day_first) == {1: None, 2: None, 3: None}
    assert (day_first[1].start_time, day_first[1].answer_time, day_first[1].end_time) == (
        utc("2012-04-13 16:01:48"),
        utc("2012-04-13 16:01:50"),
        utc("2012-04-13 16:11:48"),
    )
    assert day_first[2].start_time == utc("2012-04-05 08:00:00")  # no seconds, as spreadsheets write
    assert day_first[3].start_time == utc("2012-04-13 16:01:48")  # ISO dates are never ambiguous
    assert reasons(month_first) == dict.fromkeys([1, 2, 3], "day-first dates but day_first is false")
