import datetime as dt

from pyspark.testing import assertDataFrameEqual

from jobs.lake.frames import local_frame
from transforms.local_time import with_local_time


def test_local_fields_follow_the_accounts_zone_and_dst(spark):
    rows = [
        # 2026-11-02 is a Monday. 13:30Z is 08:30 in New York (EST, -5).
        ("a", dt.datetime(2026, 11, 2, 13, 30), "America/New_York"),
        # Sunday 2026-11-08 16:00Z is Monday 01:00 in Tokyo: next local day and week.
        ("b", dt.datetime(2026, 11, 8, 16, 0), "Asia/Tokyo"),
        # 2026-10-31 (Saturday) 12:00Z is 08:00 in New York under daylight time (-4).
        ("c", dt.datetime(2026, 10, 31, 12, 0), "America/New_York"),
        ("d", None, "Europe/Dublin"),
    ]
    df = local_frame(spark, rows, "id string, start_time timestamp, tz string")
    got = with_local_time(df, "start_time", "tz").select("id", "local_date", "report_week", "local_dow", "local_hour")
    expected = local_frame(
        spark,
        [
            ("a", dt.date(2026, 11, 2), dt.date(2026, 11, 2), 1, 8),
            ("b", dt.date(2026, 11, 9), dt.date(2026, 11, 9), 1, 1),
            ("c", dt.date(2026, 10, 31), dt.date(2026, 10, 26), 6, 8),
            ("d", None, None, None, None),
        ],
        "id string, local_date date, report_week date, local_dow int, local_hour int",
    )
    assertDataFrameEqual(got, expected)
