"""Python work once per distinct value, joined back: for what has no Spark built-in.

Parsing a user agent or a phone number needs a Python library; a million rows hold only a
few thousand distinct agents or numbers, so the rows never pass through Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

_PANDAS_DTYPES = {"int": "Int32", "bigint": "Int64"}  # nullable integers for Arrow


def _batches(func: Callable, outputs: dict[str, str]) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    def apply(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            results = [func(value) for value in batch["_value"]]
            columns = {"_value": batch["_value"]}
            for index, (name, kind) in enumerate(outputs.items()):
                values = [result[index] if len(outputs) > 1 else result for result in results]
                columns[name] = pd.array(values, dtype=_PANDAS_DTYPES.get(kind, object))
            yield pd.DataFrame(columns)

    return apply


def map_distinct(df: DataFrame, source_col: str, func: Callable, outputs: dict[str, str]) -> DataFrame:
    """Replace `source_col` by the `outputs` columns ({name: Spark type}) that `func` gives
    for its value: one value for one output, a tuple for several. Nulls give nulls."""
    schema = ", ".join(["_value string", *(f"`{name}` {kind}" for name, kind in outputs.items())])
    mapped_df = (
        df.select(F.col(source_col).alias("_value"))
        .where(F.col("_value").isNotNull())
        .distinct()
        .mapInPandas(_batches(func, outputs), schema)
    )
    joined_df = df.join(mapped_df, on=df[source_col].eqNullSafe(mapped_df["_value"]), how="left")
    return joined_df.select(*(F.col(c) for c in df.columns if c != source_col), *outputs)
