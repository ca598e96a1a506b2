"""GX Core plumbing both gates share: one suite run over one DataFrame, and its failures.

The aggregate gate (expectations/gate.py) and the extract gate (expectations/extract_gate.py)
each choose their expectations; this runs them the same way: an ephemeral context, no
progress bars, results in BOOLEAN_ONLY, GX's own logging silenced, and the failures read
back as (column, check) pairs that name no value.

Example:
    with gx_logs_silenced():
        results = run_suite(df, "daily_usage", expectations, docs_dir)
    failures = failed_checks(results, NAMES_CHECK, offending_names)
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import great_expectations as gx
from great_expectations.data_context.types.base import ProgressBarsConfig
from pyspark.sql import DataFrame

from expectations.docs import build_data_docs
from expectations.result import GateError


def ensure_empty_docs_dir(docs_dir: Path | None) -> None:
    """Refuse a Data Docs folder that already holds files (raise ValueError)."""
    if docs_dir is not None and docs_dir.exists() and any(docs_dir.iterdir()):
        # The site's index lists every page in its folder: old runs would pass for this one.
        raise ValueError(f"data docs folder {docs_dir} is not empty")


def run_checks(
    df: DataFrame, suite_name: str, expectations: list, docs_dir: Path | None, what: str
) -> gx.ExpectationSuiteValidationResult:
    """`run_suite` with GX's logs silenced; a suite that cannot run raises GateError, whose
    message names the suite and the error's type only (`what`: "gate", "extract gate")."""
    try:
        with gx_logs_silenced():
            return run_suite(df, suite_name, expectations, docs_dir)
    except Exception as error:
        raise GateError(f"the {suite_name} {what} did not run ({type(error).__name__})") from None


def quiet_context():
    """An ephemeral GX context that draws no progress bars."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def run_suite(
    df: DataFrame, suite_name: str, expectations: list, docs_dir: Path | None = None
) -> gx.ExpectationSuiteValidationResult:
    context = quiet_context()
    # persist=False: GX would otherwise cache the whole DataFrame before checking it.
    batch_definition = (
        context.data_sources.add_spark(name="tollgate", persist=False)
        .add_dataframe_asset(name=suite_name)
        .add_batch_definition_whole_dataframe(name="whole_table")
    )
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name, expectations=expectations))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
    )
    # BOOLEAN_ONLY: richer formats sample failing values, and those would be the PII. The
    # Data Docs render the stored result, so they hold no more than the verdicts either.
    results = definition.run(batch_parameters={"dataframe": df}, result_format="BOOLEAN_ONLY")
    if docs_dir is not None:
        build_data_docs(context, docs_dir)
    return results


def failed_checks(
    results: gx.ExpectationSuiteValidationResult, names_check: str, offending_names: Sequence[str]
) -> list[tuple[str | None, str]]:
    """(column, expectation name) for every failure of one suite run, in result order.

    BOOLEAN_ONLY drops the observed value, so the column-name check's offenders are passed
    in (`offending_names`, found again from the schema): one failure each. An expectation
    that raised fails too, under its own name: its message is not copied.
    """
    failures: list[tuple[str | None, str]] = []
    for result in results.results:
        if result.success:
            continue
        config = result.expectation_config
        if config.type == names_check and offending_names:
            failures += [(name, config.type) for name in offending_names]
        else:
            failures.append((config.kwargs.get("column"), config.type))
    return failures


@contextlib.contextmanager
def gx_logs_silenced() -> Iterator[None]:
    # GX logs caught metric errors with their message, and a Spark message can quote a value.
    gx_logger = logging.getLogger("great_expectations")
    previous = gx_logger.level
    gx_logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        gx_logger.setLevel(previous)
