"""The policy's `subprocessors:` section: what each subprocessor role may receive, row by row.

Each role is an explicit allow-list, source -> columns (fail closed: a column not listed
never goes out), plus `in_clear`, the identifiers the role gets as they are. Every other
identifier (`*_id`) goes out as `<name>_pseudonym`, an HMAC with the recipient's own key,
so two recipients' extracts cannot be joined. Validated at start-up (ConfigError, exit 2)
against the ceilings below, which are the policy table's rows
(../shared/policy/privacy-policy-sq.txt, "Nënkontraktimi dhe Nënpërpunimi").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from jobs.config.sources import FREE_TEXT, SOURCE_COLUMNS
from jobs.errors import ConfigError
from transforms.vocabulary import REGIONS as ALL_REGIONS

# Role -> the sources its policy row covers at most. Billing data goes to the card processor
# only (DESIGN.md point 3), whatever "all data" says elsewhere in the table.
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


@dataclass(frozen=True)
class RoleRules:
    """One role's allow-list: source -> columns (file order), and the identifiers in clear."""

    role: str
    sources: dict[str, tuple[str, ...]]
    in_clear: frozenset[str]

    def output_columns(self, source: str) -> tuple[str, ...]:
        return tuple(output_name(column, self.in_clear) for column in self.sources[source])

    def pseudonymized(self, source: str) -> tuple[str, ...]:
        return tuple(c for c in self.sources[source] if is_identifier(c) and c not in self.in_clear)

    @property
    def may_hold_cards(self) -> bool:
        return self.role == CARD_ROLE


def parse_subprocessor_rules(path: Path, section) -> dict[str, RoleRules]:
    """Role -> rules from the policy file's `subprocessors:` section (absent: no role)."""
    section = section or {}
    where = f"privacy policy {path}: subprocessors"
    if not isinstance(section, dict):
        raise ConfigError(f"{where} must map roles to {{source: [columns]}}")
    return {role: _role_rules(f"{where}.{role}", role, rules) for role, rules in section.items()}


def _role_rules(where: str, role, rules) -> RoleRules:
    if role not in ROLE_SOURCES:
        raise ConfigError(f"{where}: unknown role (known: {', '.join(ROLES)})")
    if not isinstance(rules, dict) or not set(rules) - {IN_CLEAR}:
        raise ConfigError(f"{where} must map at least one source to a list of columns")
    sources = {}
    for source, columns in rules.items():
        if source == IN_CLEAR:
            continue
        here = f"{where}.{source}"
        if source not in SOURCE_COLUMNS:
            raise ConfigError(f"{here}: unknown source (known: {', '.join(SOURCE_COLUMNS)})")
        if source == "billing" and role != CARD_ROLE:
            raise ConfigError(f"{here}: billing data goes to the card processor only")
        if source not in ROLE_SOURCES[role]:
            raise ConfigError(f"{here}: the policy's {role} row does not cover {source}")
        if not isinstance(columns, list) or not columns or len(set(map(str, columns))) != len(columns):
            raise ConfigError(f"{here} must be a non-empty list of distinct column names")
        for column in columns:
            _check_column(f"{here}.{column}", role, source, column)
        sources[source] = tuple(columns)
    in_clear = rules.get(IN_CLEAR) or []
    allowed_ids = {c for columns in sources.values() for c in columns if is_identifier(c)}
    if not isinstance(in_clear, list) or not set(in_clear) <= allowed_ids:
        raise ConfigError(f"{where}.{IN_CLEAR} must list identifiers (*_id) the role already receives")
    return RoleRules(role=role, sources=sources, in_clear=frozenset(in_clear))


def _check_column(here: str, role: str, source: str, column) -> None:
    if column not in SOURCE_COLUMNS[source]:
        raise ConfigError(f"{here}: {source} has no such column")
    if column in PASSWORD_COLUMNS:
        raise ConfigError(f"{here}: passwords go to no subprocessor")
    if column in CARD_COLUMNS and role != CARD_ROLE:
        raise ConfigError(f"{here}: card data goes to the card processor only")
    if column in FREE_TEXT.get(source, set()):
        raise ConfigError(f"{here}: free text never leaves bronze")


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
