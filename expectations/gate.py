"""The privacy gate: one GX Core suite run over one DataFrame, reported without a single value.

A table passes when its column names, its string values and (given a contract) its exact
columns, types, domains, ranges and k floor all check out. The result names columns and
expectations only; it is what the export manifest records. Given a folder, the run is also
rendered as GX Data Docs (HTML) there; those pages name columns and checks, never values.

Example:
    result = validate_table(gold_df, "usage_by_time_of_day", USAGE_BY_TIME_OF_DAY, k=10)
    if not result.success:
        raise GateRefused(...)
"""

from __future__ import annotations

import logging
from pathlib import Path

import great_expectations.expectations as gxe
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, DataType, MapType, StringType, StructType

from expectations.docs import write_withheld_docs
from expectations.pii import (
    ExpectColumnValuesToContainNoPii,
    ExpectTableColumnsToHaveNoPiiNames,
    is_pii_column_name,
)
from expectations.result import GateFailure, GateResult
from expectations.suite import ensure_empty_docs_dir, failed_checks, run_checks
from transforms.contracts import DatasetContract
from transforms.detectors import has_pii

log = logging.getLogger("tollgate.gate")

# Contract type (Spark simple string) -> the pyspark.sql.types class GX compares against.
_GX_TYPE_NAMES = {
    "string": "StringType",
    "int": "IntegerType",
    "bigint": "LongType",
    "smallint": "ShortType",
    "tinyint": "ByteType",
    "double": "DoubleType",
    "float": "FloatType",
    "boolean": "BooleanType",
    "date": "DateType",
    "timestamp": "TimestampType",
    "timestamp_ntz": "TimestampNTZType",
}
NAME_HOLDS_PII = "column_name_holds_pii"
_PII_NAMES_CHECK = "expect_table_columns_to_have_no_pii_names"


def validate_table(
    df: DataFrame,
    suite_name: str,
    contract: DatasetContract | None = None,
    k: int | None = None,
    docs_dir: Path | None = None,
) -> GateResult:
    """Run the privacy gate over `df` and return its verdict.

    Always: no PII-like column name, no PII value in any string (or nested string) column.
    With a contract: exactly its columns, each of its type, values in its domains and
    ranges, and with `k` every `contract.k_column` value at least k. With `docs_dir` (a
    folder that is new or empty), the run's Data Docs land there, `index.html` first.
    """
    ensure_empty_docs_dir(docs_dir)
    names_holding_pii = _names_holding_pii(df)
    expectations: list = [ExpectTableColumnsToHaveNoPiiNames()]
    expectations += [
        ExpectColumnValuesToContainNoPii(column=field.name) for field in df.schema.fields if _holds_text(field.dataType)
    ]
    if contract is not None:
        expectations += _contract_expectations(df, contract, k)
    # GX pages spell out every column name; a name that is a PII value keeps GX's pages away.
    gx_docs_dir = None if names_holding_pii else docs_dir
    results = run_checks(df, suite_name, expectations, gx_docs_dir, "gate")
    # A name that is itself a PII value is reported by position, never spelled out.
    positions = {name: f"#{index}" for index, name in enumerate(df.columns, start=1)}

    def label(column: str | None) -> str | None:
        return positions[column] if column in names_holding_pii else column

    offending_names = [name for name in df.columns if is_pii_column_name(name)]
    failures = [
        GateFailure(column=label(column), expectation=expectation)
        for column, expectation in failed_checks(results, _PII_NAMES_CHECK, offending_names)
    ]
    failures += [GateFailure(column=label(name), expectation=NAME_HOLDS_PII) for name in sorted(names_holding_pii)]
    gate_result = GateResult(
        suite=suite_name,
        success=bool(results.success) and not failures,
        expectations_run=len(results.results) + (1 if names_holding_pii else 0),
        failures=tuple(failures),
    )
    if docs_dir is not None and names_holding_pii:
        write_withheld_docs(docs_dir, gate_result)
    log.info(
        "gate %s: %s (%d checks, %d failed)%s",
        suite_name,
        "passed" if gate_result.success else "refused",
        gate_result.expectations_run,
        len(gate_result.failures),
        f"; data docs in {docs_dir}" if docs_dir is not None else "",
    )
    return gate_result


def _contract_expectations(df: DataFrame, contract: DatasetContract, k: int | None) -> list:
    actual_types = {field.name: field.dataType.simpleString() for field in df.schema.fields}
    present = [column for column in contract.columns if column in actual_types]
    # Value checks only on columns of the right type: the type check already reports the
    # others, and comparing a wrongly typed column could raise on a value.
    typed = {column for column in present if actual_types[column] == contract.columns[column]}
    expectations: list = [gxe.ExpectTableColumnsToMatchSet(column_set=sorted(contract.columns), exact_match=True)]
    expectations += [
        gxe.ExpectColumnValuesToBeOfType(column=column, type_=_gx_type_name(contract.columns[column]))
        for column in present
    ]
    expectations += [
        gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(domain))
        for column, domain in contract.domains.items()
        if column in typed
    ]
    expectations += [
        gxe.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high)
        for column, (low, high) in contract.ranges.items()
        if column in typed
    ]
    if k is not None and contract.k_column in typed:
        # The k floor: every published cell counts at least k distinct accounts; a null
        # count is not known to reach k, so it fails too (map checks skip nulls).
        expectations += [
            gxe.ExpectColumnValuesToBeBetween(column=contract.k_column, min_value=k),
            gxe.ExpectColumnValuesToNotBeNull(column=contract.k_column),
        ]
    return expectations


def _gx_type_name(spark_type: str) -> str:
    if spark_type.startswith("decimal"):
        return "DecimalType"
    try:
        return _GX_TYPE_NAMES[spark_type]
    except KeyError:
        raise ValueError(f"contract type {spark_type!r} has no GX type check") from None


def _holds_text(data_type: DataType) -> bool:
    if isinstance(data_type, StringType):
        return True
    if isinstance(data_type, ArrayType):
        return _holds_text(data_type.elementType)
    if isinstance(data_type, MapType):
        return _holds_text(data_type.keyType) or _holds_text(data_type.valueType)
    if isinstance(data_type, StructType):
        return any(_holds_text(field.dataType) for field in data_type.fields)
    return False


def _names_holding_pii(df: DataFrame) -> set[str]:
    """Column names that are themselves PII values (a pivot by email, say)."""
    # Every detector needs a digit, `@` or `:`; most names have none and cost no Spark job.
    candidates = [name for name in df.columns if any(c.isdigit() or c in "@:" for c in name)]
    if not candidates:
        return set()
    # From literals, not createDataFrame: a Python list becomes a Python RDD, whose every
    # action starts Python workers (jobs/lake/frames.py).
    names_df = df.sparkSession.range(1).select(F.explode(F.array(*map(F.lit, candidates))).alias("name"))
    flagged = names_df.where(has_pii(F.col("name"))).collect()
    return {row.name for row in flagged}
