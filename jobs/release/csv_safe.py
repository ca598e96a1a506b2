"""CSV cells a spreadsheet will not run: formula injection (CWE-1236) neutralised at write time.

A spreadsheet treats a cell that starts with `=`, `+`, `-` or `@` as a formula (tab and
carriage return too, since some applications strip them first); `=HYPERLINK(...)` then
runs when a recipient opens the file. Such a string cell gets a leading `'`, which
spreadsheets read as "text, do not evaluate". Numbers, dates and nulls are left alone: a
typed negative number is data, not a formula.

Example:
    safe_df = with_formulas_neutralised(release_df)
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StringType

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# One character class, anchored: a single look at the first character of each cell.
_STARTS_WITH_TRIGGER = "^[=+\\-@\\t\\r]"


def neutralise_formula(col: Column) -> Column:
    """`=SUM(A1)` -> `'=SUM(A1)`; any other string, and null, unchanged."""
    is_formula_like = col.rlike(_STARTS_WITH_TRIGGER)
    return F.when(is_formula_like, F.concat(F.lit("'"), col)).otherwise(col)


def with_formulas_neutralised(df: DataFrame) -> DataFrame:
    """Every top-level string column through `neutralise_formula`; same columns, same order."""
    return df.select(
        *[
            neutralise_formula(_column(field.name)).alias(field.name)
            if isinstance(field.dataType, StringType)
            else _column(field.name)
            for field in df.schema.fields
        ]
    )


def _column(name: str) -> Column:
    # Quoted: a name with a dot (or one that is itself a stray value) is not a nested path.
    return F.col("`" + name.replace("`", "``") + "`")
