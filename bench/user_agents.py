"""User-agent classes at 1M rows: ua-parser once per distinct agent (the transform) against
a distinct + join-back baseline and a naive per-row pandas UDF, side by side in one run.

    .venv/bin/python -m bench.user_agents [--rows 1000000] [--repeats 3]

Input grain: one row per (copy, line) of the real access log, its user agent repeated.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import IntegerType, StringType, StructField, StructType

from bench.harness import APACHE_LOG, cached_copies, ended_line, seconds_of, started_line
from jobs.lake.session import get_spark
from transforms.user_agent import classify_user_agent, with_user_agent_classes

CLASS_COLUMNS = ("browser_family", "browser_major", "os_family", "device_class")
CLASSES_SCHEMA = StructType(
    [
        StructField("browser_family", StringType()),
        StructField("browser_major", IntegerType()),
        StructField("os_family", StringType()),
        StructField("device_class", StringType()),
    ]
)


def agents_df(spark: SparkSession, rows: int) -> DataFrame:
    """`rows` rows keyed by (copy, line_id): the log's user agents (last quoted field), cached."""
    lines_df = spark.read.text(str(APACHE_LOG)).select(
        F.monotonically_increasing_id().alias("line_id"),
        F.try_element_at(F.split("value", '"'), F.lit(6)).alias("user_agent"),
    )
    return cached_copies(lines_df, rows, numbered=True)


@F.pandas_udf(CLASSES_SCHEMA)
def classify_each_row(agents: pd.Series) -> pd.DataFrame:
    """The naive path: ua-parser on every row (ua-parser's own 2,000-entry cache still helps)."""
    parsed = [classify_user_agent(agent) for agent in agents]
    return pd.DataFrame(
        {
            "browser_family": [p[0] for p in parsed],
            "browser_major": pd.array([p[1] for p in parsed], dtype="Int32"),
            "os_family": [p[2] for p in parsed],
            "device_class": [p[3] for p in parsed],
        }
    )


def per_row_classes(rows_df: DataFrame) -> DataFrame:
    classes = classify_each_row(F.col("user_agent"))
    return rows_df.select("copy", "line_id", *(classes[c].alias(c) for c in CLASS_COLUMNS))


def trivial_join_back(rows_df: DataFrame) -> DataFrame:
    """The baseline's second half: the same distinct + join-back shape, a built-in mapping."""
    mapping_df = (
        rows_df.select("user_agent")
        .where(F.col("user_agent").isNotNull())
        .distinct()
        .select("user_agent", F.length("user_agent").alias("agent_length"))
    )
    joined_df = rows_df.join(mapping_df, on=rows_df["user_agent"].eqNullSafe(mapping_df["user_agent"]), how="left")
    return joined_df.select("copy", "line_id", "agent_length")


def write_noop(df: DataFrame) -> None:
    """Materialise every row and column, write nothing."""
    df.write.format("noop").mode("overwrite").save()


def mismatched_rows(rows_df: DataFrame) -> int:
    """Rows where the per-distinct and per-row paths disagree on any class (null-safe)."""
    distinct_df = rows_df.transform(with_user_agent_classes).alias("d")
    each_df = per_row_classes(rows_df).alias("e")
    same = [F.col(f"d.{c}").eqNullSafe(F.col(f"e.{c}")) for c in CLASS_COLUMNS]
    joined_df = distinct_df.join(each_df, on=["copy", "line_id"], how="full_outer")
    return joined_df.where(~(same[0] & same[1] & same[2] & same[3])).count()


def run(spark: SparkSession, rows: int, repeats: int) -> dict:
    rows_df = agents_df(spark, rows)
    paths: dict[str, Callable[[], object]] = {
        "baseline: distinct count": lambda: rows_df.select("user_agent").distinct().count(),
        "baseline: trivial join-back": lambda: write_noop(trivial_join_back(rows_df)),
        "per distinct agent (with_user_agent_classes)": lambda: write_noop(rows_df.transform(with_user_agent_classes)),
        "per row (naive pandas UDF)": lambda: write_noop(per_row_classes(rows_df)),
    }
    # Cold: the first Python work in this JVM (workers start, ua-parser loads its rules).
    cold_s = seconds_of(paths["per distinct agent (with_user_agent_classes)"])
    cold_per_row_s = seconds_of(paths["per row (naive pandas UDF)"])
    distinct_agents = rows_df.select("user_agent").distinct().count()
    warm: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(repeats):  # interleaved, so drifting load hits every path alike
        for name, work in paths.items():
            warm[name].append(seconds_of(work))
    mismatches = mismatched_rows(rows_df)
    assert mismatches == 0, f"{mismatches} rows differ between per-distinct and per-row"
    return {
        "rows": rows_df.count(),
        "distinct_agents": distinct_agents,
        "cold_s": cold_s,
        "cold_per_row_s": cold_per_row_s,
        "warm": warm,
        "mismatches": mismatches,
    }


def print_report(result: dict) -> None:
    rows, warm = result["rows"], result["warm"]
    median = {name: statistics.median(times) for name, times in warm.items()}
    baseline_parts = ("baseline: distinct count", "baseline: trivial join-back")
    median = {
        **{name: median[name] for name in baseline_parts},
        "baseline: distinct count + trivial join-back": sum(median[name] for name in baseline_parts),
        **{name: seconds for name, seconds in median.items() if name not in baseline_parts},
    }
    baseline = median["baseline: distinct count + trivial join-back"]
    per_distinct = median["per distinct agent (with_user_agent_classes)"]
    print(
        f"\nrows {rows:,}; distinct user agents {result['distinct_agents']:,}; "
        f"rows differing between per-distinct and per-row: {result['mismatches']}\n"
    )
    # The join-back alone already holds one distinct: the per-distinct path's closest twin.
    join_back = median["baseline: trivial join-back"]
    print("| path | warm s (median) | warm runs, s | rows/s | / baseline | / join-back alone | / per distinct |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for name, seconds in median.items():
        runs = ", ".join(f"{s:.2f}" for s in warm.get(name, [])) or "sum of the two above"
        print(
            f"| {name} | {seconds:.2f} | {runs} | {rows / seconds:,.0f} | "
            f"{seconds / baseline:.2f} | {seconds / join_back:.2f} | {seconds / per_distinct:.2f} |"
        )
    print(
        f"\ncold first run (first Python work in the JVM), per distinct agent: {result['cold_s']:.2f} s; "
        f"per row right after it: {result['cold_per_row_s']:.2f} s"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3, help="warm runs of each path")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    print(started_line())
    spark = get_spark("bench-user-agents")
    print_report(run(spark, args.rows, args.repeats))
    print(ended_line())


if __name__ == "__main__":
    main()
