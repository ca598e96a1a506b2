"""The landing sources and their columns, and the policy's rule for one column (class, treatment)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jobs.config.yaml_files import problem_at
from transforms.parse_accounts import ACCOUNT_FIELDS
from transforms.parse_billing import BILLING_FIELDS
from transforms.parse_cdr import CDR_FIELDS
from transforms.parse_requests import REQUEST_FIELDS
from transforms.parse_usage import USAGE_FIELDS

# Columns of known shape per source; the policy must not name others (typos are errors).
SOURCE_COLUMNS = {
    "cdr": CDR_FIELDS,
    "usage_log": USAGE_FIELDS,
    "accounts": ACCOUNT_FIELDS,
    "billing": BILLING_FIELDS,
    "privacy_requests": REQUEST_FIELDS,
}
# Free text may hold anything; it never leaves bronze, whatever the file says.
FREE_TEXT = {"cdr": {"notes"}}
CLASSES = ("direct_identifier", "quasi_identifier", "sensitive", "operational", "safe")
TREATMENTS = ("drop", "pseudonymize", "keep")
# generalize:<how> -> the columns that generalizer knows how to coarsen.
GENERALIZERS = {
    "local_time": {"start_time"},
    "user_agent": {"user_agent"},
    "calling_code": {"caller_number"},
    "path_template": {"url"},
}
# A column the policy does not list (fail closed).
UNLISTED = ("direct_identifier", "drop")


class ColumnRule(BaseModel):
    """What the policy says of one column: its class and its treatment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    klass: str = Field(alias="class")
    treatment: str

    @model_validator(mode="before")
    @classmethod
    def _exactly_class_and_treatment(cls, rule: object) -> object:
        if not isinstance(rule, dict) or set(rule) != {"class", "treatment"}:
            raise ValueError("must have exactly the keys class and treatment")
        return rule

    @field_validator("klass")
    @classmethod
    def _known_class(cls, klass: str) -> str:
        if klass not in CLASSES:
            raise ValueError(f"class {klass!r} is not one of {', '.join(CLASSES)}")
        return klass

    @field_validator("treatment")
    @classmethod
    def _known_treatment(cls, treatment: str) -> str:
        # Which generalizer fits is a question of the column: checked with it (check_sources).
        if treatment.partition(":")[0] != "generalize" and treatment not in TREATMENTS:
            raise ValueError(f"treatment {treatment!r} is not drop, pseudonymize, keep or generalize:<how>")
        return treatment

    @model_validator(mode="after")
    def _direct_identifiers_never_kept(self) -> ColumnRule:
        if self.klass == "direct_identifier" and self.treatment == "keep":
            raise ValueError("a direct identifier cannot be kept; drop or pseudonymize it")
        return self


def check_sources(sources: dict[str, dict[str, ColumnRule]]) -> None:
    """The rules that need a column's name and source (a pydantic error at that key if broken)."""
    for source, rules in sources.items():
        if source not in SOURCE_COLUMNS:
            raise problem_at(f"unknown source (known: {', '.join(SOURCE_COLUMNS)})", source)
        for column, rule in rules.items():
            if column not in SOURCE_COLUMNS[source]:
                raise problem_at(f"{source} has no such column", source, column)
            kind, _, how = rule.treatment.partition(":")
            if kind == "generalize" and column not in GENERALIZERS.get(how, set()):
                raise problem_at(f"cannot generalize {column} with {how!r}", source, column, "treatment")
            if kind != "drop" and column in FREE_TEXT.get(source, set()):
                raise problem_at(
                    "free text never leaves bronze; its treatment must be drop", source, column, "treatment"
                )
