"""PII detector recall and false positives on real files, and the cost of one has_pii pass.

    .venv/bin/python -m bench.detectors [--rows 1000000] [--repeats 3]

Prints Markdown tables; exits 1 when a target from the issue is missed (TARGETS in
bench/detector_report.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from functools import reduce

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from bench.detector_report import PRESIDIO_KINDS, print_report
from bench.harness import APACHE_LOG, cached_copies, ended_line, seconds_of, started_line
from jobs.lake.session import get_spark
from tests.shared_data import SHARED_DATA
from transforms.detectors import DETECTORS, has_pii

PRESIDIO = SHARED_DATA / "pii-text" / "presidio-research" / "synth_dataset_v2.json"
# One row per labelled span: its value alone, and its text with every *other* span of the
# same label masked, so a hit in context is this span's and not a neighbour's.
SPAN_SCHEMA = StructType(
    [
        StructField("label", StringType(), nullable=False),
        StructField("value", StringType(), nullable=False),
        StructField("context", StringType(), nullable=False),
    ]
)
TEXT_SCHEMA = StructType([StructField("text", StringType(), nullable=False)])


def labelled_spans(records: list[dict]) -> list[tuple[str, str, str]]:
    """(label, value, context) for every span with a label in PRESIDIO_KINDS."""
    spans = []
    for record in records:
        wanted = [s for s in record["spans"] if s["entity_type"] in PRESIDIO_KINDS]
        for span in wanted:
            context = record["full_text"]
            others = [o for o in wanted if o is not span and o["entity_type"] == span["entity_type"]]
            for other in sorted(others, key=lambda o: -o["start_position"]):  # right to left
                start, end = other["start_position"], other["end_position"]
                context = f"{context[:start]}{{{{{other['entity_type']}}}}}{context[end:]}"
            spans.append((span["entity_type"], span["entity_value"], context))
    return spans


def detects_label(label: Column, text: Column) -> Column:
    """True when a detector for the row's Presidio label fires on `text`."""
    cases = [
        (label == name, reduce(lambda a, b: a | b, (DETECTORS[k](text) for k in kinds)))
        for name, kinds in PRESIDIO_KINDS.items()
    ]
    return reduce(lambda chain, case: chain.when(*case), cases[1:], F.when(*cases[0]))


def presidio_recall(spark: SparkSession, records: list[dict]) -> list[dict]:
    spans_df = spark.createDataFrame(labelled_spans(records), SPAN_SCHEMA)
    recall_df = spans_df.groupBy("label").agg(
        F.count(F.lit(1)).alias("spans"),
        F.count_if(detects_label(F.col("label"), F.col("value"))).alias("in_value"),
        F.count_if(detects_label(F.col("label"), F.col("context"))).alias("in_context"),
    )
    rows = {row.label: row.asDict() for row in recall_df.collect()}
    return [rows[label] for label in PRESIDIO_KINDS if label in rows]


def per_detector_counts(text: Column, is_expected: Column | None = None) -> list[Column]:
    """count_if per detector (false positives only, when `is_expected` marks true hits)."""
    counts = []
    for name, detect in DETECTORS.items():
        hit = detect(text) if is_expected is None or name != "email" else detect(text) & ~is_expected
        counts.append(F.count_if(hit).alias(name))
    return counts


def presidio_false_positives(spark: SparkSession, records: list[dict]) -> dict:
    clean = [
        (record["full_text"],)
        for record in records
        if not any(span["entity_type"] in PRESIDIO_KINDS for span in record["spans"])
    ]
    texts_df = spark.createDataFrame(clean, TEXT_SCHEMA)
    row = texts_df.agg(
        F.count(F.lit(1)).alias("texts"),
        F.count_if(has_pii(F.col("text"))).alias("flagged"),
        *per_detector_counts(F.col("text")),
    ).first()
    return row.asDict()


