"""GX Core 1.x expectations for personal data: PII in column values and PII-like column names.

Importing this module registers both expectations and their metric with GX. Results never
carry a value: the value check forces BOOLEAN_ONLY whatever format the caller asks for, so GX
never even collects sample values (its result is success alone), and the name check only
reads the schema.

Example:
    suite.add_expectation(ExpectColumnValuesToContainNoPii(column="notes"))
    suite.add_expectation(ExpectTableColumnsToHaveNoPiiNames())
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from great_expectations.execution_engine import SparkDFExecutionEngine
from great_expectations.expectations.expectation import BatchExpectation, ColumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    column_condition_partial,
)
from pyspark.sql import functions as F
from pyspark.sql.types import StringType

from transforms.detectors import has_pii

# Column names that hold a direct identifier (policy point 1: no name, address, email, phone,
# IP address, account number, username or password; docs/architecture.md), normalized to
# lower snake case. A name is also PII-like when one of its words is in _PII_NAME_WORDS.
PII_COLUMN_NAMES = frozenset(
    {
        "email",
        "e_mail",
        "phone",
        "mobile",
        "msisdn",
        "caller_number",
        "ip",
        "ip_address",
        "ipaddr",
        "name",
        "full_name",
        "first_name",
        "last_name",
        "participant_name",
        "username",
        "user_name",
        "address",
        "street",
        "card",
        "card_number",
        "pan",
        "password",
        "password_hash",
        "ssn",
        "iban",
        "birth_date",
        "dob",
        "account_id",
        "user_agent",
        "notes",
        "cardholder_name",
        "billing_address",
        "participant_email",
        "callee_number",
        "caller_id_name",
        "caller_id_number",
        "clid",
    }
)
_PII_NAME_WORDS = frozenset(
    {
        "email",
        "phone",
        "mobile",
        "msisdn",
        "ip",
        "ipaddr",
        "ipv4",
        "ipv6",
        "username",
        "password",
        "passwd",
        "ssn",
        "iban",
        "dob",
        "address",
        "street",
        "cardholder",
        "surname",
        "birthdate",
    }
)
# `<who>_name` is a person's name; `product_name` or `region_name` are not.
_PERSON_NAME = re.compile(
    r"(?:^|_)(?:full|first|last|middle|given|family|display|participant|user|caller|callee"
    r"|contact|customer|cardholder|account|holder)_name$"
)


def normalized_column_name(name: str) -> str:
    """`participantEmail`, `Participant-Email` -> `participant_email`."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    return re.sub(r"[^a-z0-9]+", "_", snake.lower()).strip("_")


def is_pii_column_name(name: str) -> bool:
    """True when a column name says it holds a direct identifier (`email`, `caller_number`)."""
    normalized = normalized_column_name(name)
    words = set(normalized.split("_"))
    return normalized in PII_COLUMN_NAMES or bool(words & _PII_NAME_WORDS) or bool(_PERSON_NAME.search(normalized))


def _boolean_only(runtime_configuration: dict | None) -> dict:
    # BASIC and richer formats sample failing values (partial_unexpected_list): for this
    # expectation the sample would be the PII itself, so no caller may ask for one. GX then
    # drops the counts too: BOOLEAN_ONLY keeps `success` alone.
    return {**(runtime_configuration or {}), "result_format": {"result_format": "BOOLEAN_ONLY"}}


class ColumnValuesContainNoPii(ColumnMapMetricProvider):
    """Row condition: the value matches none of transforms.detectors (null counts as clean)."""

    condition_metric_name = "column_values.contain_no_pii"

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column, _table, _accessor_domain_kwargs, **kwargs):
        # One expression for every detector, so GX scans the column once for all patterns;
        # nested types (arrays, maps, structs of strings) are scanned through their JSON.
        data_type = _table.schema[_accessor_domain_kwargs["column"]].dataType
        text = column if isinstance(data_type, StringType) else F.to_json(column)
        return ~has_pii(text)


class ExpectColumnValuesToContainNoPii(ColumnMapExpectation):
    """Expect no value in the column to look like an email, phone, IP, card, IBAN, SIP URI or SSN.

    The result is the verdict alone (BOOLEAN_ONLY), whatever result_format the caller asks for.
    """

    map_metric = "column_values.contain_no_pii"
    success_keys = ("mostly",)
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "production", "tags": ["pii"]}

    def get_validation_dependencies(self, execution_engine=None, runtime_configuration=None, **kwargs):
        return super().get_validation_dependencies(
            execution_engine=execution_engine,
            runtime_configuration=_boolean_only(runtime_configuration),
        )

    def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
        return super()._validate(metrics, _boolean_only(runtime_configuration), execution_engine)


class ExpectTableColumnsToHaveNoPiiNames(BatchExpectation):
    """Expect no column name to look like a direct identifier (`email`, `ip_address`, `dob`).

    The observed value lists the offending column names (schema, never data).
    """

    metric_dependencies = ("table.columns",)
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "production", "tags": ["pii"]}

    def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
        offending = sorted(name for name in metrics["table.columns"] if is_pii_column_name(name))
        return {"success": not offending, "result": {"observed_value": offending}}
