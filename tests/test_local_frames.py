"""jobs/lake/frames.py local_frame: rows held in Python become the DataFrame that
spark.createDataFrame makes of them, as a local relation the JVM reads without Python workers."""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal

import pytest
from pyspark.sql import Row

from jobs.lake.frames import local_frame
from jobs.lake.session import PROJECT_ROOT

WIDE = (
    "s string, i int, b bigint, d double, f boolean, t timestamp, day date, m decimal(12,4), "
    "a array<string>, mp map<string,string>, st struct<x: string, y: bigint>, ntz timestamp_ntz, sh short"
)
WIDE_ROWS = [
    (
        "x",
        1,
        2**40,
        1.5,
        True,
        dt.datetime(2026, 11, 2, 10, 5, 7, 123456, tzinfo=dt.UTC),
        dt.date(2026, 11, 2),
        Decimal("12.3400"),
        ["a", None],
        {"k": "v"},
        Row(x="q", y=3),
        dt.datetime(2026, 1, 1, 1, 1),
        7,
    ),
    ("y", None, None, None, None, dt.datetime(2026, 11, 2, 10, 5), None, None, None, None, None, None, None),
    (None, -3, 0, -0.0, False, None, dt.date(1970, 1, 1), Decimal("0"), [], {}, ("p", None), None, -1),
]


def _plan(df) -> str:
    return df._jdf.queryExecution().optimizedPlan().toString()


def test_every_column_type_reads_back_as_create_dataframe_gives_it(spark):
    made = local_frame(spark, WIDE_ROWS, WIDE)
    created = spark.createDataFrame(WIDE_ROWS, WIDE)
    assert made.schema == created.schema
    assert made.collect() == created.collect()
    # What makes it fast: a local relation, not a Python RDD (a LogicalRDD) to unpickle.
    assert _plan(made).startswith("LocalRelation") and _plan(created).startswith("LogicalRDD")


def test_rows_dicts_and_collected_rows_are_taken_by_name(spark):
    schema = "request_id string, account_hash string"
    collected = local_frame(spark, [("r1", "h1")], schema).collect()
    by_name = [Row(account_hash="h2", request_id="r2"), {"request_id": "r3", "account_hash": None, "other": 1}]
    assert local_frame(spark, collected + by_name, schema).collect() == [
        Row(request_id="r1", account_hash="h1"),
        Row(request_id="r2", account_hash="h2"),
        Row(request_id="r3", account_hash=None),
    ]
    # A column a dict does not name is refused, not read as null (a misspelt key would be).
    with pytest.raises(ValueError, match="a row without column 'account_hash'"):
        local_frame(spark, [{"request_id": "r4", "account_hsh": "h4"}], schema)


def test_no_rows_gives_an_empty_frame_of_the_schema(spark):
    empty = local_frame(spark, [], WIDE)
    assert empty.count() == 0 and empty.schema == spark.createDataFrame([], WIDE).schema


def test_a_row_of_the_wrong_length_or_a_schema_that_is_no_struct_is_refused(spark):
    with pytest.raises(ValueError, match="a row of 1 values for 2 columns"):
        local_frame(spark, [("only",)], "a string, b string")
    with pytest.raises(TypeError, match="not int"):
        local_frame(spark, [(1,)], "int")


def test_no_pipeline_module_makes_a_dataframe_of_python_rows_but_local_frame():
    """A `createDataFrame` call anywhere else in the pipeline would bring the Python RDD back."""
    callers = []
    for package in ("jobs", "transforms", "expectations"):
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr == "createDataFrame":
                    callers.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert [caller.split(":")[0] for caller in callers] == ["jobs/lake/frames.py"], callers
