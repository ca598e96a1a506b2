"""The extract gate: a GX Core suite over one subprocessor extract, reported without a value.

A row-level extract legitimately holds personal data (a CRM gets emails), so the aggregate
gate's PII scan does not apply. What is checked instead is exactly what the role may not have:
the column set is the role's allow-list and nothing else; no column is named like a password
or (except for the card processor) a card; no string value holds a password hash; and no
string value holds a Luhn-valid card number, except in the card processor's card columns.
Results are BOOLEAN_ONLY, so GX never collects a sample of what it found.

Example:
    result = validate_extract(staged_df, "acme-dev.cdr_extract", expected_columns, may_hold_cards=False)
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, ClassVar

import great_expectations.expectations as gxe
from great_expectations.execution_engine import SparkDFExecutionEngine
from great_expectations.expectations.expectation import BatchExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    column_condition_partial,
)
from pyspark.sql import DataFrame
from pyspark.sql.types import StringType

from expectations.pii import ExpectColumnValuesToContainNoPii, normalized_column_name
from expectations.result import GateFailure, GateResult
from expectations.suite import ensure_empty_docs_dir, failed_checks, run_checks
from transforms.detectors import looks_like_card
from transforms.extracts import looks_like_password_hash

PASSWORD_NAME_WORDS = ("password", "passwd", "pwd", "passphrase")
CARD_NAME_WORDS = ("card", "pan", "cvv", "cvc", "cvv2")
NAMES_CHECK = "expect_table_columns_to_have_no_forbidden_names"


def is_forbidden_name(name: str, words: Collection[str]) -> bool:
    """`Password_Hash`, `pwd`, `card_expiry`, `cardholder` against ("password", "card", ...).

    Long words match inside a name (`cardholder`); short ones only as a word (`pan`).
    """
    normalized = normalized_column_name(name)
    parts = set(normalized.split("_"))
    return any((len(word) > 4 and word in normalized) or word in parts for word in words)


class ColumnValuesHoldNoCardNumber(ColumnMapMetricProvider):
    """Row condition: no Luhn-valid card number anywhere in the value (null counts as clean)."""

    condition_metric_name = "column_values.hold_no_card_number"

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column, **kwargs):
        return ~looks_like_card(column)


class ColumnValuesHoldNoPasswordHash(ColumnMapMetricProvider):
    """Row condition: no bcrypt/sha-crypt/scrypt/argon2/pbkdf2 hash in the value."""

    condition_metric_name = "column_values.hold_no_password_hash"

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column, **kwargs):
        return ~looks_like_password_hash(column)


# Subclasses of the PII expectation: the same forced BOOLEAN_ONLY, one detector each.
class ExpectColumnValuesToHoldNoCardNumber(ExpectColumnValuesToContainNoPii):
    """Expect no value to hold a payment card number (13-19 digits passing Luhn)."""

    map_metric = "column_values.hold_no_card_number"


class ExpectColumnValuesToHoldNoPasswordHash(ExpectColumnValuesToContainNoPii):
    """Expect no value to hold a password hash in Modular Crypt or PHC form."""

    map_metric = "column_values.hold_no_password_hash"


class ExpectTableColumnsToHaveNoForbiddenNames(BatchExpectation):
    """Expect no column name to hold one of `forbidden_words` (schema only, never data)."""

    forbidden_words: list[str]
    metric_dependencies = ("table.columns",)
    success_keys = ("forbidden_words",)
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "production", "tags": ["pii"]}

    def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
        offending = sorted(n for n in metrics["table.columns"] if is_forbidden_name(n, self.forbidden_words))
        return {"success": not offending, "result": {"observed_value": offending}}


def validate_extract(
    df: DataFrame,
    suite_name: str,
    expected_columns: Sequence[str],
    may_hold_cards: bool,
    card_columns: Collection[str] = (),
    docs_dir: Path | None = None,
) -> GateResult:
    """Run the extract gate over `df` (the files as written) and return its verdict.

    `may_hold_cards` is true for the card processor only: then card-named columns pass and
    `card_columns` are not scanned for card numbers; every other string column still is.
    """
    forbidden = list(PASSWORD_NAME_WORDS) + ([] if may_hold_cards else list(CARD_NAME_WORDS))
    text_columns = [f.name for f in df.schema.fields if isinstance(f.dataType, StringType)]
    exempt = set(card_columns) if may_hold_cards else set()
    expectations: list = [
        gxe.ExpectTableColumnsToMatchSet(column_set=sorted(expected_columns), exact_match=True),
        ExpectTableColumnsToHaveNoForbiddenNames(forbidden_words=forbidden),
        *(ExpectColumnValuesToHoldNoCardNumber(column=c) for c in text_columns if c not in exempt),
        *(ExpectColumnValuesToHoldNoPasswordHash(column=c) for c in text_columns),
    ]
    ensure_empty_docs_dir(docs_dir)
    results = run_checks(df, suite_name, expectations, docs_dir, "extract gate")
    # Column names are schema, not data: safe to name.
    offending_names = [n for n in df.columns if is_forbidden_name(n, forbidden)]
    failures = [GateFailure(column, check) for column, check in failed_checks(results, NAMES_CHECK, offending_names)]
    return GateResult(
        suite=suite_name,
        success=bool(results.success) and not failures,
        expectations_run=len(results.results),
        failures=tuple(failures),
    )
