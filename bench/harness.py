"""What the micro-benchmarks share: the real access log they read, its rows repeated to a
chosen size and cached, and a timer.

Both `bench.detectors` and `bench.user_agents` time work on the same log, warm and in
memory, so that what they report is the work itself and not the read.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable

from pyspark.sql import DataFrame

from tests.shared_data import SHARED_DATA

APACHE_LOG = SHARED_DATA / "access-logs" / "elastic" / "apache_logs"


def cached_copies(df: DataFrame, rows: int, *, numbered: bool) -> DataFrame:
    """`rows` rows of `df` repeated (with a `copy` column numbering the repeat if `numbered`),
    in 4 partitions (2 per core), cached and counted once."""
    copies = -(-rows // df.count())
    copies_df = df.sparkSession.range(copies).withColumnRenamed("id", "copy")
    columns = ["copy", *df.columns] if numbered else df.columns
    rows_df = copies_df.crossJoin(df).select(*columns).limit(rows).repartition(4).cache()
    rows_df.count()
    return rows_df


def seconds_of(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def started_line() -> str:
    """The report's first line: when, and how busy the machine was before the run."""
    return f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load average before: {os.getloadavg()}"


def ended_line() -> str:
    return f"\nload average after: {os.getloadavg()}"
