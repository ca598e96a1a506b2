"""Small gold rows that pass the gate, for gate and export tests."""

import datetime as dt

from transforms.contracts import USAGE_BY_TIME_OF_DAY

WEEK = dt.date(2026, 11, 2)
USAGE_SCHEMA = ", ".join(f"{name} {type_}" for name, type_ in USAGE_BY_TIME_OF_DAY.columns.items())


def usage_rows(**changes) -> list[tuple]:
    """Two contract-conforming usage_by_time_of_day rows, the first one changed as asked."""
    rows = [
        {
            "report_week": WEEK,
            "local_dow": 1,
            "local_hour": 9,
            "region": "us",
            "product": "meeting",
            "access_type": "web",
            "conferences": 3,
            "participant_legs": 5,
            "participant_minutes": 120,
            "distinct_accounts": 12,
        },
        {
            "report_week": WEEK,
            "local_dow": 7,
            "local_hour": 23,
            "region": "eu",
            "product": "audio",
            "access_type": "dial_in",
            "conferences": 1,
            "participant_legs": 1,
            "participant_minutes": 0,
            "distinct_accounts": 11,
        },
    ]
    rows[0].update(changes)
    return [tuple(row[name] for name in USAGE_BY_TIME_OF_DAY.columns) for row in rows]
