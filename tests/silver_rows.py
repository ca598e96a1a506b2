"""Small silver CDR and web rows for the gold dataset tests: a time-of-day mix with bands
over and under k, and one hour of web requests."""

from __future__ import annotations

import datetime as dt

from jobs.lake.frames import local_frame

WEEK = DAY = dt.date(2026, 11, 2)  # a Monday
SILVER_SCHEMA = (
    "landing_date date, report_week date, local_date date, local_dow int, local_hour int, region string,"
    " product string, access_type string, conference_pseudonym string, account_pseudonym string,"
    " participant_minutes bigint, mos double"
)
WEB_SCHEMA = (
    "landing_date date, request_date date, request_hour int, method string, path_template string, status int,"
    " bytes bigint, browser_family string, browser_major int, os_family string, device_class string,"
    " visitor_hash string"
)


def leg_rows(tag: str, hour: int, access: str, accounts: int, legs_each: int, minutes: int, mos: float | None):
    return [
        (DAY, WEEK, DAY, 1, hour, "us", "meeting", access, f"c-{tag}-{a}", f"a-{tag}-{a}", minutes, mos)
        for a in range(accounts)
        for _ in range(legs_each)
    ]


def silver_cdr_df(spark):
    # 09:00 app (25 accounts, published): 12 very satisfied, 11 some dissatisfied, and 2
    # accounts (4 legs, 120 min) not recommended, a band under k. 09:00 web: 10 accounts,
    # published, one band. 03:00 app (3 accounts) and 03:00 web (2 accounts, 2 legs, 50 min):
    # time-of-day cells under k, suppressed.
    rows = (
        leg_rows("good", 9, "app", 12, 1, 10, 4.5)
        + leg_rows("fair", 9, "app", 11, 1, 20, 3.8)
        + leg_rows("bad", 9, "app", 2, 2, 30, 2.0)
        + leg_rows("web", 9, "web", 10, 1, 5, 4.1)
        + leg_rows("night", 3, "app", 3, 1, 15, 4.5)
        + leg_rows("nightweb", 3, "web", 2, 1, 25, 4.1)
    )
    return local_frame(spark, rows, SILVER_SCHEMA)


def _web_rows(hour: int, browser: str, os_family: str, device: str, visitors: int, requests_each: int):
    return [
        (DAY, DAY, hour, "GET", "/j/{id}", 200, 1000, browser, 120, os_family, device, f"v-{browser}-{v}")
        for v in range(visitors)
        for _ in range(requests_each)
    ]


def silver_web_df(spark):
    rows = _web_rows(14, "Chrome", "Windows", "desktop", 10, 3) + _web_rows(14, "Firefox", "Linux", "desktop", 4, 5)
    # A request with no visitor hash counts as a request but as no visitor.
    rows.append((DAY, DAY, 14, "GET", "/", 200, 10, "Chrome", 120, "Windows", "desktop", None))
    return local_frame(spark, rows, WEB_SCHEMA)
