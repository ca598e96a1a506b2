"""The policy's `subprocessors:` section: what each subprocessor role may receive, row by row.

Each role is an explicit allow-list, source -> columns (fail closed: a column not listed
never goes out), plus `in_clear`, the identifiers the role gets as they are. Every other
identifier (`*_id`) goes out as `<name>_pseudonym`, an HMAC with the recipient's own key,
so two recipients' extracts cannot be joined. Read into RoleRules with the
rest of the policy (jobs/config/policy.py) and checked (ConfigError, exit 2, with the line)
against the ceilings below, which are the policy table's rows
(../shared/policy/privacy-policy-sq.txt, "Nënkontraktimi dhe Nënpërpunimi").
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from jobs.config.sources import FREE_TEXT, SOURCE_COLUMNS
from jobs.config.yaml_files import problem_at
from jobs.errors import ConfigError
from transforms.vocabulary import REGIONS as ALL_REGIONS

# Role -> the sources its policy row covers at most. Billing data goes to the card processor
# only (policy point 3, docs/architecture.md), whatever "all data" says elsewhere in the table.
ROLE_SOURCES = {
    "hosting": ("accounts", "cdr", "usage_log"),  # "Të gjitha të dhënat, duke përjashtuar numrat e kartave"
    "analytics": ("accounts", "cdr", "usage_log"),  # data analysis SaaS: the same words
    "development": ("accounts", "cdr", "usage_log"),  # "... numrat e kartave të kreditit dhe fjalëkalimet"
    "crm": ("accounts", "cdr", "usage_log"),  # personal info, CDR contact data, service usage
    "user_management": ("accounts",),  # "Detajet e klientit": customer details
    "telecom_carrier": ("cdr",),  # carriers and toll-free providers: "Të dhëna CDR konferencë"
    "card_processor": ("billing",),  # "Detajet e informacionit të faturimit, detajet e transaksionit"
}
ROLES = tuple(ROLE_SOURCES)
PASSWORD_COLUMNS = frozenset({"password_hash"})
CARD_COLUMNS = frozenset({"card_number", "card_expiry"})
CARD_ROLE = "card_processor"
IN_CLEAR = "in_clear"
# A source without a region can be sent only to a recipient allowed every region.
REGION_COLUMN = {"accounts": "region", "cdr": "region", "billing": "account's region"}
EXTRACT_SUFFIX = "_extract"
EXTRACT_DATASETS = {f"{source}{EXTRACT_SUFFIX}": source for source in ("accounts", "cdr", "billing", "usage_log")}


def is_identifier(column: str) -> bool:
    """Keys that would link a row to our records and to other recipients' extracts."""
    return column.endswith("_id")


def output_name(column: str, in_clear: Iterable[str]) -> str:
    """`account_id` -> `account_pseudonym` unless the role gets it in clear."""
    if is_identifier(column) and column not in in_clear:
        return column.removesuffix("_id") + "_pseudonym"
    return column


class RoleRules(BaseModel):
    """One role's allow-list: source -> columns (file order), and the identifiers in clear.

    In the file every key but `in_clear` names a source; its value lists the columns.
    """

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, tuple[str, ...]] = Field(init=False)

    in_clear: frozenset[str] = frozenset()
    _role: str = PrivateAttr("")  # the key it was read under, set by check_roles

    @model_validator(mode="before")
    @classmethod
    def _some_source(cls, rules: object) -> object:
        if not isinstance(rules, dict) or not set(rules) - {IN_CLEAR}:
            raise ValueError("must map at least one source to a list of columns")
        return {**rules, IN_CLEAR: rules.get(IN_CLEAR) or ()}

    @property
    def role(self) -> str:
        return self._role

    @property
    def sources(self) -> dict[str, tuple[str, ...]]:
        return dict(self.__pydantic_extra__)

    def output_columns(self, source: str) -> tuple[str, ...]:
        return tuple(output_name(column, self.in_clear) for column in self.sources[source])

    def pseudonymized(self, source: str) -> tuple[str, ...]:
        return tuple(c for c in self.sources[source] if is_identifier(c) and c not in self.in_clear)

    @property
    def may_hold_cards(self) -> bool:
        return self.role == CARD_ROLE


def check_roles(section: dict[str, RoleRules]) -> None:
    """The rules that need the role a list is read under, in the order a reader checks them:
    the role, each source it names (and its columns), then what it gets in clear."""
    for role, rules in section.items():
        if role not in ROLE_SOURCES:
            raise problem_at(f"unknown role (known: {', '.join(ROLES)})", role)
        rules._role = role
        for source, columns in rules.sources.items():
            _check_source(role, source, columns)
        allowed_ids = {c for columns in rules.sources.values() for c in columns if is_identifier(c)}
        if not rules.in_clear <= allowed_ids:
            raise problem_at("must list identifiers (*_id) the role already receives", role, IN_CLEAR)


def _check_source(role: str, source: str, columns: tuple[str, ...]) -> None:
    if source not in SOURCE_COLUMNS:
        raise problem_at(f"unknown source (known: {', '.join(SOURCE_COLUMNS)})", role, source)
    if source == "billing" and role != CARD_ROLE:
        raise problem_at("billing data goes to the card processor only", role, source)
    if source not in ROLE_SOURCES[role]:
        raise problem_at(f"the policy's {role} row does not cover {source}", role, source)
    if not columns or len(set(columns)) != len(columns):
        raise problem_at("must be a non-empty list of distinct column names", role, source)
    for index, column in enumerate(columns):
        problem = _column_problem(role, source, column)
        if problem:
            raise problem_at(problem, role, source, index)


def _column_problem(role: str, source: str, column: str) -> str | None:
    if column not in SOURCE_COLUMNS[source]:
        return f"{source} has no such column"
    if column in PASSWORD_COLUMNS:
        return "passwords go to no subprocessor"
    if column in CARD_COLUMNS and role != CARD_ROLE:
        return "card data goes to the card processor only"
    if column in FREE_TEXT.get(source, set()):
        return "free text never leaves bronze"
    return None


def check_extract_recipients(rules: dict[str, RoleRules], recipients: Iterable) -> None:
    """Every extract a recipient asks for is covered by its role's allow-list (exit 2 if not)."""
    for recipient in recipients:
        extracts = [d for d in recipient.datasets if d in EXTRACT_DATASETS]
        if recipient.kind != "subprocessor" or not extracts:
            continue
        where = f"recipient {recipient.name} (role {recipient.role})"
        if recipient.role not in rules:
            raise ConfigError(f"{where}: the policy has no subprocessors.{recipient.role} section")
        for dataset in extracts:
            source = EXTRACT_DATASETS[dataset]
            if source not in rules[recipient.role].sources:
                raise ConfigError(f"{where}: subprocessors.{recipient.role} allows no {source} columns")
            if source not in REGION_COLUMN and len(set(recipient.regions)) < len(ALL_REGIONS):
                raise ConfigError(f"{where}: {source} has no region, so it cannot honour the region limit")
