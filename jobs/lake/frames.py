"""DataFrames of rows held in Python (ledger rows, audit rows, a few request ids).

`spark.createDataFrame` on a Python list makes a Python RDD: every action on the DataFrame then
starts Python workers to unpickle the rows: 0.7 s an action on 20 rows, on 2 cores. Built
through Arrow, the same rows become a local relation the JVM reads at once (0.12 s an action);
a small run makes dozens of such DataFrames (bench/RESULTS.md, eighth session).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pyarrow as pa
from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql.pandas.types import to_arrow_schema
from pyspark.sql.types import ArrayType, DataType, MapType, StructType


def local_frame(spark: SparkSession, rows: Iterable[Sequence | Mapping], schema: StructType | str) -> DataFrame:
    """The `rows` (tuples in the schema's column order, Rows or dicts by name, every column
    named; other keys are ignored) as a DataFrame of `schema` (a StructType or DDL such as
    "id string, n bigint"). Values are typed as
    spark.createDataFrame types them; a naive datetime is read as UTC, the lake's clock."""
    struct = schema if isinstance(schema, StructType) else DataType.fromDDL(schema)
    if not isinstance(struct, StructType):
        raise TypeError(f"a DataFrame's schema is a struct, not {struct.simpleString()}")
    records = [_record(row, struct) for row in rows]
    table = pa.Table.from_pylist(records, schema=to_arrow_schema(struct))
    return spark.createDataFrame(table, struct)


def _record(row: Sequence | Mapping, struct: StructType) -> dict[str, Any]:
    if isinstance(row, Row):
        row = row.asDict()
    if isinstance(row, Mapping):
        missing = [field.name for field in struct.fields if field.name not in row]
        if missing:
            raise ValueError(f"a row without column {missing[0]!r}")
        return {field.name: _value(row[field.name], field.dataType) for field in struct.fields}
    if len(row) != len(struct.fields):
        raise ValueError(f"a row of {len(row)} values for {len(struct.fields)} columns")
    return {field.name: _value(value, field.dataType) for field, value in zip(struct.fields, row, strict=True)}


def _value(value: Any, kind: DataType) -> Any:
    """Nested Rows and tuples as Arrow takes them: structs as dicts, maps as (key, value) pairs."""
    if value is None:
        return None
    if isinstance(kind, StructType):
        return _record(value, kind)
    if isinstance(kind, ArrayType):
        return [_value(item, kind.elementType) for item in value]
    if isinstance(kind, MapType):
        return [(key, _value(item, kind.valueType)) for key, item in value.items()]
    return value
