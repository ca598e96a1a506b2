"""UTC instants -> local calendar fields in an IANA time zone, with Spark built-ins."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def with_local_time(df: DataFrame, ts_col: str, tz_col: str) -> DataFrame:
    """Add local_date, report_week (Monday of the local week), local_dow (Mon=1..Sun=7) and
    local_hour for the instant `ts_col` seen in the time zone named by `tz_col`."""
    local = F.from_utc_timestamp(F.col(ts_col), F.col(tz_col))
    local_date = F.to_date(local)
    return df.withColumns(
        {
            "local_date": local_date,
            "report_week": F.to_date(F.date_trunc("week", local)),
            # Spark's dayofweek is Sun=1..Sat=7; ISO numbering is Mon=1..Sun=7.
            "local_dow": ((F.dayofweek(local_date) + 5) % 7 + 1).cast("int"),
            "local_hour": F.hour(local).cast("int"),
        }
    )