def access_log_fields(spark: SparkSession) -> DataFrame:
    """One row per log line: client, request URL and user agent (the last quoted field)."""
    quoted = F.split(F.col("value"), '"')
    request = F.try_element_at(quoted, F.lit(2))
    return spark.read.text(str(APACHE_LOG)).select(
        F.substring_index("value", " ", 1).alias("client"),
        F.coalesce(F.try_element_at(F.split(request, " "), F.lit(2)), F.lit("")).alias("url"),
        F.coalesce(F.try_element_at(quoted, F.lit(6)), F.lit("")).alias("user_agent"),
        F.col("value").alias("line"),
    )


def access_log_results(spark: SparkSession) -> dict:
    fields_df = access_log_fields(spark)
    results = {
        "client": fields_df.agg(
            F.count(F.lit(1)).alias("lines"),
            F.count_if(DETECTORS["ipv4"](F.col("client"))).alias("ipv4"),
        )
        .first()
        .asDict()
    }
    for field in ("url", "user_agent"):
        text = F.col(field)
        # Every `@` in this log is a crawler's contact address (SOURCE.txt, checked by eye).
        has_address = F.instr(text, "@") > 0
        any_false = reduce(
            lambda a, b: a | b,
            (detect(text) & ~has_address if name == "email" else detect(text) for name, detect in DETECTORS.items()),
        )
        results[field] = (
            fields_df.agg(
                F.count(F.lit(1)).alias("lines"),
                F.count_if(has_address).alias("addresses"),
                F.count_if(has_address & DETECTORS["email"](text)).alias("addresses_found"),
                F.count_if(any_false).alias("any_false"),
                *per_detector_counts(text, has_address),
            )
            .first()
            .asDict()
        )
    return results


def repeated_rows(spark: SparkSession, text: Column, rows: int) -> DataFrame:
    """`rows` strings: the log's `text` field repeated, cached in memory, 2 partitions per core."""
    return cached_copies(access_log_fields(spark).select(text.alias("text")), rows, numbered=False)


def timed_counts(rows_df: DataFrame, condition: Column, repeats: int) -> tuple[float, int]:
    """Median seconds of `repeats` count_if passes (after one untimed warm-up) and the count."""

    def run() -> int:
        return rows_df.agg(F.count_if(condition).alias("n")).first().n

    counted = run()
    return statistics.median(seconds_of(run) for _ in range(repeats)), counted


def has_pii_timing(spark: SparkSession, rows: int, repeats: int) -> list[dict]:
    """has_pii against the baseline on two inputs; on the PII-free one, each detector alone."""
    inputs = {
        "whole log lines (client IP first: has_pii stops early)": (F.col("line"), False),
        "URL and user agent, PII-free (every detector runs)": (F.concat_ws(" ", "url", "user_agent"), True),
    }
    results = []
    for label, (text, per_detector) in inputs.items():
        rows_df = repeated_rows(spark, text, rows)
        baseline_s, _ = timed_counts(rows_df, F.length("text") > 0, repeats)
        has_pii_s, flagged = timed_counts(rows_df, has_pii(F.col("text")), repeats)
        detectors_s = {  # one timed pass each: roughly where the time goes
            name: timed_counts(rows_df, detect(F.col("text")), 1)[0]
            for name, detect in (DETECTORS.items() if per_detector else ())
        }
        results.append(
            {
                "input": label,
                "rows": rows_df.count(),
                "flagged": flagged,
                "baseline_s": baseline_s,
                "has_pii_s": has_pii_s,
                "detectors_s": detectors_s,
            }
        )
        rows_df.unpersist(blocking=True)
    return results


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows for the has_pii timing")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per measurement")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    print(started_line())
    spark = get_spark("bench-detectors")
    records = json.loads(PRESIDIO.read_text(encoding="utf-8"))
    steps: dict[str, Callable[[], object]] = {
        "recall": lambda: presidio_recall(spark, records),
        "clean": lambda: presidio_false_positives(spark, records),
        "log": lambda: access_log_results(spark),
        "timing": lambda: has_pii_timing(spark, args.rows, args.repeats),
    }
    results = {name: step() for name, step in steps.items()}
    missed = print_report(**results)
    print(ended_line())
    for miss in missed:
        print(f"TARGET MISSED: {miss}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
